"""What the outbound-flow benchmarks share: a simulated shop on the standard plan with a hub
tenant for it, and one flow run timed from a full bucket with the cost Shopify charged per
operation."""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy.orm import Session, sessionmaker

from wholesync.hub.db import init_db, session_factory
from wholesync.simulator.server import start_in_thread
from wholesync.sync.flows import run_for_tenant
from wholesync.sync.registry import FLOWS
from wholesync.sync.runs import RunResult
from wholesync.sync.tenants import add_tenant, build_client, get_tenant

OPERATION = re.compile(r"^(?:query|mutation)\s+(\w+)", re.MULTILINE)
TOKEN_ENV = "BENCH_OUTBOUND_TOKEN"
SECRET_ENV = "BENCH_OUTBOUND_SECRET"


class CostTap(httpx.BaseTransport):
    """Passes requests through, adding up the actual cost Shopify charged per operation."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.cost: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        body = response.read()
        found = OPERATION.search(orjson.loads(request.content)["query"])
        name = found.group(1) if found else "?"
        cost = (orjson.loads(body).get("extensions") or {}).get("cost") or {}
        self.calls[name] += 1
        self.cost[name] += cost.get("actualQueryCost") or 0
        return response

    def close(self) -> None:
        self.inner.close()


@dataclass(frozen=True)
class Hub:
    """The simulator's URL, the shop's token, and the hub whose tenant ``tenant`` syncs it."""

    sim_url: str
    token: str
    tenant: str
    sessions: sessionmaker[Session]


@contextmanager
def simulated_hub(shop: str, tenant: str, counts: dict[str, int]) -> Iterator[Hub]:
    """A seeded shop of ``counts`` on the standard plan, and a fresh SQLite hub for it."""
    sim = start_in_thread(seed=1)
    token = f"shpat_{shop}"
    spec = {"shop": shop, "token": token, "seed": 1, "plan": "standard", **counts}
    httpx.post(f"{sim.url}/__sim/shops", json=spec, timeout=600).raise_for_status()
    os.environ[TOKEN_ENV] = token
    os.environ[SECRET_ENV] = "not-used"
    try:
        with tempfile.TemporaryDirectory(prefix="wholesync-bench-") as folder:
            engine = init_db(f"sqlite:///{Path(folder) / 'hub.db'}")
            sessions = session_factory(engine)
            with sessions.begin() as session:
                add_tenant(
                    session,
                    tenant,
                    shop=f"{shop}.myshopify.com",
                    token_env=TOKEN_ENV,
                    secret_env=SECRET_ENV,
                    api_url=sim.url,
                )
            try:
                yield Hub(sim.url, token, tenant, sessions)
            finally:
                engine.dispose()
    finally:
        sim.stop()


def timed_run(hub: Hub, flow: str) -> tuple[RunResult, dict[str, Any]]:
    """Run ``flow`` once the shop's bucket is full again; its result and what it measured."""
    tap = CostTap()
    with hub.sessions() as session:
        client = build_client(get_tenant(session, hub.tenant), transport=tap)
    bucket = full_bucket(hub.sim_url, hub.token)
    started = time.perf_counter()
    (result,) = run_for_tenant(hub.sessions, hub.tenant, [FLOWS[flow]], client=client)
    wall = time.perf_counter() - started
    client.close()
    return result, {
        "wall": wall,
        "bucket": bucket,
        "cost": dict(tap.cost),
        "calls": dict(tap.calls),
        "client_cost": client.cost_used,
        "retries": client.retries,
        "throttled": client.throttled_responses,
    }


def full_bucket(sim_url: str, token: str) -> dict[str, float]:
    """Wait for the shop's bucket to refill after the syncs; its throttle status then."""
    while True:
        response = httpx.post(
            f"{sim_url}/admin/api/2026-07/graphql.json",
            json={"query": "{ shop { id } }"},
            headers={"X-Shopify-Access-Token": token},
            timeout=30,
        )
        status = response.json()["extensions"]["cost"]["throttleStatus"]
        if status["currentlyAvailable"] >= status["maximumAvailable"] - 1:
            return {key: float(value) for key, value in status.items()}
        time.sleep(1)
