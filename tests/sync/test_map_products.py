"""F1 mapping rules, without network or database: one Shopify product node in, one record out."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sync.map_nodes import (
    JSON_VALUES,
    as_bulk,
    as_edges,
    capture,
    find_nodes,
    gatsby_products,
    media_image,
    metafield,
    mutated,
    product_node,
    variant_node,
)
from wholesync.sync.errors import CATALOGUE
from wholesync.sync.map_products import collections_by_product, map_product, with_collections
from wholesync.sync.records import Archive, ImageRecord, OptionRecord, ProductRecord, Rejection
from wholesync.sync.settings import TenantSettings

DEFAULTS = TenantSettings()


def record(node: Any, settings: TenantSettings = DEFAULTS) -> ProductRecord:
    result = map_product(node, settings)
    assert isinstance(result, ProductRecord), result
    return result


def rejection(node: Any, settings: TenantSettings = DEFAULTS) -> Rejection:
    result = map_product(node, settings)
    assert isinstance(result, Rejection), result
    assert result.code in CATALOGUE
    return result


def test_maps_every_product_field() -> None:
    node = product_node(metafields=[metafield("wholesync", "wholesale_price", "30.00")])
    product = record(node)
    assert product.shopify_gid == "gid://shopify/Product/10"
    assert product.updated_at == datetime(2026, 7, 1, 10, tzinfo=UTC)
    assert (product.title, product.handle, product.vendor, product.product_type) == (
        "Harbor Linen Shirt",
        "harbor-linen-shirt",
        "Harbor & Pine",
        "Shirts",
    )
    assert product.description_html == "<p>Linen.</p>"
    assert product.status == "active"
    assert product.online_store_url == "https://brand.example/products/harbor-linen-shirt"
    assert product.tags == ("Shirts", "wholesync")
    assert product.options == (
        OptionRecord("Color", 1, ("Navy",)),
        OptionRecord("Size", 2, ("M", "L")),
    )
    assert product.collections == ("Essentials", "Shirts")
    assert (product.prebook, product.available_from, product.available_to) == (False, None, None)
    assert product.custom_fields == {}
    first, second = product.variants
    assert first.shopify_gid == "gid://shopify/ProductVariant/11"
    assert (first.upc, first.sku, first.barcode) == ("HLS100-NAV-M", "HLS100-NAV-M", "000000000011")
    assert first.title == "Navy / 11"
    assert first.option_values == {"Color": "Navy", "Size": "M"}
    assert first.position == 1
    assert first.retail_price == Decimal("68.00")
    assert first.wholesale_price == Decimal("30.00")
    assert (first.weight, first.weight_unit) == (Decimal("0.25"), "KILOGRAMS")
    assert first.inventory_item_gid == "gid://shopify/InventoryItem/511"
    assert second.retail_price == Decimal("72.50")


@pytest.mark.parametrize("image_mode", ["product", "variant"])
def test_paginated_edges_and_bulk_shapes_map_alike(image_mode: str) -> None:
    node = product_node(
        metafields=[metafield("custom", "season", "FW26")],
        variants=[
            variant_node(
                11,
                "A-1",
                media={"nodes": [media_image(21, "https://cdn.example/front.jpg", "Front")]},
                metafields={"nodes": [metafield("wholesync", "wholesale_price", "20")]},
            ),
            variant_node(12, "A-2", position=2),
        ],
    )
    configured = TenantSettings.model_validate(
        {
            "image_mode": image_mode,
            "custom_fields": {
                "product": {"season": "meta.custom.season", "images": "length(media)"},
                "variant": {"wholesale": "meta.wholesync.wholesale_price"},
            },
        }
    )
    paginated = record(node, configured)
    assert paginated == record(as_bulk(node), configured)
    assert paginated == record(as_edges(node), configured)
    assert paginated.custom_fields == {"images": 2, "season": "FW26"}
    assert paginated.variants[0].custom_fields == {"wholesale": "20"}


def test_mapping_is_deterministic_whatever_the_variant_order() -> None:
    node = product_node()
    shuffled = copy.deepcopy(node)
    shuffled["variants"]["nodes"].reverse()
    assert record(node) == record(shuffled) == record(copy.deepcopy(node))


# Sync tag, delete and active flag -> Archive.


def test_an_untagged_product_is_archived() -> None:
    assert map_product(product_node(tags=["Shirts"]), DEFAULTS) == Archive(
        "product", "gid://shopify/Product/10", "untagged"
    )


def test_the_sync_tag_is_configurable_and_compared_like_shopify_tags() -> None:
    nuorder = TenantSettings(sync_tag="NuORDER Sync: True")
    assert isinstance(
        map_product(product_node(tags=["nuorder sync:  TRUE"]), nuorder), ProductRecord
    )
    assert isinstance(map_product(product_node(), nuorder), Archive)
    everything = TenantSettings(sync_tag=None)
    assert isinstance(map_product(product_node(tags=[]), everything), ProductRecord)


def test_rest_style_comma_separated_tags_are_read() -> None:
    assert record(product_node(tags="Shirts, wholesync")).tags == ("Shirts", "wholesync")  # type: ignore[arg-type]


def test_a_products_delete_webhook_archives_the_product() -> None:
    payload = capture("webhooks", "products", "delete", "docs_example_2026-01.json")["response"]
    gid = f"gid://shopify/Product/{payload['id']}"
    assert map_product(payload, DEFAULTS) == Archive("product", gid, "deleted")


def test_a_product_no_longer_found_archives_it() -> None:
    gone = {"id": "gid://shopify/Product/10"}
    assert map_product(gone, DEFAULTS) == Archive("product", "gid://shopify/Product/10", "deleted")


@pytest.mark.parametrize(
    ("value", "archived"), [("false", True), ("FALSE", True), ("true", False), (None, False)]
)
def test_the_active_metafield_archives_when_false(value: str | None, archived: bool) -> None:
    fields = [] if value is None else [metafield("wholesync", "active", value, "boolean")]
    result = map_product(product_node(metafields=fields), DEFAULTS)
    if archived:
        assert result == Archive("product", "gid://shopify/Product/10", "inactive")
    else:
        assert isinstance(result, ProductRecord)


def test_the_active_metafield_key_is_configurable_and_checked() -> None:
    custom = TenantSettings(active_metafield="b2b.enabled")
    node = product_node(metafields=[metafield("b2b", "enabled", "false", "boolean")])
    assert isinstance(map_product(node, custom), Archive)
    assert isinstance(map_product(node, DEFAULTS), ProductRecord)
    bad = rejection(product_node(metafields=[metafield("wholesync", "active", "maybe")]))
    assert bad.code == "INVALID_PAYLOAD"
    assert "wholesync.active = 'maybe'" in bad.message and "true or false" in bad.message


# The variant key (UPC).


@pytest.mark.parametrize(
    ("upc_key", "expected"),
    [("sku", "HLS100-NAV-M"), ("barcode", "000000000011"), ("variant_id", "11")],
)
def test_the_upc_is_the_configured_variant_key(upc_key: str, expected: str) -> None:
    configured = TenantSettings.model_validate({"upc_key": upc_key})
    assert record(product_node(), configured).variants[0].upc == expected


def test_the_variant_id_key_falls_back_to_the_gid() -> None:
    node = product_node()
    for variant in node["variants"]["nodes"]:
        del variant["legacyResourceId"]
    upcs = [v.upc for v in record(node, TenantSettings(upc_key="variant_id")).variants]
    assert upcs == ["11", "12"]


def test_a_variant_without_the_key_rejects_the_product_naming_the_variant() -> None:
    node = product_node(variants=[variant_node(11, "A-1"), variant_node(12, None, position=2)])
    bad = rejection(node)
    assert bad.code == "MISSING_REQUIRED_FIELD"
    assert bad.key == "harbor-linen-shirt"
    assert "Variant 'Navy / 12' (barcode 000000000012)" in bad.message
    assert "has no SKU" in bad.message and "upc_key" in bad.message


def test_a_missing_barcode_is_reported_with_the_sku() -> None:
    node = product_node(variants=[variant_node(11, "A-1", barcode="  ")])
    bad = rejection(node, TenantSettings(upc_key="barcode"))
    assert bad.code == "MISSING_REQUIRED_FIELD"
    assert "(SKU A-1)" in bad.message and "has no barcode" in bad.message


def test_duplicate_keys_within_a_product_are_rejected() -> None:
    node = product_node(variants=[variant_node(11, "DUP"), variant_node(12, "DUP", position=2)])
    bad = rejection(node)
    assert bad.code == "DUPLICATE_VARIANT_KEY"
    assert "'Navy / 11', 'Navy / 12'" in bad.message and "SKU 'DUP'" in bad.message


def test_a_product_without_variants_is_rejected() -> None:
    bad = rejection(product_node(variants=[]))
    assert bad.code == "MISSING_REQUIRED_FIELD"
    assert "Product 'Harbor Linen Shirt' has no variants" in bad.message


def test_a_cut_off_variant_page_is_rejected_rather_than_half_synced() -> None:
    node = product_node()
    node["variants"]["pageInfo"]["hasNextPage"] = True
    bad = rejection(node)
    assert bad.code == "INVALID_PAYLOAD" and "--full" in bad.message


# Images.


def test_product_image_mode_keeps_every_product_image() -> None:
    node = product_node()
    node["media"]["nodes"].insert(
        1, {"id": "gid://shopify/Video/5", "alt": "Clip", "mediaContentType": "VIDEO"}
    )
    node["media"]["nodes"].append({"id": "gid://shopify/MediaImage/9", "image": None})
    product = record(node)
    assert product.images == (
        ImageRecord("https://cdn.example/front.jpg", "Front", 1, None),
        ImageRecord("https://cdn.example/back.jpg", None, 2, None),
    )
    assert all(v.image_url is None for v in product.variants)


def test_variant_image_mode_keeps_one_image_per_variant() -> None:
    node = product_node(
        variants=[
            variant_node(
                11, "A-1", media={"nodes": [media_image(21, "https://cdn.example/navy.jpg", "N")]}
            ),
            variant_node(12, "A-2", position=2),
            # Bulk results read the variant's image from the deprecated `image` field.
            variant_node(
                13, "A-3", position=3, media=[], image={"url": "https://cdn.example/r.jpg"}
            ),
        ]
    )
    product = record(node, TenantSettings(image_mode="variant"))
    assert product.images == (
        ImageRecord("https://cdn.example/navy.jpg", "N", 1, "A-1"),
        ImageRecord("https://cdn.example/r.jpg", None, 2, "A-3"),
    )
    assert [v.image_url for v in product.variants] == [
        "https://cdn.example/navy.jpg",
        None,
        "https://cdn.example/r.jpg",
    ]


def test_real_media_nodes_give_their_image() -> None:
    read = capture("graphql", "products", "product-create-media-parity.json")["readyRead"]
    media = read["data"]["product"]["media"]
    product = record(product_node(media=media))
    assert len(product.images) == 1
    assert product.images[0].url.startswith("https://cdn.shopify.com/s/files/")
    assert product.images[0].alt == "Front view"


# Collections for bulk products.


def test_bulk_collections_are_joined_onto_products() -> None:
    roots = [
        {
            "id": "gid://shopify/Collection/3",
            "title": "Shirts",
            "handle": "shirts",
            "products": [{"id": "gid://shopify/Product/10"}, {"id": "gid://shopify/Product/99"}],
        },
        {
            "id": "gid://shopify/Collection/4",
            "title": "Essentials",
            "handle": "ess",
            "products": [{"id": "gid://shopify/Product/10", "__parentId": "x"}],
        },
        "noise",
    ]
    index = collections_by_product(roots)
    bulk = as_bulk(product_node())
    del bulk["collections"]
    joined = with_collections(bulk, index)
    assert record(joined) == record(product_node())
    assert with_collections({"id": "gid://shopify/Product/5"}, index)["collections"] == []


# Real payloads from ../shared/shopify.


def test_a_real_bulk_product_maps() -> None:
    configured = TenantSettings.model_validate(
        {
            "sync_tag": None,
            "upc_key": "variant_id",
            "custom_fields": {"product": {"subtitle": "meta.descriptors.subtitle"}},
        }
    )
    products = {p["id"]: p for p in gatsby_products()}
    product = record(products["gid://shopify/Product/6950279086286"], configured)
    assert (product.title, product.handle, product.vendor) == (
        "Test Product",
        "test-product",
        "Gatsby",
    )
    assert product.tags == ("test-tag",)
    assert product.custom_fields == {"subtitle": "Test Subtitle"}
    assert product.options == (OptionRecord("Size", 1, ("Small", "Medium", "Large")),)
    assert product.images[0].url.startswith("https://cdn.shopify.com/s/files/1/0506/3521/0958/")
    assert [v.upc for v in product.variants] == [
        "41007759589582",
        "41007759622350",
        "41007759655118",
    ]
    assert [v.retail_price for v in product.variants] == [
        Decimal("1.00"),
        Decimal("2.00"),
        Decimal("3.00"),
    ]
    assert product.variants[0].weight_unit == "KILOGRAMS"
    variant_images = record(
        products["gid://shopify/Product/6950279086286"],
        configured.set_path("image_mode", "variant"),
    ).images
    assert [i.variant_upc for i in variant_images] == [v.upc for v in product.variants]
    # Its variants have empty SKUs, so the default key rejects it and names the fix.
    unkeyed = rejection(
        products["gid://shopify/Product/6950279086286"], TenantSettings(sync_tag=None)
    )
    assert unkeyed.code == "MISSING_REQUIRED_FIELD" and "has no SKU" in unkeyed.message


def test_a_real_graphql_product_maps() -> None:
    data = capture(
        "graphql", "products", "productVariantsBulkCreate-strategy-remove-custom-standalone.json"
    )
    node = next(find_nodes(data["upstreamCalls"][0]["response"]["body"], "gid://shopify/Product/"))
    product = record(node, TenantSettings(sync_tag=None, upc_key="variant_id"))
    assert product.status == "active" and product.tags == ()
    (variant,) = product.variants
    assert (variant.upc, variant.sku, variant.barcode) == ("51488204685618", None, None)
    assert variant.option_values == {"Color": "Red"}
    assert (variant.weight, variant.weight_unit) == (Decimal("0"), "KILOGRAMS")
    assert rejection(node, TenantSettings(sync_tag=None)).code == "MISSING_REQUIRED_FIELD"


# No exception ever escapes the mapper.

SETTINGS_VARIANTS = st.builds(
    lambda image_mode, upc_key, source, custom: TenantSettings.model_validate(
        {
            "image_mode": image_mode,
            "upc_key": upc_key,
            "wholesale_price": {"source": source, "formula": "price / (price - 1)"},
            "custom_fields": custom,
        }
    ),
    st.sampled_from(["product", "variant"]),
    st.sampled_from(["sku", "barcode", "variant_id"]),
    st.sampled_from(["metafield", "formula"]),
    st.sampled_from(
        [{}, {"product": {"a": "abs(title)", "b": "meta"}, "variant": {"c": "length(sku)"}}]
    ),
)
BASES = [
    product_node(
        tags=["wholesync", "Prebook: True", "Available From: 03/15/2027"],
        metafields=[
            metafield("wholesync", "wholesale_price", "30"),
            metafield("wholesync", "active", "true"),
        ],
    ),
    as_bulk(product_node()),
    as_edges(product_node()),
]


def _check(result: object) -> None:
    assert isinstance(result, ProductRecord | Rejection | Archive)
    if isinstance(result, Rejection):
        assert result.code in CATALOGUE and result.message
        assert "could not be read" not in result.message, result.message


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(node=mutated(BASES), configured=SETTINGS_VARIANTS)
def test_no_exception_escapes_on_mutated_nodes(
    node: dict[str, Any], configured: TenantSettings
) -> None:
    _check(map_product(node, configured))


@settings(max_examples=200)
@given(node=JSON_VALUES)
def test_no_exception_escapes_on_arbitrary_json(node: Any) -> None:
    _check(map_product(node, DEFAULTS))
