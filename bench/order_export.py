"""Export of 1,000 approved hub orders (one to three lines each, stock checked) to the simulator
on Shopify's standard plan (100 points/s restored into a 2,000-point bucket).

The bound is what the rate limit allows for the creates alone: every orderCreate's cost, as the
simulator charged it in this run, less the bucket available at the start, restored at 100
points a second. The ratio wall / bound (target: at most 1.2) says what the export spends
beyond its creates: its other calls (key searches, customer, variant and stock lookups) and
its own work.
"""

from __future__ import annotations

import os
import platform
import random
import re
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from wholesync.hub import orders as hub_orders
from wholesync.hub.db import init_db, session_factory
from wholesync.hub.models import Customer, Variant
from wholesync.simulator.server import start_in_thread
from wholesync.sync.flows import run_for_tenant
from wholesync.sync.registry import FLOW_SPECS, FLOWS
from wholesync.sync.tenants import add_tenant, build_client, get_tenant

ORDERS = 1_000
SHOP = "bench-orders"
TOKEN = "shpat_bench_orders"
TARGET = 1.2
ADDRESS = {"address1": "1 Main Street", "city": "Toronto", "country_code": "CA", "zip": "M5V"}
OPERATION = re.compile(r"^(?:query|mutation)\s+(\w+)", re.MULTILINE)


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


def run(orders: int = ORDERS) -> dict[str, Any]:
    sim = start_in_thread(seed=1)
    spec = {"shop": SHOP, "token": TOKEN, "seed": 1, "plan": "standard"}
    counts = {"products": 40, "customers": 30, "locations": 1}
    httpx.post(f"{sim.url}/__sim/shops", json={**spec, **counts}, timeout=120).raise_for_status()
    os.environ["BENCH_ORDERS_TOKEN"] = TOKEN
    os.environ["BENCH_ORDERS_SECRET"] = "not-used"
    try:
        with tempfile.TemporaryDirectory(prefix="wholesync-bench-") as folder:
            measured = _measure(sim.url, Path(folder), orders)
    finally:
        sim.stop()
    return _summary(measured, orders)


def _measure(sim_url: str, tmp: Path, count: int) -> dict[str, Any]:
    engine = init_db(f"sqlite:///{tmp / 'hub.db'}")
    sessions = session_factory(engine)
    with sessions.begin() as session:
        add_tenant(
            session,
            "orders",
            shop=f"{SHOP}.myshopify.com",
            token_env="BENCH_ORDERS_TOKEN",
            secret_env="BENCH_ORDERS_SECRET",
            api_url=sim_url,
        )
    specs = [FLOW_SPECS["products"], FLOW_SPECS["customers"]]
    assert all(r.status == "succeeded" for r in run_for_tenant(sessions, "orders", specs))
    keys = _stock_everything(sessions, sim_url)
    _place(sessions, keys, count, random.Random(1))
    tap = CostTap()
    with sessions() as session:
        client = build_client(get_tenant(session, "orders"), transport=tap)
    bucket = full_bucket(sim_url)
    started = time.perf_counter()
    (result,) = run_for_tenant(sessions, "orders", [FLOWS["orders_export"]], client=client)
    wall = time.perf_counter() - started
    client.close()
    engine.dispose()
    assert result.status == "succeeded" and result.counts["created"] == count, result
    return {
        "wall": wall,
        "bucket": bucket,
        "cost": dict(tap.cost),
        "calls": dict(tap.calls),
        "client_cost": client.cost_used,
        "retries": client.retries,
        "throttled": client.throttled_responses,
    }


def _stock_everything(sessions: sessionmaker[Session], sim_url: str) -> list[str]:
    """Plenty of stock for every synced variant, so the stock check passes; their keys."""
    with sessions() as session:
        keys = [key for key in session.scalars(select(Variant.upc)) if key]
    for key in keys:
        body = {"sku": key, "location": "Shop location", "available": 1_000_000}
        response = httpx.post(f"{sim_url}/__sim/shops/{SHOP}/inventory", json=body, timeout=30)
        response.raise_for_status()
    return keys


def _place(
    sessions: sessionmaker[Session], keys: list[str], count: int, rng: random.Random
) -> None:
    """``count`` approved hub orders of synced customers, one to three lines each."""
    exportable = hub_orders.exportable_statuses(["approved"])
    with sessions.begin() as session:
        customers = list(session.scalars(select(Customer).where(Customer.email.is_not(None))))
        variants = {v.upc: v for v in session.scalars(select(Variant))}
        tenant_id = customers[0].tenant_id
        for _ in range(count):
            order = hub_orders.create_order(session, tenant_id, shipping_address=dict(ADDRESS))
            hub_orders.link_customer(order, rng.choice(customers))
            chosen = rng.sample(keys, rng.randint(1, 3))
            lines = [
                hub_orders.LineInput(rng.randint(1, 6), None, key, variants[key]) for key in chosen
            ]
            hub_orders.set_lines(order, lines)
            for status in ("pending", "approved"):
                hub_orders.transition(order, status, exportable=exportable)


def full_bucket(sim_url: str, token: str = TOKEN) -> dict[str, float]:
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


def _summary(measured: dict[str, Any], orders: int) -> dict[str, Any]:
    bucket = measured["bucket"]
    restore = bucket["restoreRate"]
    create_cost = measured["cost"].get("OrderCreate", 0)
    creates = measured["calls"].get("OrderCreate", 0)
    bound = (create_cost - bucket["currentlyAvailable"]) / restore
    ratio = measured["wall"] / bound
    total = sum(measured["cost"].values())
    return {
        "benchmark": "order_export",
        "python": platform.python_version(),
        "orders": orders,
        "plan": {"bucket": bucket["maximumAvailable"], "restore_rate": restore},
        "wall_seconds": round(measured["wall"], 2),
        "bucket_available_at_start": bucket["currentlyAvailable"],
        "order_create_calls": creates,
        "order_create_cost_each": round(create_cost / max(creates, 1), 2),
        "order_create_cost": create_cost,
        "total_cost": total,
        "cost_by_operation": measured["cost"],
        "calls_by_operation": measured["calls"],
        "bound_seconds": round(bound, 2),
        "throttled_answers_absorbed": measured["throttled"],
        "retries": measured["retries"],
        "summary": {
            "wall_over_bound": round(ratio, 3),
            "target": TARGET,
            "met": ratio <= TARGET,
            "total_cost_over_order_create_cost": round(total / create_cost, 3),
        },
    }
