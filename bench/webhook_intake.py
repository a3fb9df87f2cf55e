"""Webhook intake: ``wholesync serve --workers 0`` on SQLite under a loopback load generator.

The bodies are the simulator's real webhook bodies (products, customers, inventory levels) of a
seeded apparel shop, signed with the tenant's secret; every request carries a webhook id of its
own, so each 200 is a new delivery stored in the inbox. The run checks that the inbox holds
exactly as many rows as there were 200 answers and that a drain job is waiting: only verified,
stored and enqueued deliveries count.

Figures: the maximum sustained throughput with 100 connections (target at least 1,500/s), the
latency p50/p99 at an offered 1,000/s measured from when each request was due (target p99 at
most 50 ms), and the throughput as a ratio to a bare endpoint (HMAC check and one row insert,
bench/bare_intake.py) under the same uvicorn and the same load in the same run.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import platform
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import func, select

from bench import bare_intake
from bench.loadgen import Outcome, closed_loop, open_loop, request_bytes
from bench.serving import HOST, WHOLESYNC, server
from wholesync.hub.db import init_db, session_factory
from wholesync.runtime.models import InboxEntry, Job
from wholesync.shopify.webhooks import sign
from wholesync.simulator.api.engine import schema
from wholesync.simulator.catalog.inventory_model import level_record
from wholesync.simulator.registry import PAYLOADS
from wholesync.simulator.seed import SeedSpec, seed_shop
from wholesync.simulator.server import free_port
from wholesync.simulator.store import Store
from wholesync.sync.tenants import add_tenant

SHOP = "bench-intake"
SECRET = "bench-intake-webhook-secret"
CONNECTIONS = 100
SECONDS = 10.0
RATE = 1_000.0


def bodies(products: int = 100, customers: int = 50) -> list[tuple[str, bytes]]:
    """(topic, body) of a seeded shop: a product, customer and stock update mix."""
    schema()  # loads the simulator's domain modules, which register the payload builders
    shop = Store().create_shop(SHOP)
    seed_shop(shop, SeedSpec(seed=1, products=products, customers=customers, locations=3))
    found: list[tuple[str, bytes]] = []
    for product in shop.products.values():
        found.append(("products/update", orjson.dumps(PAYLOADS["products/update"](shop, product))))
    for customer in shop.customers.values():
        found.append(
            ("customers/update", orjson.dumps(PAYLOADS["customers/update"](shop, customer)))
        )
    for item, location in itertools.islice(shop.inventory_levels, products * 2):
        level = level_record(shop, item, location)
        if level is not None:
            payload = PAYLOADS["inventory_levels/update"](shop, level)
            found.append(("inventory_levels/update", orjson.dumps(payload)))
    return found


def requests(port: int, prefix: str, deliveries: list[tuple[str, bytes]]) -> Iterator[bytes]:
    """Signed keep-alive POSTs without end, each with a webhook id of its own."""
    host = f"{HOST}:{port}"
    signed = []
    for topic, body in deliveries:
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Shop-Domain": f"{SHOP}.myshopify.com",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": sign(body, SECRET),
            "X-Shopify-API-Version": "2026-07",
            "X-Shopify-Webhook-Id": "{id}",
        }
        head, _, tail = request_bytes("/webhooks/shopify", host, headers, body).partition(b"{id}")
        signed.append((head, tail))
    for number, (head, tail) in zip(itertools.count(), itertools.cycle(signed), strict=False):
        yield head + f"{prefix}-{number}".encode() + tail


def closed(port: int, load: Iterator[bytes]) -> tuple[Outcome, Outcome]:
    """A short warm-up (imports, caches and first connections are not the steady state), then
    the measured run."""
    warm = asyncio.run(closed_loop(HOST, port, load, connections=CONNECTIONS, seconds=1.0))
    return warm, asyncio.run(
        closed_loop(HOST, port, load, connections=CONNECTIONS, seconds=SECONDS)
    )


def run() -> dict[str, Any]:
    deliveries = bodies()
    with tempfile.TemporaryDirectory(prefix="wholesync-bench-") as folder:
        tmp = Path(folder)
        database_url = f"sqlite:///{tmp / 'hub.db'}"
        engine = init_db(database_url)
        sessions = session_factory(engine)
        with sessions.begin() as session:
            tenant_id = add_tenant(
                session,
                "intake",
                shop=f"{SHOP}.myshopify.com",
                token_env="BENCH_INTAKE_TOKEN",
                secret_env="BENCH_INTAKE_SECRET",
            ).id
        env = {
            **os.environ,
            "WHOLESYNC_DATABASE_URL": database_url,
            "WHOLESYNC_QUEUE_URL": f"sqlite:///{tmp / 'queue.sqlite3'}",
            "WHOLESYNC_LOG_LEVEL": "WARNING",
            "BENCH_INTAKE_SECRET": SECRET,
            "BARE_DB": str(tmp / "bare.db"),
            "BARE_SECRET": SECRET,
        }
        log = tmp / "server.log"

        port = free_port()
        serve = [*WHOLESYNC, "serve", "--port", str(port)]
        with server([*serve, "--workers", "0", "--no-scheduler"], env, port, log):
            load = requests(port, "intake", deliveries)
            warm, throughput = closed(port, load)
            latency = asyncio.run(
                open_loop(HOST, port, load, rate=RATE, seconds=SECONDS, connections=CONNECTIONS)
            )
        with sessions() as session:
            stored = session.scalar(select(func.count()).select_from(InboxEntry)) or 0
            drains = session.scalars(select(Job.status).where(Job.tenant_id == tenant_id)).all()
        engine.dispose()

        port = free_port()
        uvicorn = [sys.executable, "-m", "uvicorn", "bench.bare_intake:app", "--no-access-log"]
        with server([*uvicorn, "--port", str(port), "--log-level", "warning"], env, port, log):
            bare_warm, bare = closed(port, requests(port, "bare", deliveries))
        bare_stored = bare_intake.count(env["BARE_DB"])

    answered = warm.ok + throughput.ok + latency.ok
    assert stored == answered, f"{answered} deliveries answered 200 but {stored} were stored"
    assert drains, "no drain job was enqueued for the stored deliveries"
    assert bare_stored == bare_warm.ok + bare.ok
    rate = throughput.ok / throughput.seconds
    bare_rate = bare.ok / bare.seconds
    p50, p99 = latency.percentile(0.50) * 1000, latency.percentile(0.99) * 1000
    return {
        "benchmark": "webhook_intake",
        "python": platform.python_version(),
        "connections": CONNECTIONS,
        "seconds": SECONDS,
        "body_bytes_mean": round(sum(len(b) for _, b in deliveries) / len(deliveries)),
        "closed_loop": _figures(throughput),
        "open_loop": {**_figures(latency), "offered_per_second": RATE},
        "bare_endpoint": _figures(bare),
        "inbox_rows": stored,
        "drain_jobs": list(drains),
        "summary": {
            "deliveries_per_second": round(rate),
            "target_per_second": 1_500,
            "p50_ms_at_1000": round(p50, 2),
            "p99_ms_at_1000": round(p99, 2),
            "target_p99_ms": 50,
            "bare_per_second": round(bare_rate),
            "ratio_to_bare": round(rate / bare_rate, 3),
        },
    }


def _figures(outcome: Outcome) -> dict[str, Any]:
    return {
        "sent": outcome.sent,
        "ok": outcome.ok,
        "statuses": {str(k): v for k, v in sorted(outcome.statuses.items())},
        "seconds": round(outcome.seconds, 3),
        "per_second": round(outcome.ok / outcome.seconds),
        "p50_ms": round(outcome.percentile(0.50) * 1000, 2),
        "p99_ms": round(outcome.percentile(0.99) * 1000, 2),
    }
