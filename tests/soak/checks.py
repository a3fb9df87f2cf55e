"""After the soak's faults stop: let the deliveries in flight land, the queue drain and one
requested reconcile of every flow catch up what dropped webhooks missed; then compare each hub
with its shop (directly, and with a fresh full sync of the shop), every approved wholesale
order with the shop's orders, and the jobs with their run records. Each check lists the
differences it found: an empty list is a pass."""

from __future__ import annotations

import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from tests.service_processes import wait_for
from tests.soak.deployment import Brand, Soak
from tests.web.harness import hub_view, reference_view
from wholesync.hub.models import (
    ExternalRef,
    InventoryLevel,
    Order,
    OrderOrigin,
    Product,
    SyncRun,
    Variant,
    Warehouse,
)
from wholesync.runtime import inbox
from wholesync.runtime.models import JobStatus
from wholesync.sync.map_orders import export_key
from wholesync.sync.runs import RUNNING

IN_FLIGHT = ("pending", "sending", "held", "retrying")
IN_INBOX = ("received", "processing")
# Shopify's available stock is a variant's ats, or its prebook for an item sold ahead.
AVAILABLE = ("ats", "prebook")
SUPERSEDED = "(a newer request of this flow runs instead)"
WEBHOOKS = "webhooks"


def converge(soak: Soak, timeout: float = 180) -> float:
    """Deliveries landed, inbox and queue drained, then one reconcile of every flow run to the
    end; the seconds it took. The chores a scheduler runs each minute run here every second,
    so killed workers' jobs and runs are taken over without waiting for the minute."""
    started = time.monotonic()

    def settled() -> bool:
        return not any(
            delivery["status"] in IN_FLIGHT
            for brand in soak.brands
            for delivery in soak.control(brand, "GET", "/webhook_deliveries")
        )

    wait_for(settled, "the webhooks in flight to land", timeout=timeout)
    _drain(soak, "the queue to drain", timeout)
    soak.request_all()
    _drain(soak, "the reconcile runs", timeout)
    return time.monotonic() - started


def _drain(soak: Soak, what: str, timeout: float) -> None:
    """Wait, running the chores, until no job waits or runs and the inbox is processed."""
    deadline = time.monotonic() + timeout
    while True:
        soak.runtime.maintain()
        with soak.runtime.sessions() as session:
            left = {k: v for k, v in inbox.counts(session).items() if k in IN_INBOX and v}
        busy = [(j.id, j.flow, j.status, j.attempts, j.error) for j in soak.unfinished()]
        if not left and not busy:
            return
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {left} {busy}"
        time.sleep(1)


def compare(soak: Soak, approved: list[int], scratch: Path) -> dict[str, Any]:
    """Every check's differences (at most a few shown, with their count), by name."""
    found: dict[str, list[str]] = {}
    for brand in soak.brands:
        found[f"{brand.name}: hub = fresh sync of the shop"] = _against_reference(
            soak, brand, scratch
        )
        found[f"{brand.name}: products and prices = shop"] = _catalog(soak, brand)
        found[f"{brand.name}: stock per location = shop"] = _stock(soak, brand)
        found[f"{brand.name}: online orders imported"] = _online_orders(soak, brand)
        found[f"{brand.name}: approved orders in Shopify once"] = _wholesale(soak, brand)
    found["buyers' approved orders all in the hub"] = _approved_known(soak, approved)
    found["run records: none lost, none running"] = _run_records(soak)
    return {name: {"differences": len(diff), "first": diff[:5]} for name, diff in found.items()}


def _against_reference(soak: Soak, brand: Brand, scratch: Path) -> list[str]:
    hub = hub_view(soak.runtime.sessions, brand.tenant_id)
    fresh = reference_view(soak.runtime.sessions, brand.tenant_id, scratch)
    diff = []
    for section in sorted(set(hub) | set(fresh)):
        mine, theirs = hub.get(section, {}), fresh.get(section, {})
        for key in sorted(set(mine) | set(theirs), key=str):
            if mine.get(key) != theirs.get(key):
                diff.append(f"{section} {key}: hub {mine.get(key)} != shop {theirs.get(key)}")
    return diff


