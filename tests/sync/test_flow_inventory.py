"""F3 end to end: stock per Shopify location into hub warehouses, against the simulator over
HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from tests.sync.conftest import Harness, number, tagged
from wholesync.hub.models import InventoryLevel, Product, SyncRecord, Variant, Warehouse

Levels = dict[tuple[str, str, str], int]  # (upc, warehouse name, bucket) -> quantity


def hub_levels(harness: Harness) -> Levels:
    with harness.sessions() as session:
        rows = session.execute(
            select(Variant.upc, Warehouse.name, InventoryLevel.bucket, InventoryLevel.quantity)
            .join(Variant, Variant.id == InventoryLevel.variant_id)
            .join(Warehouse, Warehouse.id == InventoryLevel.warehouse_id)
        ).all()
    return {(upc, name, bucket): quantity for upc, name, bucket, quantity in rows}


def expected_levels(harness: Harness, locations: set[str] | None = None) -> Levels:
    """What the hub should hold: Shopify's stock of the variants the hub carries."""
    with harness.sessions() as session:
        carried = dict(
            session.execute(
                select(Variant.upc, Product.prebook)
                .join(Product, Product.id == Variant.product_id)
                .where(Variant.archived_at.is_(None))
            ).all()
        )
    expected: Levels = {}
    for row in harness.listing("inventory"):
        if row["sku"] not in carried or (locations and row["location"] not in locations):
            continue
        bucket = "prebook" if carried[row["sku"]] else "ats"
        expected[(row["sku"], row["location"], bucket)] = row["quantities"]["available"]
        expected[(row["sku"], row["location"], "incoming")] = row["quantities"]["incoming"]
    return expected


def test_first_sync_creates_warehouses_and_matches_shopify(harness: Harness) -> None:
    harness.sync("products")
    result = harness.sync("inventory")
    assert result.status == "succeeded", result
    with harness.sessions() as session:
        names = sorted(session.scalars(select(Warehouse.name)))
    assert names == sorted({row["location"] for row in harness.listing("inventory")})
    assert hub_levels(harness) == expected_levels(harness)
    assert result.counts["created"] == len(names) + len(expected_levels(harness)) // 2
    again = harness.sync("inventory", full=True)
    assert again.counts["created"] == again.counts["updated"] == 0, again


def test_merchant_stock_change_is_picked_up(harness: Harness) -> None:
    harness.sync("products")
    harness.sync("inventory")
    before = harness.snapshot()
    level = next(
        row
        for row in harness.listing("inventory")
        if (row["sku"], row["location"], "ats") in hub_levels(harness)
    )
    harness.control(
        "POST",
        "/inventory",
        {"sku": level["sku"], "location": level["location"], "available": 4321},
    )
    result = harness.sync("inventory")
    assert result.counts["updated"] == 1, result
    assert hub_levels(harness)[(level["sku"], level["location"], "ats")] == 4321
    assert hub_levels(harness) == expected_levels(harness)
    assert harness.snapshot() != before


def test_unmapped_location_is_rejected_never_guessed(harness: Harness) -> None:
    harness.sync("products")
    locations = sorted({row["location"] for row in harness.listing("inventory")})
    mapped, unmapped = locations[0], locations[1]
    harness.set("warehouse_map", f'{{"{mapped}": "MAIN"}}')
    result = harness.sync("inventory")
    assert result.status == "partial"
    with harness.sessions() as session:
        codes = sorted(session.scalars(select(Warehouse.code)))
        rejections = session.scalars(
            select(SyncRecord).where(
                SyncRecord.run_id == result.run_id, SyncRecord.action == "reject"
            )
        ).all()
    assert codes == ["MAIN"]
    assert rejections and {r.code for r in rejections} == {"WAREHOUSE_UNMAPPED"}
    assert all(unmapped in (r.message or "") for r in rejections)
    stocked = {row["sku"] for row in harness.listing("inventory") if row["location"] == unmapped}
    assert {r.key.split(" @ ")[0] for r in rejections if r.key} <= stocked
    assert hub_levels(harness) == expected_levels(harness, {mapped})


def test_prebook_products_stock_goes_to_the_prebook_bucket(harness: Harness) -> None:
    harness.sync("products")
    harness.sync("inventory")
    product = next(p for p in harness.listing("products") if tagged(p) and p["variants"])
    tags = [t for t in product["tags"] if not t.startswith(("Prebook", "Available"))]
    harness.control(
        "POST", f"/products/{number(product['id'])}", {"tags": [*tags, "Prebook: True"]}
    )
    harness.sync("products")
    result = harness.sync("inventory")
    assert result.counts["updated"] > 0, result
    levels = hub_levels(harness)
    skus = {variant["sku"] for variant in product["variants"]}
    assert any(key[0] in skus and key[2] == "prebook" for key in levels)
    # The ATS rows from before the product became prebook stay, at zero.
    moved = {key: 0 for key in levels if key[0] in skus and key[2] == "ats"}
    assert moved
    assert levels == {**expected_levels(harness), **moved}


def test_preview_writes_nothing(harness: Harness) -> None:
    harness.sync("products")
    loaded = harness.snapshot()
    preview = harness.sync("inventory", preview=True)
    assert harness.snapshot() == loaded, "not even the warehouses"
    warehouses = [r for r in preview.records if r["entity"] == "warehouse"]
    assert len(warehouses) == 2 and all(r["action"] == "create" for r in warehouses)
    assert preview.counts["created"] > 2
