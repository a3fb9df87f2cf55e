"""Fulfillment orders and fulfillments over HTTP: partial then full shipment, names, tracking,
the quantity checks, cancelling a shipment, and the stock each step moves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.simulator.sim_helpers import SimShop, open_shop
from tests.simulator.test_orders import create, stock, variant
from wholesync.simulator.server import RunningSimulator

FULFILL = """
mutation Fulfill($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment {
      id name status displayStatus totalQuantity
      trackingInfo { number url company }
      fulfillmentLineItems(first: 5) { nodes { quantity lineItem { sku } } }
    }
    userErrors { field message }
  }
}
"""
READ = """
query Read($id: ID!) {
  order(id: $id) {
    displayFulfillmentStatus closed
    lineItems(first: 5) { nodes { fulfillableQuantity } }
    fulfillments(first: 5) { name status }
    fulfillmentOrders(first: 5) {
      nodes {
        id status
        assignedLocation { location { id } }
        lineItems(first: 5) { nodes { id totalQuantity remainingQuantity } }
      }
    }
  }
}
"""
CANCEL_FULFILLMENT = """
mutation CancelFulfillment($id: ID!) {
  fulfillmentCancel(id: $id) { fulfillment { status displayStatus } userErrors { field message } }
}
"""
TRACKING = """
mutation Track($id: ID!, $tracking: FulfillmentTrackingInput!) {
  fulfillmentTrackingInfoUpdate(fulfillmentId: $id, trackingInfoInput: $tracking) {
    fulfillment { trackingInfo { number company } }
    userErrors { field message }
  }
}
"""


@pytest.fixture
def shop(simulator: RunningSimulator) -> Iterator[SimShop]:
    yield from open_shop(simulator, products=3, customers=1, locations=2)


def place(shop: SimShop, quantity: int, claim: bool = False) -> tuple[str, dict[str, Any]]:
    """A paid order for ``quantity`` units of the first variant; its id and fulfillment order."""
    chosen = variant(shop)
    options = {"inventoryBehaviour": "DECREMENT_OBEYING_POLICY"} if claim else None
    order = {
        "lineItems": [{"variantId": chosen["id"], "quantity": quantity}],
        "financialStatus": "PAID",
    }
    created = create(shop, order, options)
    assert created["userErrors"] == []
    order_id: str = created["order"]["id"]
    return order_id, read(shop, order_id)["fulfillmentOrders"]["nodes"][0]


def read(shop: SimShop, order_id: str) -> dict[str, Any]:
    found: dict[str, Any] = shop.gql(READ, {"id": order_id})["order"]
    return found


def fulfill(shop: SimShop, fulfillment: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = shop.gql(FULFILL, {"fulfillment": fulfillment})["fulfillmentCreate"]
    return answer


def test_partial_then_full_fulfillment(shop: SimShop) -> None:
    order_id, fulfillment_order = place(shop, 3)
    item = fulfillment_order["lineItems"]["nodes"][0]
    assert (item["totalQuantity"], item["remainingQuantity"]) == (3, 3)

    first = fulfill(
        shop,
        {
            "lineItemsByFulfillmentOrder": [
                {
                    "fulfillmentOrderId": fulfillment_order["id"],
                    "fulfillmentOrderLineItems": [{"id": item["id"], "quantity": 1}],
                }
            ],
            "trackingInfo": {"numbers": ["1Z1", "1Z2"], "company": "UPS"},
        },
    )
    assert first["userErrors"] == []
    shipped = first["fulfillment"]
    assert (shipped["name"], shipped["status"], shipped["totalQuantity"]) == (
        "#1001-F1",
        "SUCCESS",
        1,
    )
    assert [t["number"] for t in shipped["trackingInfo"]] == ["1Z1", "1Z2"]
    after_first = read(shop, order_id)
    assert after_first["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
    assert after_first["lineItems"]["nodes"][0]["fulfillableQuantity"] == 2
    open_fo = after_first["fulfillmentOrders"]["nodes"][0]
    assert open_fo["status"] == "IN_PROGRESS"
    assert open_fo["lineItems"]["nodes"][0]["remainingQuantity"] == 2

    too_many = fulfill(
        shop,
        {
            "lineItemsByFulfillmentOrder": [
                {
                    "fulfillmentOrderId": fulfillment_order["id"],
                    "fulfillmentOrderLineItems": [{"id": item["id"], "quantity": 5}],
                }
            ]
        },
    )
    assert too_many["fulfillment"] is None
    assert (
        too_many["userErrors"][0]["message"]
        == "Invalid fulfillment order line item quantity requested."
    )

    rest = fulfill(
        shop, {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fulfillment_order["id"]}]}
    )
    assert rest["userErrors"] == []
    assert (rest["fulfillment"]["name"], rest["fulfillment"]["totalQuantity"]) == ("#1001-F2", 2)
    done = read(shop, order_id)
    assert done["displayFulfillmentStatus"] == "FULFILLED"
    assert done["closed"] is True  # paid and shipped: Shopify archives it
    assert done["fulfillmentOrders"]["nodes"][0]["status"] == "CLOSED"
    assert [f["name"] for f in done["fulfillments"]] == ["#1001-F1", "#1001-F2"]

    again = fulfill(
        shop, {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fulfillment_order["id"]}]}
    )
    assert again["fulfillment"] is None
    assert again["userErrors"][0]["field"][-1] == "fulfillmentOrderId"


def test_cancelled_fulfillment_reopens_the_units(shop: SimShop) -> None:
    order_id, fulfillment_order = place(shop, 2)
    shipped = fulfill(
        shop, {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fulfillment_order["id"]}]}
    )
    fulfillment_id = shipped["fulfillment"]["id"]
    tracked = shop.gql(
        TRACKING, {"id": fulfillment_id, "tracking": {"number": "9", "company": "DHL"}}
    )
    assert tracked["fulfillmentTrackingInfoUpdate"]["fulfillment"]["trackingInfo"] == [
        {"number": "9", "company": "DHL"}
    ]
    cancelled = shop.gql(CANCEL_FULFILLMENT, {"id": fulfillment_id})["fulfillmentCancel"]
    assert cancelled == {
        "fulfillment": {"status": "CANCELLED", "displayStatus": "CANCELED"},
        "userErrors": [],
    }
    after = read(shop, order_id)
    assert after["displayFulfillmentStatus"] == "UNFULFILLED"
    assert after["closed"] is False
    assert [fo["status"] for fo in after["fulfillmentOrders"]["nodes"]] == ["CLOSED", "OPEN"]
    assert after["lineItems"]["nodes"][0]["fulfillableQuantity"] == 2
    twice = shop.gql(CANCEL_FULFILLMENT, {"id": fulfillment_id})["fulfillmentCancel"]
    assert twice["fulfillment"] is None
    unknown = shop.gql(CANCEL_FULFILLMENT, {"id": "gid://shopify/Fulfillment/1"})
    assert unknown["fulfillmentCancel"]["userErrors"] == [
        {"field": ["id"], "message": "Fulfillment not found."}
    ]


def test_shipping_claimed_units_takes_them_off_hand(shop: SimShop) -> None:
    sku = variant(shop)["sku"]
    shop.control("POST", "/inventory", {"sku": sku, "available": 6})
    before = stock(shop, sku)
    _, fulfillment_order = place(shop, 2, claim=True)
    assert stock(shop, sku)["committed"] == before["committed"] + 2
    shipped = fulfill(
        shop, {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fulfillment_order["id"]}]}
    )
    assert shipped["userErrors"] == []
    after = stock(shop, sku)
    assert after["committed"] == before["committed"]
    assert after["on_hand"] == before["on_hand"] - 2
    assert after["available"] == before["available"] - 2


def test_order_created_fulfilled_at_a_location(shop: SimShop) -> None:
    locations = shop.gql("{ locations(first: 5) { nodes { id } } }")["locations"]["nodes"]
    second = locations[1]["id"]
    order = {
        "lineItems": [{"title": "Pre-shipped", "quantity": 2, "requiresShipping": True}],
        "fulfillment": {"locationId": second, "trackingNumber": "TRK1", "trackingCompany": "FedEx"},
    }
    created = create(shop, order)
    assert created["userErrors"] == []
    found = read(shop, created["order"]["id"])
    assert found["displayFulfillmentStatus"] == "FULFILLED"
    assert found["fulfillmentOrders"]["nodes"][0]["assignedLocation"]["location"]["id"] == second
    assert found["fulfillments"][0]["status"] == "SUCCESS"
    unknown = create(shop, {**order, "fulfillment": {"locationId": "gid://shopify/Location/1"}})
    assert unknown["userErrors"][0]["field"] == ["order", "fulfillment", "locationId"]