def _catalog(soak: Soak, brand: Brand) -> list[str]:
    """Titles and archived state by product GID, prices by SKU, against the shop's listing."""
    shop = [p for p in soak.control(brand, "GET", "/products") if _synced(p)]
    with soak.runtime.sessions() as session:
        products = {
            gid: (title, status)
            for gid, title, status in session.execute(
                select(ExternalRef.shopify_gid, Product.title, Product.status)
                .join(Product, Product.id == ExternalRef.hub_id)
                .where(ExternalRef.tenant_id == brand.tenant_id, ExternalRef.entity == "product")
            )
        }
        prices = {
            upc: price
            for upc, price in session.execute(
                select(Variant.upc, Variant.retail_price).where(
                    Variant.tenant_id == brand.tenant_id
                )
            )
        }
    diff = []
    for product in shop:
        status = "archived" if product["status"] == "ARCHIVED" else "active"
        if products.get(product["id"]) != (product["title"], status):
            diff.append(f"{product['id']}: hub {products.get(product['id'])}")
        for variant in product["variants"]:
            hub_price = prices.get(variant["sku"])
            if hub_price != Decimal(variant["price"]):
                diff.append(f"{variant['sku']}: hub price {hub_price}, shop {variant['price']}")
    if len(products) != len(shop):
        diff.append(f"{len(products)} products in the hub, {len(shop)} in the shop")
    return diff


def _synced(product: dict[str, Any]) -> bool:
    """Tagged for the sync and not marked inactive (wholesync.active false stays out)."""
    inactive = {"namespace": "wholesync", "key": "active", "value": "false"}
    marks = [{k: m[k] for k in inactive} for m in product["metafields"]]
    return "wholesync" in product["tags"] and inactive not in marks


def _stock(soak: Soak, brand: Brand) -> list[str]:
    """Available stock of every synced SKU at every location, against the shop's levels."""
    with soak.runtime.sessions() as session:
        hub: Counter[tuple[str, str | None]] = Counter()
        for upc, location, quantity in session.execute(
            select(Variant.upc, Warehouse.shopify_location_gid, InventoryLevel.quantity)
            .join(Variant, Variant.id == InventoryLevel.variant_id)
            .join(Warehouse, Warehouse.id == InventoryLevel.warehouse_id)
            .where(
                InventoryLevel.tenant_id == brand.tenant_id,
                InventoryLevel.bucket.in_(AVAILABLE),
            )
        ):
            hub[(upc, location)] += quantity
        synced = set(
            session.scalars(select(Variant.upc).where(Variant.tenant_id == brand.tenant_id))
        )
    diff = []
    for level in soak.control(brand, "GET", "/inventory"):
        if level["sku"] not in synced:
            continue
        key = (level["sku"], level["locationId"])
        if hub[key] != level["quantities"]["available"]:
            diff.append(f"{key}: hub {hub[key]}, shop {level['quantities']['available']}")
    return diff


def _online_orders(soak: Soak, brand: Brand) -> list[str]:
    shop = {o["id"] for o in soak.control(brand, "GET", "/orders") if export_key(o) is None}
    with soak.runtime.sessions() as session:
        hub = list(
            session.scalars(
                select(Order.shopify_order_gid).where(
                    Order.tenant_id == brand.tenant_id, Order.origin == OrderOrigin.SHOPIFY
                )
            )
        )
    diff = [f"{gid} not imported" for gid in sorted(shop - set(hub))]
    diff += [f"{gid} imported twice" for gid, count in Counter(hub).items() if count > 1]
    return diff + [f"{gid} imported, not in the shop" for gid in set(hub) - shop]


