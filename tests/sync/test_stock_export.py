"""F7 end to end: hub stock pushed to the simulator over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import orjson
from sqlalchemy import select

from tests.sync.conftest import Harness
from wholesync.hub.models import InventoryLevel, SyncRecord, Variant, Warehouse
from wholesync.sync.flows import run_for_tenant, runnable
from wholesync.sync.registry import FLOWS
from wholesync.sync.runs import RunResult
from wholesync.sync.tenants import build_client, get_tenant

Stock = dict[tuple[str, str], int]  # (sku, location name) -> available


class BeforeWrite(httpx.BaseTransport):
    """Passes requests through; calls ``act`` just before each stock write goes out, which
    is how a merchant's change lands between the flow's read and its write."""

    def __init__(self, act: Callable[[int], None]) -> None:
        self.inner, self.act, self.writes = httpx.HTTPTransport(), act, 0
        self.keys: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = orjson.loads(request.content) if request.content else {}
        if "StockExportSet" in body.get("query", ""):
            self.writes += 1
            self.keys.append(body["variables"]["key"])
            self.act(self.writes)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def shopify_stock(harness: Harness) -> Stock:
    return {
        (row["sku"], row["location"]): row["quantities"]["available"]
        for row in harness.listing("inventory")
    }


def synced_hub(harness: Harness) -> None:
    """Catalog and stock brought in from Shopify, then the hub made the stock master."""
    assert harness.sync("products").status == "succeeded"
    assert harness.sync("inventory").status == "succeeded"
    harness.set("stock_master", "hub")


def set_hub(harness: Harness, changes: Stock) -> None:
    """The ERP's quantities, written to the hub's ATS levels."""
    with harness.sessions.begin() as session:
        for (sku, location), quantity in changes.items():
            level = session.scalars(
                select(InventoryLevel)
                .join(Variant, Variant.id == InventoryLevel.variant_id)
                .join(Warehouse, Warehouse.id == InventoryLevel.warehouse_id)
                .where(
                    Variant.upc == sku, Warehouse.name == location, InventoryLevel.bucket == "ats"
                )
            ).one()
            level.quantity = quantity


def export(harness: Harness, transport: httpx.BaseTransport | None = None, **kw: Any) -> RunResult:
    client = None
    if transport is not None:
        with harness.sessions() as session:
            client = build_client(get_tenant(session, harness.tenant), transport=transport)
    (result,) = run_for_tenant(
        harness.sessions, harness.tenant, [FLOWS["stock_export"]], client=client, **kw
    )
    return result


def rejections(harness: Harness, run_id: int) -> list[SyncRecord]:
    with harness.sessions() as session:
        return list(
            session.scalars(
                select(SyncRecord).where(SyncRecord.run_id == run_id, SyncRecord.action == "reject")
            )
        )


def pick(harness: Harness, count: int) -> Stock:
    """``count`` carried levels with new quantities (current + 7)."""
    with harness.sessions() as session:
        carried = set(session.scalars(select(Variant.upc)))
    stock = shopify_stock(harness)
    chosen = sorted(key for key in stock if key[0] in carried)[:count]
    return {key: stock[key] + 7 for key in chosen}


def test_first_push_marks_everything_and_a_rerun_pushes_nothing(harness: Harness) -> None:
    synced_hub(harness)
    changes = pick(harness, 5)
    set_hub(harness, changes)
    first = export(harness)
    assert first.status == "succeeded", first
    assert first.counts["updated"] == len(changes)
    stock = shopify_stock(harness)
    assert {key: stock[key] for key in changes} == changes
    tap = BeforeWrite(lambda _: None)
    again = export(harness, tap)
    assert again.counts["updated"] == 0 and tap.writes == 0, again
    with harness.sessions() as session:
        waiting = session.scalars(
            select(InventoryLevel).where(
                InventoryLevel.bucket == "ats",
                InventoryLevel.pushed_quantity.is_distinct_from(InventoryLevel.quantity),
            )
        ).all()
    assert waiting == []


def test_stale_write_is_read_again_and_the_erp_quantity_wins(harness: Harness) -> None:
    synced_hub(harness)
    export(harness)  # Shopify and the hub agree from here on
    changes = pick(harness, 3)
    (sku, location), wanted = next(iter(changes.items()))
    set_hub(harness, changes)

    def merchant(write: int) -> None:
        if write == 1:  # between the flow's read and its first write
            harness.control("POST", "/inventory", {"sku": sku, "location": location, "delta": 5})

    tap = BeforeWrite(merchant)
    result = export(harness, tap)
    assert result.status == "succeeded", result
    assert tap.writes == 2 and tap.keys[0] != tap.keys[1]
    assert {key: shopify_stock(harness)[key] for key in changes} == changes
    with harness.sessions() as session:
        records = session.scalars(
            select(SyncRecord).where(
                SyncRecord.run_id == result.run_id,
                SyncRecord.key
                == f"{sku}@"
                + session.scalars(select(Warehouse.code).where(Warehouse.name == location)).one(),
            )
        ).all()
    # The second write was compared with the merchant's quantity, read again.
    assert [r.diff for r in records] == [{"available": [wanted - 7 + 5, wanted]}]


def test_stock_that_keeps_changing_is_rejected_never_overwritten(harness: Harness) -> None:
    synced_hub(harness)
    export(harness)
    changes = pick(harness, 2)
    (sku, location), _ = next(iter(changes.items()))
    set_hub(harness, changes)

    def merchant(_: int) -> None:
        harness.control("POST", "/inventory", {"sku": sku, "location": location, "delta": 1})

    before = shopify_stock(harness)[(sku, location)]
    tap = BeforeWrite(merchant)
    result = export(harness, tap)
    assert result.status == "partial" and result.counts["rejected"] == 1, result
    (rejected,) = rejections(harness, result.run_id)
    assert rejected.code == "STOCK_CHANGED_IN_SHOPIFY" and "Nothing was overwritten" in (
        rejected.message or ""
    )
    stock = shopify_stock(harness)
    assert stock[(sku, location)] == before + tap.writes  # only the merchant's changes
    others = {key: q for key, q in changes.items() if key != (sku, location)}
    assert {key: stock[key] for key in others} == others


def test_unmapped_warehouse_is_rejected_never_guessed(harness: Harness) -> None:
    synced_hub(harness)
    changes = pick(harness, 40)
    set_hub(harness, changes)
    with harness.sessions.begin() as session:
        renamed = session.scalars(select(Warehouse).order_by(Warehouse.id)).first()
        assert renamed is not None
        gone, renamed.name, renamed.shopify_location_gid = renamed.name, "Old depot", None
        code = renamed.code
    before = shopify_stock(harness)
    result = export(harness)
    assert result.status == "partial", result
    rejected = rejections(harness, result.run_id)
    assert rejected and {r.code for r in rejected} == {"WAREHOUSE_UNMAPPED"}
    assert all(f"Hub warehouse '{code}'" in (r.message or "") for r in rejected)
    stock = shopify_stock(harness)
    for key, quantity in changes.items():
        assert stock[key] == (before[key] if key[1] == gone else quantity)


def test_preview_shows_from_to_and_sends_nothing(harness: Harness) -> None:
    synced_hub(harness)
    export(harness)
    changes = pick(harness, 2)
    set_hub(harness, changes)
    before = shopify_stock(harness)
    tap = BeforeWrite(lambda _: None)
    preview = export(harness, tap, preview=True)
    assert tap.writes == 0 and shopify_stock(harness) == before
    diffs = sorted(r["diff"]["available"] for r in preview.records if r["action"] == "update")
    assert diffs == sorted([before[key], quantity] for key, quantity in changes.items())
    assert export(harness).counts["updated"] == len(changes), "the preview marked nothing"


def test_the_stock_master_decides_which_stock_flow_runs(harness: Harness) -> None:
    both = [FLOWS["inventory"], FLOWS["stock_export"]]
    for master, flow, why in (
        ("shopify", "inventory", "stock_master = shopify"),
        ("hub", "stock_export", "stock_master = hub"),
        ("shopify", "inventory", "stock_master = shopify"),
    ):
        harness.set("stock_master", master)
        active, skipped = runnable(harness.sessions, harness.tenant, both)
        assert [spec.name for spec in active] == [flow]
        assert len(skipped) == 1 and why in skipped[0][1]
