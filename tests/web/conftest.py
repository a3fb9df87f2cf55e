"""Fixtures for the web tests: a Runtime (SQLite and PostgreSQL), the app served on loopback
and a simulated shop with its tenant."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.web.harness import Shop, make_runtime, open_shop, serving
from wholesync.runtime.service import Runtime
from wholesync.simulator.server import RunningSimulator
from wholesync.web.app import create_app

MAX_BODY = 4096


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    runtime = make_runtime(database_url, tmp_path)
    yield runtime
    runtime.close()


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return create_app(runtime, max_body_bytes=MAX_BODY)


@pytest.fixture
def url(app: FastAPI) -> Iterator[str]:
    with serving(app) as base:
        yield base


@pytest.fixture
def shop(
    simulator: RunningSimulator, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Shop]:
    shop = open_shop(simulator, runtime, monkeypatch, products=2)
    yield shop
    httpx.delete(f"{simulator.url}/__sim/shops/{shop.handle}", timeout=30)
