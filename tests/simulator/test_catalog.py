"""Catalog behaviour over HTTP: seeding, paging, search, counts and the merchant's edits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from tests.simulator.sim_helpers import (
    Receiver,
    SimShop,
    documented_example,
    open_shop,
    start_receiver,
)
from wholesync.simulator.server import RunningSimulator

PAGE = """
query Page($after: String, $query: String, $first: Int!, $sortKey: ProductSortKeys) {
  products(first: $first, after: $after, query: $query, sortKey: $sortKey) {
    nodes { id title updatedAt tags variants(first: 30) { nodes { sku barcode } } }
    pageInfo { hasNextPage endCursor }
  }
  productsCount(query: $query) { count precision }
}
"""


@pytest.fixture(scope="module")
def catalog(simulator: RunningSimulator) -> Iterator[SimShop]:
    """One seeded shop shared by the read-only tests of this module."""
    yield from open_shop(simulator, seed=11, products=620, locations=2)


@pytest.fixture
def shop(simulator: RunningSimulator) -> Iterator[SimShop]:
    yield from open_shop(simulator, seed=5, products=3, locations=2)


def all_products(shop: SimShop, query: str | None = None, **extra: Any) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        variables = {"first": 250, "after": after, "query": query, **extra}
        page = shop.gql(PAGE, variables)["products"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def test_cursor_pages_cover_every_product_once(catalog: SimShop) -> None:
    nodes = all_products(catalog)
    ids = [n["id"] for n in nodes]
    assert len(ids) == 620 and len(set(ids)) == 620
    count = catalog.gql(PAGE, {"first": 1})["productsCount"]
    assert count == {"count": 620, "precision": "EXACT"}


def test_pages_sorted_by_updated_at_miss_nothing(catalog: SimShop) -> None:
    nodes = all_products(catalog, sortKey="UPDATED_AT")
    stamps = [n["updatedAt"] for n in nodes]
    assert stamps == sorted(stamps)
    assert len({n["id"] for n in nodes}) == 620


def test_more_than_250_per_page_is_refused(catalog: SimShop) -> None:
    response = catalog.client.post(
        catalog.sim.graphql_url(), json={"query": PAGE, "variables": {"first": 251}}
    )
    errors = response.json()["errors"]
    assert errors[0]["message"] == "The value of first (251) is greater than the maximum of 250"


def test_search_by_tag_sku_and_barcode(catalog: SimShop) -> None:
    every = all_products(catalog)
    tagged = all_products(catalog, "tag:wholesync")
    expected = [n["id"] for n in every if "wholesync" in n["tags"]]
    assert [n["id"] for n in tagged] == expected
    assert 0.7 < len(tagged) / len(every) < 0.9
    counted = catalog.gql(PAGE, {"first": 1, "query": "tag:wholesync"})["productsCount"]
    assert counted["count"] == len(expected)
    target = every[123]
    variant = target["variants"]["nodes"][-1]
    by_sku = all_products(catalog, f"sku:{variant['sku']}")
    assert [n["id"] for n in by_sku] == [target["id"]]
    by_barcode = all_products(catalog, f"barcode:{variant['barcode']}")
    assert [n["id"] for n in by_barcode] == [target["id"]]
    assert all_products(catalog, "sku:NO-SUCH-SKU") == []
    not_tagged = all_products(catalog, "-tag:wholesync")
    assert len(not_tagged) + len(tagged) == len(every)


def test_variants_root_filters_by_sku_and_product(catalog: SimShop) -> None:
    product = all_products(catalog)[7]
    sku = product["variants"]["nodes"][0]["sku"]
    query = """
    query V($q: String) {
      productVariants(first: 50, query: $q) { nodes { sku product { id } inventoryQuantity } }
    }"""
    found = catalog.gql(query, {"q": f"sku:{sku}"})["productVariants"]["nodes"]
    assert [(v["sku"], v["product"]["id"]) for v in found] == [(sku, product["id"])]
    number = product["id"].rsplit("/", 1)[1]
    siblings = catalog.gql(query, {"q": f"product_id:{number}"})["productVariants"]["nodes"]
    assert len(siblings) == len(product["variants"]["nodes"])


def gs1_valid(code: str) -> bool:
    digits = [int(d) for d in code]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def test_seeded_barcodes_and_skus(catalog: SimShop) -> None:
    variants = [v for p in catalog.control("GET", "/products") for v in p["variants"]]
    barcodes = [v["barcode"] for v in variants]
    assert all(len(b) in (12, 13) and b.isdigit() and gs1_valid(b) for b in barcodes)
    assert {len(b) for b in barcodes} == {12, 13}
    assert len(set(barcodes)) == len(barcodes)
    skus = [v["sku"] for v in variants]
    assert len(set(skus)) == len(skus)


def test_seed_looks_like_an_apparel_brand(catalog: SimShop) -> None:
    products = catalog.control("GET", "/products")
    prebook = [p for p in products if "Prebook: True" in p["tags"]]
    assert prebook and all(
        any(t.startswith("Available From: ") for t in p["tags"]) for p in prebook
    )
    wholesale = [
        m
        for p in products
        for m in p["metafields"] + [m for v in p["variants"] for m in v["metafields"]]
        if m["key"] == "wholesale_price"
    ]
    assert len(wholesale) > len(products) // 2
    active = [m["value"] for p in products for m in p["metafields"] if m["key"] == "active"]
    assert "false" in active and "true" in active
    sizes = {len(p["variants"]) for p in products}
    assert min(sizes) >= 2 and max(sizes) <= 24


def listing_without_times(shop: SimShop) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = shop.control("GET", "/products")
    for row in rows:
        row.pop("createdAt")
        row.pop("updatedAt")
    return rows


def test_same_seed_same_catalog(simulator: RunningSimulator) -> None:
    listings = []
    for seed in (21, 21, 22):
        for opened in open_shop(simulator, seed=seed, products=40, locations=3):
            listings.append(listing_without_times(opened))
            stock = opened.control("GET", "/inventory")
            listings[-1].append({"stock": [(r["sku"], r["quantities"]) for r in stock]})
    assert listings[0] == listings[1]
    assert listings[0] != listings[2]


CREATE = {
    "title": "Harbor Linen Shirt",
    "vendor": "Harbor & Pine",
    "productType": "Shirts",
    "tags": ["wholesync", "SS26"],
    "options": [{"name": "Size", "values": ["S", "M"]}],
    "variants": [
        {"sku": "HLS-NAV-S", "barcode": "012345678905", "price": "49", "options": ["S"]},
        {"sku": "HLS-NAV-M", "barcode": "012345678912", "price": 49, "options": ["M"]},
    ],
    "metafields": [
        {
            "namespace": "wholesync",
            "key": "wholesale_price",
            "type": "number_decimal",
            "value": "24.50",
        }
    ],
}
READ = """
query P($id: ID!) {
  product(id: $id) {
    title vendor status tags updatedAt
    variants(first: 5) { nodes { id sku price inventoryItem { id } } }
    wp: metafield(namespace: "wholesync", key: "wholesale_price") { value }
  }
}"""


def test_merchant_creates_edits_and_deletes_a_product(shop: SimShop) -> None:
    receiver = start_receiver()
    for topic in ("PRODUCTS_CREATE", "PRODUCTS_UPDATE", "PRODUCTS_DELETE"):
        shop.subscribe(topic, receiver.url)
    created = shop.control("POST", "/products", CREATE)["product"]
    product = shop.gql(READ, {"id": created["id"]})["product"]
    assert product["title"] == "Harbor Linen Shirt" and product["wp"] == {"value": "24.50"}
    assert [v["price"] for v in product["variants"]["nodes"]] == ["49.00", "49.00"]
    assert (
        created["variants"][0]["inventoryItemId"]
        == product["variants"]["nodes"][0]["inventoryItem"]["id"]
    )
    variant = created["variants"][1]["id"]
    number = created["id"].rsplit("/", 1)[1]
    shop.control(
        "POST",
        f"/products/{number}",
        {
            "title": "Harbor Linen Shirt II",
            "status": "DRAFT",
            "tags": "wholesync, FW26",
            "variants": [{"id": variant, "price": "55.5"}],
            "metafields": [
                {
                    "namespace": "wholesync",
                    "key": "wholesale_price",
                    "type": "number_decimal",
                    "value": "27.00",
                }
            ],
        },
    )
    edited = shop.gql(READ, {"id": created["id"]})["product"]
    assert edited["title"] == "Harbor Linen Shirt II" and edited["status"] == "DRAFT"
    assert edited["tags"] == ["FW26", "wholesync"]
    assert edited["variants"]["nodes"][1]["price"] == "55.50"
    assert edited["wp"] == {"value": "27.00"}
    assert edited["updatedAt"] >= product["updatedAt"]
    shop.control("DELETE", f"/products/{number}")
    assert shop.gql(READ, {"id": created["id"]})["product"] is None
    topics = [r.topic for r in receiver.wait(3)]
    assert topics == ["products/create", "products/update", "products/delete"]
    bodies = [orjson.loads(r.body) for r in receiver.wait(3)]
    assert bodies[1]["title"] == "Harbor Linen Shirt II" and bodies[1]["status"] == "draft"
    assert bodies[1]["variants"][1]["price"] == "55.50"
    assert bodies[2] == {"id": int(number)}
    receiver.server.shutdown()


def test_product_webhook_has_the_documented_keys(shop: SimShop, receiver: Receiver) -> None:
    example = documented_example("products/update")
    shop.subscribe("PRODUCTS_UPDATE", receiver.url)
    product = shop.control("GET", "/products")[0]
    shop.control("POST", f"/products/{product['id'].rsplit('/', 1)[1]}", {"vendor": "Pine Studio"})
    body = orjson.loads(receiver.wait(1, "products/update")[0].body)
    assert set(body) == set(example)
    assert set(body["variants"][0]) == set(example["variants"][0])
    assert body["images"] and body["media"] and body["options"]


def test_bad_merchant_input_is_a_clear_4xx(shop: SimShop) -> None:
    import httpx

    url = f"{shop.sim.url}/__sim/shops/{shop.handle}"
    assert httpx.post(f"{url}/products", json={"title": ""}).status_code == 422
    missing = httpx.post(f"{url}/products/999", json={"title": "x"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "PRODUCT_NOT_FOUND"


def test_search_lag_hides_fresh_writes_from_search_only(shop: SimShop) -> None:
    shop.control("PUT", "/faults", {"search_lag": 600})
    created = shop.control("POST", "/products", {"title": "Late Tote", "tags": ["fresh"]})
    assert all_products(shop, "tag:fresh") == []
    assert shop.gql(READ, {"id": created["product"]["id"]})["product"]["title"] == "Late Tote"
    shop.control("PUT", "/faults", {"search_lag": 0})
    assert [p["id"] for p in all_products(shop, "tag:fresh")] == [created["product"]["id"]]


def test_a_variant_image_is_its_media_image(shop: SimShop) -> None:
    query = """
    { products(first: 1) { nodes { variants(first: 5) { nodes {
        image { url altText }
        media(first: 1) { nodes { ... on MediaImage { image { url altText } } } }
    } } } } }
    """
    variants = shop.gql(query)["products"]["nodes"][0]["variants"]["nodes"]
    for variant in variants:
        assert variant["image"] == variant["media"]["nodes"][0]["image"]
        assert variant["image"]["url"].startswith("https://cdn.shopify.com/")
