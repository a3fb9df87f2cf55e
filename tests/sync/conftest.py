"""Fixtures for the flow tests: a hub database (SQLite and PostgreSQL), a fresh simulated shop
and a tenant pointing at it, and helpers to act as the merchant and to read both sides."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from wholesync.hub.db import init_db, session_factory
from wholesync.hub.models import ExternalRef, Tenant
from wholesync.simulator.server import RunningSimulator
from wholesync.sync import tables
from wholesync.sync.flows import FlowSpec, run_for_tenant
from wholesync.sync.registry import FLOW_SPECS
from wholesync.sync.runs import RunResult
from wholesync.sync.tenants import add_tenant, set_setting

SPECS: dict[str, FlowSpec] = dict(FLOW_SPECS)
DATA_TABLES = (
    tables.PRODUCTS,
    tables.VARIANTS,
    tables.IMAGES,
    tables.CUSTOMERS,
    tables.ADDRESSES,
    tables.BUYERS,
    tables.WAREHOUSES,
    tables.LEVELS,
    tables.REFS,
)
_numbers = itertools.count(1)


@dataclass
class Harness:
    """One simulated shop, one hub database, one tenant between them."""

    sim: RunningSimulator
    shop: str
    engine: Engine
    sessions: sessionmaker[Session]
    tenant: str = "brand"

    # Wholesync's side.

    def sync(
        self, flow: str = "products", *, full: bool = False, preview: bool = False
    ) -> RunResult:
        (result,) = run_for_tenant(
            self.sessions, self.tenant, [SPECS[flow]], full=full, preview=preview
        )
        return result

    def set(self, key: str, value: str) -> None:
        with self.sessions.begin() as session:
            set_setting(session, self.tenant, key, value)

    def hub_id(self, entity: str, gid: str) -> int | None:
        with self.sessions() as session:
            return session.scalars(
                select(ExternalRef.hub_id).where(
                    ExternalRef.entity == entity, ExternalRef.shopify_gid == gid
                )
            ).one_or_none()

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every hub data table (runs and run records aside)."""
        with self.engine.connect() as conn:
            return {
                table.name: [tuple(row) for row in conn.execute(select(table).order_by(table.c.id))]
                for table in DATA_TABLES
            }

    # The merchant's side.

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self.sim.url}/__sim/shops/{self.shop}{path}"
        response = httpx.request(method, url, json=body, timeout=60)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def listing(self, kind: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.control("GET", f"/{kind}")
        return result


def _create_shop(sim: RunningSimulator, shop: str, **counts: int) -> None:
    spec = {"shop": shop, "token": f"shpat_{shop}", "seed": 1, "plan": "plus", **counts}
    response = httpx.post(f"{sim.url}/__sim/shops", json=spec, timeout=120)
    assert response.status_code == 201, response.text


@pytest.fixture
def harness(
    simulator: RunningSimulator, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Harness]:
    """A shop with 12 products, 10 customers and 2 locations, and an empty hub."""
    shop = f"flows{next(_numbers)}"
    _create_shop(simulator, shop, products=12, customers=10, locations=2)
    engine = init_db(database_url)
    sessions = session_factory(engine)
    monkeypatch.setenv("BRAND_TOKEN", f"shpat_{shop}")
    monkeypatch.setenv("BRAND_SECRET", "not-used-by-these-tests")
    with sessions.begin() as session:
        add_tenant(
            session,
            "brand",
            shop=f"{shop}.myshopify.com",
            token_env="BRAND_TOKEN",
            secret_env="BRAND_SECRET",
            api_url=simulator.url,
        )
    yield Harness(simulator, shop, engine, sessions)
    engine.dispose()
    httpx.delete(f"{simulator.url}/__sim/shops/{shop}", timeout=30)


def tagged(record: dict[str, Any], tag: str = "wholesync") -> bool:
    return any(t.strip().lower() == tag for t in record.get("tags") or [])


def metafield(record: dict[str, Any], namespace: str, key: str) -> str | None:
    for entry in record.get("metafields") or []:
        if entry["namespace"] == namespace and entry["key"] == key:
            value: str = entry["value"]
            return value
    return None


def tenant_id(harness: Harness) -> int:
    with harness.sessions() as session:
        return session.scalars(select(Tenant.id).where(Tenant.name == harness.tenant)).one()


def number(gid: str) -> str:
    """``1000004`` from ``gid://shopify/Product/1000004`` (control API paths take the number)."""
    return gid.rsplit("/", 1)[1]