def _wholesale(soak: Soak, brand: Brand) -> list[str]:
    """Every hub order ever approved is processed, and exactly one Shopify order carries its
    export key, as sourceIdentifier and as a tag, under the id the hub holds."""
    by_key: dict[str, list[dict[str, Any]]] = {}
    for order in soak.control(brand, "GET", "/orders"):
        if (key := export_key(order)) is not None:
            by_key.setdefault(key, []).append(order)
    with soak.runtime.sessions() as session:
        hub = session.execute(
            select(Order.number, Order.status, Order.export_key, Order.shopify_order_gid).where(
                Order.tenant_id == brand.tenant_id,
                Order.origin == OrderOrigin.HUB,
                Order.approved_at.is_not(None),
            )
        ).all()
    diff = []
    for number, status, key, gid in hub:
        found = by_key.pop(key, []) if key else []
        if status != "processed" or len(found) != 1 or found[0]["id"] != gid:
            diff.append(f"{number} {status} {gid}: {len(found)} Shopify order(s)")
        elif key not in found[0]["tags"]:
            diff.append(f"{number}: the Shopify order lacks the tag {key}")
    return diff + [f"{key}: in Shopify, no hub order" for key in by_key]


def _approved_known(soak: Soak, approved: list[int]) -> list[str]:
    with soak.runtime.sessions() as session:
        known = set(
            session.scalars(
                select(Order.id).where(Order.id.in_(approved), Order.approved_at.is_not(None))
            )
        )
    return [f"order {order_id} lost its approval" for order_id in approved if order_id not in known]


def _run_records(soak: Soak) -> list[str]:
    """No run left running; every job that finished a run points at its record; no job
    failed but those whose worker was killed (each requested again) and those a newer
    request of their flow replaced, which then succeeded."""
    with soak.runtime.sessions() as session:
        runs = {run.id: run.status for run in session.scalars(select(SyncRun))}
    diff = [f"run {run_id} still running" for run_id, status in runs.items() if status == RUNNING]
    jobs = soak.jobs()
    last_success = {
        (job.tenant_id, job.flow): job.id for job in jobs if job.status == JobStatus.SUCCEEDED
    }
    for job in jobs:
        error = job.error or ""
        replaced = (
            error.endswith(SUPERSEDED) and last_success.get((job.tenant_id, job.flow), 0) > job.id
        )
        if job.status == JobStatus.FAILED and not (error.startswith("WORKER_LOST") or replaced):
            diff.append(f"job {job.id} ({job.flow}) failed: {job.error}")
        elif job.status == JobStatus.SUCCEEDED and job.flow != WEBHOOKS and job.run_id not in runs:
            diff.append(f"job {job.id} ({job.flow}) succeeded without its run record")
    return diff


def order_counts(soak: Soak) -> dict[str, dict[str, int]]:
    """Per brand: the shop's online orders and the wholesale orders exported to it (orders
    carrying an export key), and the hub's imported and exported orders."""
    counts = {}
    for brand in soak.brands:
        shop = Counter(
            "exported" if export_key(o) else "online" for o in soak.control(brand, "GET", "/orders")
        )
        with soak.runtime.sessions() as session:
            hub = dict(
                session.execute(
                    select(Order.origin, func.count())
                    .where(Order.tenant_id == brand.tenant_id, Order.shopify_order_gid.is_not(None))
                    .group_by(Order.origin)
                ).all()
            )
        counts[brand.name] = {
            "shop_online_orders": shop["online"],
            "hub_online_orders_imported": hub.get(OrderOrigin.SHOPIFY, 0),
            "shop_wholesale_orders": shop["exported"],
            "hub_orders_exported": hub.get(OrderOrigin.HUB, 0),
        }
    return counts


def run_counts(soak: Soak) -> dict[str, Any]:
    """Runs by flow and status, the runs closed as WORKER_LOST, and the jobs by status."""
    with soak.runtime.sessions() as session:
        runs = session.execute(
            select(SyncRun.flow, SyncRun.status, func.count()).group_by(
                SyncRun.flow, SyncRun.status
            )
        ).all()
        lost = session.scalar(
            select(func.count()).select_from(SyncRun).where(SyncRun.error.like("WORKER_LOST%"))
        )
    by_flow: dict[str, dict[str, int]] = {}
    for flow, status, count in runs:
        by_flow.setdefault(flow, {})[status] = count
    jobs = soak.jobs()
    return {
        "runs_by_flow": by_flow,
        "worker_lost_runs": lost,
        "jobs_by_status": dict(Counter(job.status for job in jobs)),
        "worker_lost_jobs": sum((job.error or "").startswith("WORKER_LOST") for job in jobs),
        "superseded_jobs": sum((job.error or "").endswith(SUPERSEDED) for job in jobs),
    }
