"""Fixtures for simulator tests: one simulator served on loopback per test session, and the
shop and webhook receiver most webhook tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.simulator.sim_helpers import Receiver, SimShop, open_shop, start_receiver
from wholesync.simulator.server import RunningSimulator, start_in_thread


@pytest.fixture(scope="session")
def simulator() -> Iterator[RunningSimulator]:
    running = start_in_thread(allow_http_callbacks=True, seed=7)
    yield running
    running.stop()


@pytest.fixture
def shop(simulator: RunningSimulator) -> Iterator[SimShop]:
    """A fresh shop with two products and two customers; modules that need more override it."""
    yield from open_shop(simulator, products=2, customers=2)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver for one test, shut down afterwards."""
    running = start_receiver()
    yield running
    running.server.shutdown()
    running.server.server_close()
