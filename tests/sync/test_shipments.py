"""F6 against the simulator: shipments become fulfillments, partial then full, exactly once
(a crash between the create and the write-back is recognised), and refusals carry their
code and fix-it message."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sync.conftest import Harness
from tests.sync.orders_harness import AroundCreate, Crash, Orders, crash
from tests.sync.shipments_harness import Shipping, exported
from wholesync.hub.shipments import ORDER_NOT_EXPORTED, ShipmentError

CREATE = b"mutation FulfillmentCreate"


@pytest.fixture
def orders(harness: Harness) -> Iterator[Orders]:
    shop = Orders(harness)
    shop.prepare()
    yield shop


def test_a_partial_then_a_full_shipment_make_two_fulfillments(orders: Orders) -> None:
    shipping = exported(orders, (3, 2))
    first, _ = orders.order(shipping.order_id).lines
    one, _ = shipping.post("ERP-1", [(first.id, 2)], numbers=("1ZA", "1ZB"))
    result = shipping.run()
    assert result.counts["created"] == 1, result.records
    assert shipping.shipment(one).status == "fulfilled"
    order = orders.order(shipping.order_id)
    assert order.status == "partially_shipped"
    assert [line.shipped_quantity for line in order.lines] == [2, 0]
    (made,) = shipping.fulfillments()
    assert made["id"] == shipping.shipment(one).shopify_fulfillment_gid
    assert [t["number"] for t in made["trackingInfo"]] == ["1ZA", "1ZB"]
    assert made["trackingInfo"][0] == {
        "number": "1ZA",
        "url": "https://track.example/1ZA",
        "company": "UPS",
    }
    assert made["totalQuantity"] == 2

    rest, _ = shipping.post("ERP-2", None, numbers=("1ZC",))
    assert [line.quantity for line in shipping.shipment(rest).lines] == [1, 2]
    assert shipping.run().counts["created"] == 1
    order = orders.order(shipping.order_id)
    assert order.status == "shipped"
    assert [line.shipped_quantity for line in order.lines] == [3, 2]
    both = shipping.fulfillments()
    assert len(both) == 2 and both[1]["totalQuantity"] == 3
    shown = orders.graphql("order_fulfillments", {"id": order.shopify_order_gid})
    assert shown["order"]["displayFulfillmentStatus"] == "FULFILLED"
    assert shipping.run().counts["created"] == 0


def test_a_repeated_shipment_is_the_same_one_and_fulfils_once(orders: Orders) -> None:
    shipping = exported(orders, (2,))
    (line,) = orders.order(shipping.order_id).lines
    first, created = shipping.post("ERP-9", [(line.id, 1)])
    again, created_again = shipping.post("ERP-9", [(line.id, 1)])
    assert (again, created, created_again) == (first, True, False)
    shipping.run()
    shipping.post("ERP-9", [(line.id, 1)])
    assert shipping.run().counts["created"] == 0
    assert len(shipping.fulfillments()) == 1
    with pytest.raises(ShipmentError) as refused:
        shipping.post("ERP-9", [(line.id, 2)])
    assert refused.value.code == "SHIPMENT_CONFLICT"


def test_a_crash_after_the_create_is_recognised_and_not_sent_again(orders: Orders) -> None:
    shipping = exported(orders, (2, 2))
    shipment_id, _ = shipping.post("ERP-CRASH", None, numbers=("1ZX",))
    with pytest.raises(Crash):
        shipping.run(transport=AroundCreate(after=crash, operation=CREATE))
    left = shipping.shipment(shipment_id)
    assert left.status == "pending" and left.attempted_at is not None
    (made,) = shipping.fulfillments()

    result = shipping.run()
    assert (result.counts["created"], result.counts["unchanged"]) == (0, 1)
    assert shipping.shipment(shipment_id).shopify_fulfillment_gid == made["id"]
    assert orders.order(shipping.order_id).status == "shipped"
    assert len(shipping.fulfillments()) == 1


def test_a_crash_before_the_create_sends_it_once(orders: Orders) -> None:
    shipping = exported(orders, (1,))
    shipment_id, _ = shipping.post("ERP-EARLY")
    with pytest.raises(Crash):
        shipping.run(transport=AroundCreate(before=crash, operation=CREATE))
    assert shipping.fulfillments() == []
    assert shipping.run().counts["created"] == 1
    assert shipping.shipment(shipment_id).status == "fulfilled"
    assert len(shipping.fulfillments()) == 1


def test_a_user_error_fails_the_shipment_with_shopifys_words(orders: Orders) -> None:
    shipping = exported(orders, (2,))
    shipment_id, _ = shipping.post("ERP-LATE")
    gid = orders.order(shipping.order_id).shopify_order_gid
    assert gid is not None
    # The merchant cancels the order in Shopify after the run read it: Shopify refuses.
    cancel = AroundCreate(
        before=lambda: orders.harness.control("POST", f"/orders/{gid.rsplit('/', 1)[1]}/cancel"),
        operation=CREATE,
    )
    result = shipping.run(transport=cancel)
    assert result.counts["rejected"] == 1
    failed = shipping.shipment(shipment_id)
    assert (failed.status, failed.error_code) == ("failed", "SHOPIFY_USER_ERROR")
    assert "has an unfulfillable status= closed" in (failed.error_message or "")
    assert failed.attempted_at is None
    (alert,) = shipping.alerts()
    assert alert.code == "SHOPIFY_USER_ERROR" and "ERP-LATE" in alert.subject
    assert orders.order(shipping.order_id).status == "processed"


def test_a_preview_sends_nothing_and_more_than_remains_is_refused(orders: Orders) -> None:
    shipping = exported(orders, (2,))
    first, _ = shipping.post("ERP-A")
    order_line = orders.order(shipping.order_id).lines[0].id
    result = shipping.run(preview=True)
    assert result.preview and result.counts["created"] == 1
    create = result.records[0]
    assert create["diff"]["trackingInfo"][1]["numbers"] == ["1Z999"]
    assert shipping.fulfillments() == []
    assert shipping.shipment(first).status == "pending"
    # The first shipment, still pending, claims both units.
    with pytest.raises(ShipmentError) as refused:
        shipping.post("ERP-B", [(order_line, 1)])
    assert refused.value.code == "QUANTITY_EXCEEDS_REMAINING"
    assert "order line id" in refused.value.message


def test_a_shipment_of_an_order_never_exported_is_refused(orders: Orders) -> None:
    (variant,) = orders.variants(1)
    shipping = Shipping(orders, orders.place([(variant.upc, 1)]))
    with pytest.raises(ShipmentError) as refused:
        shipping.post("ERP-NONE")
    assert refused.value.code == ORDER_NOT_EXPORTED
    number = orders.order(shipping.order_id).number
    assert number in refused.value.message and "Export it first" in refused.value.fix
