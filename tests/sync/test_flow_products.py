"""F1 end to end: the products flow against the simulator over HTTP, on SQLite and PostgreSQL.

After every sync the hub must hold exactly what the simulator holds for the synced products.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from tests.sync.conftest import Harness, metafield, number, tagged, tenant_id
from wholesync.hub.models import Product, ProductImage, SyncRecord, Variant
from wholesync.sync.flows import run_flow
from wholesync.sync.products import PRODUCTS
from wholesync.sync.tenants import build_client, get_tenant

MEDIA = """query ($id: ID!) { product(id: $id) { media(first: 50) { nodes { id } } } }"""


def synced(product: dict[str, Any]) -> bool:
    return tagged(product) and metafield(product, "wholesync", "active") != "false"


def hub_product(harness: Harness, gid: str) -> tuple[Product, list[Variant], list[ProductImage]]:
    product_id = harness.hub_id("product", gid)
    assert product_id is not None, f"{gid} is not in the hub"
    with harness.sessions() as session:
        product = session.get_one(Product, product_id)
        variants = list(
            session.scalars(
                select(Variant).where(Variant.product_id == product_id).order_by(Variant.position)
            )
        )
        images = list(
            session.scalars(
                select(ProductImage)
                .where(ProductImage.product_id == product_id)
                .order_by(ProductImage.position)
            )
        )
    return product, variants, images


def assert_hub_matches(harness: Harness) -> None:
    """Every synced product is in the hub as Shopify has it; every other one is absent or
    archived."""
    for product in harness.listing("products"):
        if not synced(product):
            hub_id = harness.hub_id("product", product["id"])
            if hub_id is not None:
                with harness.sessions() as session:
                    assert session.get_one(Product, hub_id).status == "archived"
            continue
        row, variants, _ = hub_product(harness, product["id"])
        expected_status = "archived" if product["status"] == "ARCHIVED" else "active"
        assert (row.title, row.handle, row.vendor, row.product_type, row.status) == (
            product["title"],
            product["handle"],
            product["vendor"],
            product["productType"],
            expected_status,
        )
        assert row.tags == product["tags"]
        assert row.prebook == ("Prebook: True" in product["tags"])
        live = {v.upc: v for v in variants if v.archived_at is None}
        assert set(live) == {v["sku"] for v in product["variants"]}
        for variant in product["variants"]:
            hub = live[variant["sku"]]
            assert hub.retail_price == Decimal(variant["price"])
            assert hub.barcode == variant["barcode"]
            assert hub.title == variant["title"]


def test_first_full_sync_loads_every_synced_product(harness: Harness) -> None:
    result = harness.sync("products")
    products = harness.listing("products")
    expected = [p for p in products if synced(p)]
    assert result.status == "succeeded", result
    assert result.counts == {
        "created": len(expected),
        "updated": 0,
        "unchanged": 0,
        "archived": 0,
        "rejected": 0,
    }
    assert result.api_cost > 0
    assert_hub_matches(harness)
    assert len(expected) < len(products), "the seed leaves some products untagged"


def test_a_second_sync_writes_nothing(harness: Harness) -> None:
    first = harness.sync("products")
    before = harness.snapshot()
    again = harness.sync("products", full=True)
    assert again.counts == {**first.counts, "created": 0, "unchanged": first.counts["created"]}
    assert harness.snapshot() == before


def test_incremental_sync_picks_up_merchant_edits(harness: Harness) -> None:
    harness.sync("products")
    product = next(p for p in harness.listing("products") if synced(p))
    variant = product["variants"][0]
    harness.control(
        "POST",
        f"/products/{number(product['id'])}",
        {
            "title": "Renamed by the merchant",
            "variants": [{"id": variant["id"], "price": "99.50"}],
        },
    )
    result = harness.sync("products")
    assert result.counts["updated"] == 1, result
    assert result.counts["created"] == 0
    assert_hub_matches(harness)
    with harness.sessions() as session:
        record = session.scalars(
            select(SyncRecord).where(
                SyncRecord.run_id == result.run_id, SyncRecord.action == "update"
            )
        ).one()
    assert record.shopify_gid == product["id"]
    assert record.diff is not None
    assert record.diff["title"] == [product["title"], "Renamed by the merchant"]
    assert record.diff[f"variants.{variant['sku']}.retail_price"][1] == "99.5"


def test_untagging_archives_and_retagging_restores(harness: Harness) -> None:
    harness.sync("products")
    product = next(p for p in harness.listing("products") if synced(p))
    others = [t for t in product["tags"] if t.lower() != "wholesync"]
    harness.control("POST", f"/products/{number(product['id'])}", {"tags": others})
    result = harness.sync("products")
    assert result.counts["archived"] == 1, result
    row, variants, _ = hub_product(harness, product["id"])
    assert row.status == "archived" and row.archived_at is not None
    assert variants, "archiving keeps the variants"
    harness.control("POST", f"/products/{number(product['id'])}", {"tags": [*others, "wholesync"]})
    back = harness.sync("products")
    assert back.counts["updated"] == 1, back
    assert hub_product(harness, product["id"])[0].status == "active"
    assert_hub_matches(harness)


def test_active_false_archives(harness: Harness) -> None:
    harness.sync("products")
    product = next(p for p in harness.listing("products") if synced(p))
    harness.control(
        "POST",
        f"/products/{number(product['id'])}",
        {
            "metafields": [
                {"namespace": "wholesync", "key": "active", "type": "boolean", "value": "false"}
            ]
        },
    )
    result = harness.sync("products")
    assert result.counts["archived"] == 1, result
    assert hub_product(harness, product["id"])[0].status == "archived"
    assert_hub_matches(harness)


def test_deleted_product_is_archived_by_a_full_sync(harness: Harness) -> None:
    harness.sync("products")
    product = next(p for p in harness.listing("products") if synced(p))
    harness.control("DELETE", f"/products/{number(product['id'])}")
    result = harness.sync("products", full=True)
    assert result.counts["archived"] == 1, result
    assert hub_product(harness, product["id"])[0].status == "archived"


def test_prebook_tags(harness: Harness) -> None:
    harness.sync("products")
    product = next(p for p in harness.listing("products") if synced(p))
    tags = [t for t in product["tags"] if not t.startswith(("Prebook", "Available"))]
    prebook = ["Prebook: True", "Available From: 01/15/2027", "Available To: 03/31/2027"]
    harness.control("POST", f"/products/{number(product['id'])}", {"tags": tags + prebook})
    harness.sync("products")
    row, _, _ = hub_product(harness, product["id"])
    assert row.prebook is True
    assert row.available_from is not None and row.available_to is not None
    assert (row.available_from.isoformat(), row.available_to.isoformat()) == (
        "2027-01-15",
        "2027-03-31",
    )
    harness.control("POST", f"/products/{number(product['id'])}", {"tags": tags})
    harness.sync("products")
    row, _, _ = hub_product(harness, product["id"])
    assert (row.prebook, row.available_from, row.available_to) == (False, None, None)


def _media_count(harness: Harness, gid: str) -> int:
    answer = httpx.post(
        harness.sim.graphql_url(),
        json={"query": MEDIA, "variables": {"id": gid}},
        headers={"X-Shopify-Access-Token": f"shpat_{harness.shop}"},
        timeout=30,
    ).json()
    return len(answer["data"]["product"]["media"]["nodes"])


def test_both_image_modes(harness: Harness) -> None:
    harness.sync("products")
    product = next(p for p in harness.listing("products") if synced(p))
    _, variants, images = hub_product(harness, product["id"])
    assert len(images) == _media_count(harness, product["id"])
    assert all(image.variant_id is None for image in images)

    harness.set("image_mode", "variant")
    changed = harness.sync("products", full=True)
    assert changed.counts["updated"] > 0, changed
    _, variants, images = hub_product(harness, product["id"])
    ids = {v.id for v in variants}
    assert images and all(image.variant_id in ids for image in images)
    assert all(v.image_url for v in variants if v.archived_at is None)


def test_duplicate_sku_is_rejected_and_the_rest_loads(harness: Harness) -> None:
    first = next(p for p in harness.listing("products") if synced(p))
    duplicate_sku = first["variants"][0]["sku"]
    harness.control(
        "POST",
        "/products",
        {"title": "Copycat Tee", "tags": ["wholesync"], "variants": [{"sku": duplicate_sku}]},
    )
    result = harness.sync("products")
    assert result.status == "partial"
    assert result.counts["rejected"] == 1, result
    with harness.sessions() as session:
        rejection = session.scalars(
            select(SyncRecord).where(
                SyncRecord.run_id == result.run_id, SyncRecord.action == "reject"
            )
        ).one()
    assert rejection.code == "DUPLICATE_VARIANT_KEY"
    assert duplicate_sku in (rejection.message or "")
    assert_hub_matches_except(harness, "Copycat Tee")


def assert_hub_matches_except(harness: Harness, title: str) -> None:
    for product in harness.listing("products"):
        if product["title"] == title:
            assert harness.hub_id("product", product["id"]) is None
        elif synced(product):
            hub_product(harness, product["id"])


def test_malformed_products_are_rejected_with_a_fix(harness: Harness) -> None:
    """A product without variants or without a SKU, and a node that is not even an object,
    each become a rejection; the good product beside them loads."""
    good = next(p for p in harness.listing("products") if synced(p))
    harness.control(
        "POST",
        "/products",
        {"title": "No SKU Scarf", "tags": ["wholesync"], "variants": [{"price": "10.00"}]},
    )
    bad_nodes: list[Any] = [
        {
            "id": "gid://shopify/Product/999001",
            "title": "Ghost",
            "handle": "ghost",
            "tags": ["wholesync"],
            "status": "ACTIVE",
            "updatedAt": "2026-01-01T00:00:00Z",
            "variants": [],
        },
        "not a product",
    ]
    with harness.sessions() as session:
        tenant = get_tenant(session, harness.tenant)
        client = build_client(tenant)
        fetched = [
            node
            for node in client.paginate("products", {}, ["products"])
            if node["id"] == good["id"] or node["title"] == "No SKU Scarf"
        ]
        result = run_flow(PRODUCTS, session, tenant, client, nodes=[*bad_nodes, *fetched])
        client.close()
    assert result.counts["created"] == 1, result
    assert result.counts["rejected"] == 3, result
    with harness.sessions() as session:
        rejections = session.scalars(
            select(SyncRecord).where(
                SyncRecord.run_id == result.run_id, SyncRecord.action == "reject"
            )
        ).all()
    assert {r.code for r in rejections} <= {"MISSING_REQUIRED_FIELD", "INVALID_PAYLOAD"}
    assert all(r.message for r in rejections)
    assert harness.hub_id("product", good["id"]) is not None


def test_stale_update_is_ignored(harness: Harness) -> None:
    harness.sync("products")
    product = next(p for p in harness.listing("products") if synced(p))
    with harness.sessions() as session:
        tenant = get_tenant(session, harness.tenant)
        client = build_client(tenant)
        node = next(
            n for n in client.paginate("products", {}, ["products"]) if n["id"] == product["id"]
        )
        old = {**node, "title": "An old title", "updatedAt": "2001-01-01T00:00:00Z"}
        result = run_flow(PRODUCTS, session, tenant, client, nodes=[old])
        client.close()
    assert result.counts == {
        "created": 0,
        "updated": 0,
        "unchanged": 1,
        "archived": 0,
        "rejected": 0,
    }
    assert hub_product(harness, product["id"])[0].title == product["title"]


def test_preview_writes_nothing(harness: Harness) -> None:
    empty = harness.snapshot()
    first = harness.sync("products", preview=True)
    assert harness.snapshot() == empty
    assert first.preview and first.counts["created"] > 0
    assert all(r["action"] == "create" and r["diff"] for r in first.records)

    harness.sync("products")
    loaded = harness.snapshot()
    product = next(p for p in harness.listing("products") if synced(p))
    harness.control("POST", f"/products/{number(product['id'])}", {"vendor": "New Vendor"})
    preview = harness.sync("products", preview=True)
    assert harness.snapshot() == loaded
    updates = [r for r in preview.records if r["action"] == "update"]
    assert updates == [
        {
            "entity": "product",
            "key": product["handle"],
            "shopify_gid": product["id"],
            "action": "update",
            "code": None,
            "message": None,
            "diff": {"vendor": [product["vendor"], "New Vendor"]},
        }
    ]
    # The preview did not move the cursor: the real run still sees the change.
    assert harness.sync("products").counts["updated"] == 1
    assert tenant_id(harness)


def test_variants_swapping_skus_keep_their_hub_rows(harness: Harness) -> None:
    harness.sync("products")
    product = next(p for p in harness.listing("products") if synced(p) and len(p["variants"]) > 1)
    first, second = product["variants"][:2]
    _, before, _ = hub_product(harness, product["id"])
    id_of = {v.upc: v.id for v in before}
    harness.control(
        "POST",
        f"/products/{number(product['id'])}",
        {
            "variants": [
                {"id": first["id"], "sku": second["sku"]},
                {"id": second["id"], "sku": first["sku"]},
            ]
        },
    )
    result = harness.sync("products")
    assert result.counts["updated"] == 1, result
    _, after, _ = hub_product(harness, product["id"])
    swapped = {v.upc: v.id for v in after}
    assert swapped[first["sku"]] == id_of[second["sku"]]
    assert swapped[second["sku"]] == id_of[first["sku"]]
    assert_hub_matches(harness)
