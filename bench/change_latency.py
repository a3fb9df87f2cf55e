"""Change-to-hub latency, embedded: a merchant edits a product in the simulator, and the clock
stops when the hub's row shows the edit.

One ``wholesync serve`` process (web, worker threads and scheduler, SQLite hub and queue) with
the tenant's webhooks subscribed by ``tenants connect``'s code path. Each edit goes through the
simulator's control API, which publishes ``products/update`` to the served intake as Shopify
would. Edits are spaced out so that each is a change of its own, not part of a burst that
coalescing would merge. Target: p95 at most 1 s.
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, sessionmaker

from bench.serving import HOST, WHOLESYNC, server
from wholesync.hub.db import init_db, session_factory
from wholesync.hub.models import ExternalRef, Product, ProductStatus
from wholesync.simulator.server import free_port, start_in_thread
from wholesync.sync.flows import run_for_tenant
from wholesync.sync.registry import FLOW_SPECS
from wholesync.sync.subscriptions import connect
from wholesync.sync.tenants import add_tenant, build_client, get_tenant

SHOP = "bench-latency"
TOKEN = "shpat_bench_latency"
SECRET = "bench-latency-webhook-secret"
EDITS = 60
GAP_SECONDS = 0.3
POLL_SECONDS = 0.002
TIMEOUT_SECONDS = 15.0


def run(edits: int = EDITS) -> dict[str, Any]:
    sim = start_in_thread(seed=1)
    spec = {"shop": SHOP, "token": TOKEN, "seed": 1, "plan": "plus", "webhook_secret": SECRET}
    counts = {"products": 40, "customers": 0, "locations": 1}
    httpx.post(f"{sim.url}/__sim/shops", json={**spec, **counts}, timeout=120).raise_for_status()
    os.environ["BENCH_LATENCY_TOKEN"] = TOKEN
    os.environ["BENCH_LATENCY_SECRET"] = SECRET
    try:
        with tempfile.TemporaryDirectory(prefix="wholesync-bench-") as folder:
            latencies = _measure(sim.url, Path(folder), edits)
    finally:
        sim.stop()
    ordered = sorted(latencies)

    def percentile(fraction: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000, 1)

    return {
        "benchmark": "change_latency",
        "python": platform.python_version(),
        "edits": edits,
        "gap_seconds": GAP_SECONDS,
        "latencies_ms": [round(s * 1000, 1) for s in latencies],
        "summary": {
            "p50_ms": percentile(0.50),
            "p95_ms": percentile(0.95),
            "max_ms": round(ordered[-1] * 1000, 1),
            "target_p95_ms": 1000,
        },
    }


def _measure(sim_url: str, tmp: Path, edits: int) -> list[float]:
    database_url = f"sqlite:///{tmp / 'hub.db'}"
    engine = init_db(database_url)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        add_tenant(
            session,
            "latency",
            shop=f"{SHOP}.myshopify.com",
            token_env="BENCH_LATENCY_TOKEN",
            secret_env="BENCH_LATENCY_SECRET",
            api_url=sim_url,
        )
    list(run_for_tenant(sessions, "latency", [FLOW_SPECS["products"]], full=True))
    port = free_port()
    with sessions.begin() as session:
        tenant = get_tenant(session, "latency")
        tenant_id = tenant.id
        connect(session, tenant, build_client(tenant), f"http://{HOST}:{port}")
    synced = _active_products(sessions, tenant_id)
    env = {
        **os.environ,
        "WHOLESYNC_DATABASE_URL": database_url,
        "WHOLESYNC_QUEUE_URL": f"sqlite:///{tmp / 'queue.sqlite3'}",
        "WHOLESYNC_LOG_LEVEL": "WARNING",
    }
    latencies: list[float] = []
    with server([*WHOLESYNC, "serve", "--port", str(port)], env, port, tmp / "serve.log"):
        for number in range(edits):
            gid = synced[number % len(synced)]
            title = f"Edited {number}"
            started = time.perf_counter()
            response = httpx.post(
                f"{sim_url}/__sim/shops/{SHOP}/products/{gid.rsplit('/', 1)[1]}",
                json={"title": title},
                timeout=30,
            )
            response.raise_for_status()
            while _hub_title(sessions, tenant_id, gid) != title:
                if time.perf_counter() - started > TIMEOUT_SECONDS:
                    raise RuntimeError(f"edit {number} of {gid} did not reach the hub")
                time.sleep(POLL_SECONDS)
            latencies.append(time.perf_counter() - started)
            time.sleep(GAP_SECONDS)
    engine.dispose()
    return latencies


def _by_gid(tenant_id: int, gid: str | None = None) -> Select[str, str]:
    query = (
        select(ExternalRef.shopify_gid, Product.title)
        .join(Product, ExternalRef.hub_id == Product.id)
        .where(ExternalRef.tenant_id == tenant_id, ExternalRef.entity == "product")
    )
    return query if gid is None else query.where(ExternalRef.shopify_gid == gid)


def _active_products(sessions: sessionmaker[Session], tenant_id: int) -> list[str]:
    """The GIDs of the products the hub holds as active (the ones an edit keeps synced)."""
    with sessions() as session:
        query = _by_gid(tenant_id).where(Product.status == ProductStatus.ACTIVE)
        return [gid for gid, _ in session.execute(query)]


def _hub_title(sessions: sessionmaker[Session], tenant_id: int, gid: str) -> str | None:
    with sessions() as session:
        row = session.execute(_by_gid(tenant_id, gid)).first()
        return None if row is None else row[1]
