"""F4 end to end: hub orders exported to the simulator over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sync.conftest import Harness
from tests.sync.orders_harness import Orders


@pytest.fixture
def orders(harness: Harness) -> Iterator[Orders]:
    shop = Orders(harness)
    shop.prepare()
    yield shop


def test_an_approved_order_is_created_once_with_its_key(orders: Orders) -> None:
    first, second = orders.variants(2)
    order_id = orders.place([(first.upc, 2), (second.upc, 1)], po_number="PO-77")
    result = orders.export()
    assert result.status == "succeeded", result
    assert result.counts["created"] == 1
    order = orders.order(order_id)
    assert order.status == "processed"
    assert order.shopify_order_gid and order.shopify_order_name
    assert order.export_key is not None
    (created,) = orders.shopify_orders(order.export_key)
    assert created["id"] == order.shopify_order_gid
    assert order.export_key in created["tags"] and "wholesale" in created["tags"]
    shown = orders.shopify_order(order.shopify_order_gid)
    assert shown["poNumber"] == "PO-77"
    assert shown["shippingAddress"]["address2"] == "Suite 5"
    assert [(n["sku"], n["quantity"]) for n in shown["lineItems"]["nodes"]] == [
        (first.upc, 2),
        (second.upc, 1),
    ]
    again = orders.export()
    assert again.counts["created"] == 0
    assert len(orders.shopify_orders(order.export_key)) == 1
