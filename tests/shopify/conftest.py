"""Fixtures for client tests: a simulator on loopback, fresh shops on it, and a client whose
sleeps are recorded (and, with a manual clock, move that clock instead of waiting)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from wholesync.shopify import ShopifyClient, StaticToken
from wholesync.shopify.operations import Operation
from wholesync.simulator.clock import ManualClock
from wholesync.simulator.server import RunningSimulator, start_in_thread

DOCUMENTS = Path(__file__).parent / "documents"


def doc(name: str) -> Operation:
    """A document only the tests send (tests/shopify/documents/<name>.graphql)."""
    return Operation.parse(name, (DOCUMENTS / f"{name}.graphql").read_text())


@dataclass
class RecordingSleep:
    """Records every sleep; moves ``clock`` by it when given one, else returns at once."""

    clock: ManualClock | None = None
    # Shopify's clock never lags ours; a hair of extra time keeps float rounding harmless.
    overshoot: float = 0.0
    calls: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        if self.clock is not None:
            self.clock.advance(seconds + self.overshoot)


@dataclass
class Shop:
    """A shop on a running simulator."""

    sim: RunningSimulator
    handle: str
    token: str

    @property
    def domain(self) -> str:
        return f"{self.handle}.myshopify.com"

    @property
    def control_url(self) -> str:
        return f"{self.sim.url}/__sim/shops/{self.handle}"

    def faults(self, **faults: Any) -> None:
        response = httpx.put(f"{self.control_url}/faults", json=faults, timeout=30)
        assert response.status_code == 200, response.text

    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(method, self.control_url + path, json=body, timeout=60)
        assert response.status_code < 300, response.text
        return response.json()

    def client(self, **options: Any) -> ShopifyClient:
        options.setdefault("rng", random.Random(0))
        return ShopifyClient(self.domain, StaticToken(self.token), base_url=self.sim.url, **options)


ShopFactory = Callable[..., Shop]


def create_shop(sim: RunningSimulator, **spec: Any) -> Shop:
    handle = f"c-{uuid.uuid4().hex[:10]}"
    body = {"shop": handle, "token": f"shpat_{handle}", "seed": 1, **spec}
    response = httpx.post(f"{sim.url}/__sim/shops", json=body, timeout=120)
    assert response.status_code == 201, response.text
    return Shop(sim, handle, body["token"])


@pytest.fixture(scope="session")
def simulator() -> Iterator[RunningSimulator]:
    running = start_in_thread(allow_http_callbacks=True, seed=11)
    yield running
    running.stop()


@pytest.fixture
def make_shop(simulator: RunningSimulator) -> Iterator[ShopFactory]:
    made: list[Shop] = []

    def make(**spec: Any) -> Shop:
        shop = create_shop(simulator, **spec)
        made.append(shop)
        return shop

    yield make
    for shop in made:
        httpx.delete(shop.control_url, timeout=30)


@dataclass
class Timed:
    """A simulator whose time only moves when a test (or a recorded sleep) moves it."""

    sim: RunningSimulator
    clock: ManualClock


@pytest.fixture(scope="module")
def timed() -> Iterator[Timed]:
    clock = ManualClock(start=0.0)
    running = start_in_thread(allow_http_callbacks=True, seed=5, clock=clock)
    yield Timed(running, clock)
    running.stop()
