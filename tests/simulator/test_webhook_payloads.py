"""Every webhook topic the simulator emits, triggered as an app would see it happen, arrives
with the keys of Shopify's documented example body."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import shared_path
from tests.simulator.sim_helpers import (
    Receiver,
    SimShop,
    documented_example,
    first_product,
    number,
    update_first_product,
)
from wholesync.simulator.api import engine
from wholesync.simulator.registry import PAYLOADS

CUSTOMERS = "{ customers(first: 1) { nodes { id } } }"
FULFILL = """
mutation Fulfill($f: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $f) { fulfillment { id } userErrors { field message } }
}
"""
BULK = """
mutation Bulk($q: String!) {
  bulkOperationRunQuery(query: $q) { bulkOperation { id } userErrors { field message } }
}
"""


def _stock(shop: SimShop, sku: str) -> None:
    shop.control("POST", "/inventory", {"sku": sku, "available": 50})


def _order(shop: SimShop) -> dict[str, Any]:
    sku = first_product(shop)["variants"]["nodes"][0]["sku"]
    _stock(shop, sku)
    customer = shop.gql(CUSTOMERS)["customers"]["nodes"][0]["id"]
    address = {
        "firstName": "Ada",
        "lastName": "Byron",
        "address1": "1 Market St",
        "city": "San Francisco",
        "provinceCode": "CA",
        "countryCode": "US",
        "zip": "94105",
        "phone": "+14155550100",
    }
    body = {
        "lineItems": [{"sku": sku, "quantity": 2}],
        "customerId": customer,
        "email": "ada@example.com",
        "shippingAddress": address,
    }
    order: dict[str, Any] = shop.control("POST", "/orders", body)
    return order


def _products_create(shop: SimShop) -> None:
    body = {
        "title": "Hook Tee",
        "tags": ["summer"],
        "options": [{"name": "Size", "values": ["S", "M"]}],
        "variants": [
            {"sku": "HOOK-S", "price": "20.00", "options": ["S"]},
            {"sku": "HOOK-M", "price": "20.00", "options": ["M"]},
        ],
        "images": ["https://cdn.example.com/hook.png"],
    }
    shop.control("POST", "/products", body)


def _products_delete(shop: SimShop) -> None:
    shop.control("DELETE", f"/products/{number(first_product(shop)['id'])}")


def _inventory_items_update(shop: SimShop) -> None:
    product = first_product(shop)
    variant = product["variants"]["nodes"][0]
    body = {"variants": [{"id": variant["id"], "sku": "RENAMED-SKU"}]}
    shop.control("POST", f"/products/{number(product['id'])}", body)


def _inventory_levels_update(shop: SimShop) -> None:
    _stock(shop, first_product(shop)["variants"]["nodes"][0]["sku"])


def _customers_create(shop: SimShop) -> None:
    address = {"address1": "2 Main St", "city": "Austin", "countryCode": "US", "zip": "73301"}
    body = {
        "email": "new.buyer@example.com",
        "firstName": "New",
        "lastName": "Buyer",
        "tags": ["wholesale"],
        "addresses": [address],
    }
    shop.control("POST", "/customers", body)


def _customers_update(shop: SimShop) -> None:
    customer = shop.gql(CUSTOMERS)["customers"]["nodes"][0]["id"]
    shop.control("POST", f"/customers/{number(customer)}", {"note": "prefers email"})


def _orders_cancel(shop: SimShop) -> None:
    order = _order(shop)
    shop.control("POST", f"/orders/{number(order['id'])}/cancel", {"reason": "CUSTOMER"})


def _fulfillments_create(shop: SimShop) -> None:
    order = _order(shop)
    lines = [{"fulfillmentOrderId": fo} for fo in order["fulfillmentOrders"]]
    tracking = {"number": "1Z999", "company": "UPS"}
    answer = shop.gql(
        FULFILL, {"f": {"lineItemsByFulfillmentOrder": lines, "trackingInfo": tracking}}
    )
    assert answer["fulfillmentCreate"]["userErrors"] == []


def _bulk_finish(shop: SimShop) -> None:
    query = "{ products { edges { node { id title } } } }"
    assert shop.gql(BULK, {"q": query})["bulkOperationRunQuery"]["userErrors"] == []


def _uninstall(shop: SimShop) -> None:
    shop.control("POST", "/uninstall")


TRIGGERS: dict[str, Callable[[SimShop], Any]] = {
    "products/create": _products_create,
    "products/update": update_first_product,
    "products/delete": _products_delete,
    "inventory_items/update": _inventory_items_update,
    "inventory_levels/update": _inventory_levels_update,
    "customers/create": _customers_create,
    "customers/update": _customers_update,
    "orders/create": _order,
    "orders/updated": _orders_cancel,
    "orders/cancelled": _orders_cancel,
    "fulfillments/create": _fulfillments_create,
    "bulk_operations/finish": _bulk_finish,
    "app/uninstalled": _uninstall,
}


# Shopify's documented example for inventory_levels/update is an empty object; its body is
# the REST InventoryLevel resource, whose keys these are.
EMPTY_EXAMPLES: dict[str, dict[str, Any]] = {
    "inventory_levels/update": dict.fromkeys(
        ["inventory_item_id", "location_id", "available", "updated_at", "admin_graphql_api_id"]
    ),
}


def key_differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Where two bodies' key sets differ, recursively (lists by their first element)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        problems = [f"{path}/{key}: missing" for key in expected if key not in actual]
        problems += [f"{path}/{key}: unexpected" for key in actual if key not in expected]
        for key in expected.keys() & actual.keys():
            problems += key_differences(expected[key], actual[key], f"{path}/{key}")
        return problems
    if isinstance(expected, list) and isinstance(actual, list) and expected and actual:
        return key_differences(expected[0], actual[0], f"{path}/0")
    return []


def docs_examples() -> list[Path]:
    return sorted(shared_path("shopify", "webhooks").glob("*/*/docs_example_2026-01.json"))


def test_every_documented_topic_has_a_trigger() -> None:
    topics = {f"{p.parent.parent.name}/{p.parent.name}" for p in docs_examples()}
    assert topics == set(TRIGGERS)


@pytest.mark.parametrize("topic", sorted(TRIGGERS))
def test_delivered_body_has_the_documented_keys(
    topic: str, shop: SimShop, receiver: Receiver
) -> None:
    engine.schema()  # imports every domain, so each registers its payload builders
    if topic not in PAYLOADS:
        pytest.skip(f"no payload builder is registered for {topic} yet")
    expected = documented_example(topic) or EMPTY_EXAMPLES[topic]
    shop.subscribe(topic.replace("/", "_").upper(), receiver.url)
    TRIGGERS[topic](shop)
    got = receiver.wait(1, topic=topic)[0]
    assert key_differences(expected, orjson.loads(got.body)) == []
