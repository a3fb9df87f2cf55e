"""Fixtures for the runtime tests: an initialised hub (SQLite and PostgreSQL), tenants in it,
and simulated shops for the tenants to sync from."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from wholesync.hub.db import init_db, session_factory
from wholesync.simulator.server import RunningSimulator
from wholesync.sync.tenants import add_tenant

_numbers = itertools.count(1)


@dataclass
class Hub:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    def add_tenant(self, name: str, shop: str = "nowhere", api_url: str | None = None) -> int:
        """A tenant reading its token from ``{NAME}_TOKEN`` (set it when it must sync)."""
        env = name.upper().replace("-", "_")
        with self.sessions.begin() as session:
            tenant = add_tenant(
                session,
                name,
                shop=f"{shop}.myshopify.com",
                token_env=f"{env}_TOKEN",
                secret_env=f"{env}_SECRET",
                api_url=api_url,
            )
            return tenant.id


@pytest.fixture
def hub(database_url: str) -> Iterator[Hub]:
    engine = init_db(database_url)
    yield Hub(database_url, engine, session_factory(engine))
    engine.dispose()


@dataclass
class Shop:
    sim: RunningSimulator
    handle: str

    @property
    def token(self) -> str:
        return f"shpat_{self.handle}"

    def faults(self, **knobs: object) -> None:
        url = f"{self.sim.url}/__sim/shops/{self.handle}/faults"
        response = httpx.put(url, json=knobs, timeout=30)
        assert response.status_code < 300, response.text


@pytest.fixture
def shop(simulator: RunningSimulator) -> Iterator[Shop]:
    """A small simulated shop: 4 products, 3 customers, 1 location."""
    handle = f"runtime{next(_numbers)}"
    spec = {
        "shop": handle,
        "token": f"shpat_{handle}",
        "seed": 1,
        "plan": "plus",
        "products": 4,
        "customers": 3,
        "locations": 1,
    }
    response = httpx.post(f"{simulator.url}/__sim/shops", json=spec, timeout=60)
    assert response.status_code == 201, response.text
    yield Shop(simulator, handle)
    httpx.delete(f"{simulator.url}/__sim/shops/{handle}", timeout=30)


@pytest.fixture
def brand(hub: Hub, shop: Shop, monkeypatch: pytest.MonkeyPatch) -> int:
    """The id of tenant "brand", syncing from ``shop``."""
    monkeypatch.setenv("BRAND_TOKEN", shop.token)
    monkeypatch.setenv("BRAND_SECRET", "unused")
    return hub.add_tenant("brand", shop.handle, api_url=shop.sim.url)
