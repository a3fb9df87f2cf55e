"""F4 failures end to end: each error code leaves the hub order failed with a message naming
the bad value and an alert; fixing the data in Shopify and re-exporting then processes it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from tests.sync.conftest import Harness, tenant_id
from tests.sync.orders_harness import AroundCreate, FakeTime, Orders
from wholesync.hub.models import Customer, Order, OrderLine, SyncRecord


@pytest.fixture
def orders(harness: Harness) -> Iterator[Orders]:
    shop = Orders(harness)
    shop.prepare()
    yield shop


def assert_failed(orders: Orders, order_id: int, code: str, *named: str) -> Order:
    order = orders.order(order_id)
    assert (order.status, order.error_code) == ("failed", code), order.error_message
    assert order.error_message is not None
    for value in named:
        assert value in order.error_message
    (alert,) = orders.alerts(order_id)
    assert (alert.kind, alert.code, alert.message) == (
        "order_export_failed",
        code,
        order.error_message,
    )
    assert order.number in alert.subject
    assert orders.shopify_orders(order.export_key) == []
    return order


def assert_processed(orders: Orders, order_id: int) -> Order:
    order = orders.order(order_id)
    assert order.status == "processed", order.error_message
    assert order.error_code is None
    (created,) = orders.shopify_orders(order.export_key)
    assert created["id"] == order.shopify_order_gid
    return order


def test_an_unknown_customer_fails_then_exports_once_it_exists(orders: Orders) -> None:
    with orders.harness.sessions.begin() as session:
        ghost = Customer(
            tenant_id=tenant_id(orders.harness),
            customer_code="GHOST-7",
            email="ghost7@boutique.example",
            company="Ghost Boutique",
        )
        session.add(ghost)
    (variant,) = orders.variants(1)
    order_id = orders.place([(variant.upc, 1)], customer=ghost)
    result = orders.export()
    assert (result.status, result.counts["rejected"]) == ("partial", 1)
    assert_failed(orders, order_id, "CUSTOMER_NOT_FOUND", "'GHOST-7'")
    with orders.harness.sessions() as session:
        record = session.scalars(select(SyncRecord).where(SyncRecord.run_id == result.run_id)).one()
    assert (record.entity, record.action, record.code) == ("order", "reject", "CUSTOMER_NOT_FOUND")

    orders.harness.control(
        "POST", "/customers", {"email": "ghost7@boutique.example", "tags": ["wholesync"]}
    )
    orders.reexport(order_id)
    assert orders.export().counts["created"] == 1
    assert_processed(orders, order_id)


def test_an_unknown_sku_fails_naming_it_then_exports_once_created(orders: Orders) -> None:
    (variant,) = orders.variants(1)
    order_id = orders.place([(variant.upc, 1), ("NOPE-SKU-1", 2)])
    orders.export()
    assert_failed(orders, order_id, "VARIANT_NOT_FOUND", "SKU 'NOPE-SKU-1'")

    orders.harness.control(
        "POST",
        "/products",
        {
            "title": "Late Tee",
            "tags": ["wholesync"],
            "variants": [{"sku": "NOPE-SKU-1", "price": "12.00", "available": 10}],
        },
    )
    orders.reexport(order_id)
    orders.export()
    order = assert_processed(orders, order_id)
    shown = orders.shopify_order(order.shopify_order_gid or "")
    assert [n["sku"] for n in shown["lineItems"]["nodes"]] == [variant.upc, "NOPE-SKU-1"]


def test_short_stock_fails_naming_key_available_and_requested(orders: Orders) -> None:
    (variant,) = orders.variants(1)
    rows = [r for r in orders.harness.listing("inventory") if r["sku"] == variant.upc]
    available = sum(int(r["quantities"]["available"]) for r in rows)
    order_id = orders.place([(variant.upc, available + 5)])
    orders.export()
    assert_failed(
        orders,
        order_id,
        "INSUFFICIENT_INVENTORY",
        f"Only {available} of '{variant.upc}'",
        f"{available + 5} are ordered",
        "all locations",
    )

    orders.harness.control(
        "POST", "/inventory", {"sku": variant.upc, "location": rows[0]["location"], "delta": 5}
    )
    orders.reexport(order_id)
    orders.export()
    assert_processed(orders, order_id)


def test_a_user_error_fails_with_shopifys_message_and_no_attempt_left(orders: Orders) -> None:
    """The captured "no line items" refusal, reproduced end to end: Shopify's own words."""
    (variant,) = orders.variants(1)
    order_id = orders.place([(variant.upc, 1)])
    with orders.harness.sessions.begin() as session:
        for line in session.scalars(select(OrderLine).where(OrderLine.order_id == order_id)):
            session.delete(line)
    orders.export()
    order = assert_failed(
        orders,
        order_id,
        "SHOPIFY_USER_ERROR",
        "order.lineItems: Line items must have at least one line item (INVALID)",
    )
    assert order.export_attempted_at is None

    orders.reexport(order_id)
    orders.place([(variant.upc, 1)])  # a second, healthy order in the same run
    with orders.harness.sessions.begin() as session:
        session.add(
            OrderLine(
                tenant_id=order.tenant_id,
                order_id=order_id,
                upc=variant.upc,
                title="Tee",
                quantity=1,
                unit_price=variant.wholesale_price or 1,
            )
        )
    result = orders.export()
    assert result.counts["created"] == 2
    assert_processed(orders, order_id)


def test_shopify_down_at_create_fails_keeping_the_attempt_then_retries(orders: Orders) -> None:
    (variant,) = orders.variants(1)
    order_id = orders.place([(variant.upc, 1)])
    outage = AroundCreate(before=lambda: orders.faults(error_rate=1.0))
    orders.export(transport=outage)
    order = assert_failed(
        orders, order_id, "SHOPIFY_UNAVAILABLE", "did not answer after 3 attempts"
    )
    assert order.export_attempted_at is not None and order.export_key is not None

    # No re-export needed: the next run retries it, searching first and waiting out the lag.
    orders.faults(error_rate=0.0)
    time = FakeTime()
    result = orders.export(clock=time.clock, sleep=time.sleep)
    assert result.counts["created"] == 1
    (wait,) = time.sleeps
    assert 9 < wait <= 10  # orders.search_lag_seconds, less the moments already gone
    processed = assert_processed(orders, order_id)
    assert processed.export_key == order.export_key
