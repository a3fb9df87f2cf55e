"""Fixtures for simulator tests: one simulator served on loopback per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from wholesync.simulator.server import RunningSimulator, start_in_thread


@pytest.fixture(scope="session")
def simulator() -> Iterator[RunningSimulator]:
    running = start_in_thread(allow_http_callbacks=True, seed=7)
    yield running
    running.stop()
