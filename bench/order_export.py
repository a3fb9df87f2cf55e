"""Export of 1,000 approved hub orders (one to three lines each, stock checked) to the simulator
on Shopify's standard plan (100 points/s restored into a 2,000-point bucket).

The bound is what the rate limit allows for the creates alone: every orderCreate's cost, as the
simulator charged it in this run, less the bucket available at the start, restored at 100
points a second. The ratio wall / bound (target: at most 1.2) says what the export spends
beyond its creates: its other calls (key searches, customer, variant and stock lookups) and
its own work.
"""

from __future__ import annotations

import platform
import random
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bench.outbound import simulated_hub, timed_run
from wholesync.hub import orders as hub_orders
from wholesync.hub.models import Customer, Variant
from wholesync.sync.flows import run_for_tenant
from wholesync.sync.registry import FLOW_SPECS

ORDERS = 1_000
SHOP = "bench-orders"
TARGET = 1.2
ADDRESS = {"address1": "1 Main Street", "city": "Toronto", "country_code": "CA", "zip": "M5V"}


def run(orders: int = ORDERS) -> dict[str, Any]:
    counts = {"products": 40, "customers": 30, "locations": 1}
    with simulated_hub(SHOP, "orders", counts) as hub:
        specs = [FLOW_SPECS["products"], FLOW_SPECS["customers"]]
        assert all(r.status == "succeeded" for r in run_for_tenant(hub.sessions, "orders", specs))
        keys = _stock_everything(hub.sessions, hub.sim_url)
        _place(hub.sessions, keys, orders, random.Random(1))
        result, measured = timed_run(hub, "orders_export")
    assert result.status == "succeeded" and result.counts["created"] == orders, result
    return _summary(measured, orders)


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
