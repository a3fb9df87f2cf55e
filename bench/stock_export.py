"""Push of 50,000 hub stock levels to the simulator on Shopify's standard plan (100 points/s
restored into a 2,000-point bucket), through the real flow: reads of the current quantities,
then compare-and-set writes of 250 levels each.

The cost bound is the time the rate limit alone imposes on this push: every point the run
spent, as the simulator charged it, less the bucket available at the start, restored at 100
points a second. The reads count: a compare-and-set write needs the quantity it replaces. The
writes alone fit in the starting bucket (10 points each, whatever their size), so they are
also quoted against their cost with no head start (a bucket already in use by other work).
"""

from __future__ import annotations

import platform
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bench.outbound import simulated_hub, timed_run
from wholesync.hub.models import InventoryLevel
from wholesync.sync.flows import run_for_tenant
from wholesync.sync.registry import FLOW_SPECS
from wholesync.sync.tenants import set_setting

LEVELS = 50_000
SHOP = "bench-stock"
TARGET = 1.15
WRITE = "StockExportSet"


def run(levels: int = LEVELS) -> dict[str, Any]:
    # About 9.5 variants a product, stocked at both locations.
    counts = {"products": levels // 16, "customers": 1, "locations": 2}
    with simulated_hub(SHOP, "stock", counts) as hub:
        with hub.sessions.begin() as session:
            set_setting(session, "stock", "sync_tag", "null")
        specs = [FLOW_SPECS["products"], FLOW_SPECS["inventory"]]
        assert all(r.status == "succeeded" for r in run_for_tenant(hub.sessions, "stock", specs))
        _erp_changes(hub.sessions, levels)
        result, measured = timed_run(hub, "stock_export")
    assert result.status == "succeeded" and result.counts["updated"] == levels, result
    return _summary(measured, levels)


def _erp_changes(sessions: sessionmaker[Session], count: int) -> None:
    """The ERP changes ``count`` ATS levels; the others count as pushed already."""
    with sessions.begin() as session:
        ids = list(
            session.scalars(
                select(InventoryLevel.id)
                .where(InventoryLevel.bucket == "ats")
                .order_by(InventoryLevel.id)
            )
        )
        assert len(ids) >= count, f"only {len(ids)} levels; seed more products"
        changed = InventoryLevel.id <= ids[count - 1]
        session.execute(
            update(InventoryLevel)
            .where(InventoryLevel.bucket == "ats", changed)
            .values(quantity=InventoryLevel.quantity + 3)
        )
        session.execute(
            update(InventoryLevel)
            .where(InventoryLevel.bucket == "ats", ~changed)
            .values(pushed_quantity=InventoryLevel.quantity)
        )


def _summary(measured: dict[str, Any], levels: int) -> dict[str, Any]:
    bucket = measured["bucket"]
    restore = bucket["restoreRate"]
    start = bucket["currentlyAvailable"]
    write_cost = measured["cost"].get(WRITE, 0)
    writes = measured["calls"].get(WRITE, 0)
    total = sum(measured["cost"].values())
    wall = measured["wall"]
    bound = max((total - start) / restore, 0.0)
    no_head_start = write_cost / restore
    return {
        "benchmark": "stock_export",
        "python": platform.python_version(),
        "levels": levels,
        "plan": {"bucket": bucket["maximumAvailable"], "restore_rate": restore},
        "wall_seconds": round(wall, 2),
        "bucket_available_at_start": start,
        "write_calls": writes,
        "write_cost_each": round(write_cost / max(writes, 1), 2),
        "write_cost": write_cost,
        "total_cost": total,
        "cost_by_operation": measured["cost"],
        "calls_by_operation": measured["calls"],
        "bound_seconds": round(bound, 2),
        "write_cost_over_restore_seconds": round(no_head_start, 2),
        "throttled_answers_absorbed": measured["throttled"],
        "retries": measured["retries"],
        "summary": {
            "wall_over_bound": round(wall / bound, 3) if bound > 0 else None,
            "bound_seconds": round(bound, 2),
            "wall_over_write_cost_time": round(wall / no_head_start, 3),
            "target": TARGET,
            "met": bound > 0 and wall / bound <= TARGET,
            "levels_per_second": round(levels / wall),
        },
    }
