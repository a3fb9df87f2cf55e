"""Deterministic seeding of a shop that looks like an apparel brand's store."""

from __future__ import annotations

import random

from pydantic import BaseModel, Field

from wholesync.simulator.catalog.seed import seed_catalog
from wholesync.simulator.customers.seed import seed_customers
from wholesync.simulator.store import Shop


class SeedSpec(BaseModel):
    """How much to seed, and from which seed; the same spec always yields the same shop."""

    seed: int = 1
    products: int = Field(0, ge=0, le=1_000_000)
    customers: int = Field(0, ge=0, le=1_000_000)
    locations: int = Field(1, ge=1, le=200)
    sync_tag: str = "wholesync"

    model_config = {"extra": "forbid"}


def seed_shop(shop: Shop, spec: SeedSpec) -> None:
    rng = random.Random(spec.seed)
    with shop.lock:
        seed_catalog(shop, rng, spec)
        seed_customers(shop, rng, spec)
