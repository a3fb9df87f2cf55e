"""Orders over HTTP: orderCreate and its validation, search (and the search-lag fault), stock
movements, cancellation, draft orders and the shopper's online checkout."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from tests.simulator.sim_helpers import SimShop, open_shop, start_receiver
from wholesync.simulator.server import RunningSimulator

CREATE = """
mutation Create($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) {
    order {
      id name sourceIdentifier processedAt displayFinancialStatus displayFulfillmentStatus
      totalPriceSet { shopMoney { amount currencyCode } }
      lineItems(first: 5) { nodes { title sku quantity variant { id } } }
      fulfillmentOrders(first: 5) { nodes { id status } }
    }
    userErrors { field message code }
  }
}
"""
SEARCH = """
query Search($q: String!) {
  orders(first: 10, query: $q) { nodes { id name } }
  ordersCount(query: $q) { count precision }
}
"""
ORDER = "query One($id: ID!) { order(id: $id) { id name cancelledAt displayFinancialStatus } }"
CANCEL = """
mutation Cancel($id: ID!, $restock: Boolean!) {
  orderCancel(orderId: $id, reason: CUSTOMER, restock: $restock, refund: true) {
    job { id done }
    orderCancelUserErrors { field message code }
    userErrors { field message }
  }
}
"""
VARIANTS = "{ productVariants(first: 5) { nodes { id sku price } } }"


@pytest.fixture
def shop(simulator: RunningSimulator) -> Iterator[SimShop]:
    yield from open_shop(simulator, products=5, customers=3, locations=2)


def variant(shop: SimShop, index: int = 0) -> dict[str, Any]:
    found: dict[str, Any] = shop.gql(VARIANTS)["productVariants"]["nodes"][index]
    return found


def create(
    shop: SimShop,
    order: dict[str, Any],
    options: dict[str, Any] | None = None,
    version: str = "2026-07",
) -> dict[str, Any]:
    answer = shop.gql(CREATE, {"order": order, "options": options}, version)
    payload: dict[str, Any] = answer["orderCreate"]
    return payload


def stock(shop: SimShop, sku: str) -> dict[str, int]:
    """Quantities of ``sku`` summed over all locations."""
    totals: dict[str, int] = {}
    for row in shop.control("GET", "/inventory"):
        if row["sku"] == sku:
            for name, value in row["quantities"].items():
                totals[name] = totals.get(name, 0) + value
    return totals


def test_order_with_variants_is_numbered_and_found_by_source_identifier(shop: SimShop) -> None:
    chosen = variant(shop)
    order = {
        "email": "buyer@example.com",
        "sourceIdentifier": "hub-order-42",
        "lineItems": [{"variantId": chosen["id"], "quantity": 2}],
    }
    created = create(shop, order)
    assert created["userErrors"] == []
    placed = created["order"]
    assert placed["name"] == "#1001"
    assert placed["sourceIdentifier"] == "hub-order-42"
    assert placed["lineItems"]["nodes"][0]["sku"] == chosen["sku"]
    assert placed["lineItems"]["nodes"][0]["variant"] == {"id": chosen["id"]}
    expected_total = f"{float(chosen['price']) * 2:.2f}"
    assert float(placed["totalPriceSet"]["shopMoney"]["amount"]) == float(expected_total)
    assert placed["displayFulfillmentStatus"] == "UNFULFILLED"
    assert [fo["status"] for fo in placed["fulfillmentOrders"]["nodes"]] == ["OPEN"]
    second = create(shop, {**order, "sourceIdentifier": "hub-order-43"})["order"]
    assert second["name"] == "#1002"

    found = shop.gql(SEARCH, {"q": "source_identifier:hub-order-42"})
    assert [o["id"] for o in found["orders"]["nodes"]] == [placed["id"]]
    assert found["ordersCount"] == {"count": 1, "precision": "EXACT"}
    assert shop.gql(SEARCH, {"q": "source_identifier:missing"})["orders"]["nodes"] == []


def test_search_lag_hides_new_orders_from_search_but_not_from_lookup(shop: SimShop) -> None:
    shop.control("PUT", "/faults", {"search_lag": 1.0})
    order = {"lineItems": [{"title": "Sample", "quantity": 1}], "sourceIdentifier": "lagging"}
    placed = create(shop, order)["order"]
    query = {"q": "source_identifier:lagging"}
    assert shop.gql(SEARCH, query)["orders"]["nodes"] == []
    assert shop.gql(SEARCH, query)["ordersCount"]["count"] == 0
    assert shop.gql(ORDER, {"id": placed["id"]})["order"]["name"] == placed["name"]
    time.sleep(1.1)
    assert [o["id"] for o in shop.gql(SEARCH, query)["orders"]["nodes"]] == [placed["id"]]


def test_inventory_behaviour_decides_whether_stock_moves(shop: SimShop) -> None:
    chosen = variant(shop)
    sku = chosen["sku"]
    shop.control("POST", "/inventory", {"sku": sku, "available": 5})
    before = stock(shop, sku)
    line = {"variantId": chosen["id"], "quantity": 2}

    create(shop, {"lineItems": [line]})
    assert stock(shop, sku) == before  # BYPASS is the default

    created = create(
        shop, {"lineItems": [line]}, {"inventoryBehaviour": "DECREMENT_OBEYING_POLICY"}
    )
    assert created["userErrors"] == []
    after = stock(shop, sku)
    assert after["available"] == before["available"] - 2
    assert after["committed"] == before["committed"] + 2
    assert after["on_hand"] == before["on_hand"]

    too_many = {"variantId": chosen["id"], "quantity": 50}
    refused = create(
        shop, {"lineItems": [too_many]}, {"inventoryBehaviour": "DECREMENT_OBEYING_POLICY"}
    )
    assert refused["order"] is None
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["order", "lineItems", 0], "INVENTORY_CLAIM_FAILED")
    ]
    assert stock(shop, sku) == after

    forced = create(
        shop, {"lineItems": [too_many]}, {"inventoryBehaviour": "DECREMENT_IGNORING_POLICY"}
    )
    assert forced["userErrors"] == []
    assert stock(shop, sku)["available"] == after["available"] - 50


def test_validation_errors_name_the_field_and_code(shop: SimShop) -> None:
    empty = create(shop, {"email": "a@example.com", "lineItems": []})
    assert empty == {
        "order": None,
        "userErrors": [
            {
                "field": ["order", "lineItems"],
                "message": "Line items must have at least one line item",
                "code": "INVALID",
            }
        ],
    }
    unknown = create(
        shop, {"lineItems": [{"variantId": "gid://shopify/ProductVariant/1", "quantity": 1}]}
    )
    assert unknown["userErrors"][0]["field"] == ["order", "lineItems", 0, "variantId"]
    customer = {"toUpsert": {"email": "x@example.com"}}
    line = {"title": "Thing", "quantity": 1}
    redundant = create(
        shop, {"customerId": "gid://shopify/Customer/1", "customer": customer, "lineItems": [line]}
    )
    assert redundant["userErrors"][0]["code"] == "REDUNDANT_CUSTOMER_FIELDS"
    future = {"processedAt": "2099-01-01T00:00:00Z", "lineItems": [line]}
    old_api = create(shop, future, version="2025-01")
    assert [e["code"] for e in old_api["userErrors"]] == ["PROCESSED_AT_INVALID"]
    clamped = create(shop, future)
    assert clamped["userErrors"] == []
    assert clamped["order"]["processedAt"] < "2099"


def test_cancel_restocks_refunds_and_cannot_repeat(shop: SimShop) -> None:
    chosen = variant(shop, 1)
    shop.control("POST", "/inventory", {"sku": chosen["sku"], "available": 10})
    before = stock(shop, chosen["sku"])
    order = {
        "lineItems": [{"variantId": chosen["id"], "quantity": 3}],
        "financialStatus": "PAID",
    }
    placed = create(shop, order, {"inventoryBehaviour": "DECREMENT_OBEYING_POLICY"})["order"]
    assert placed["displayFinancialStatus"] == "PAID"
    answer = shop.gql(CANCEL, {"id": placed["id"], "restock": True})["orderCancel"]
    assert answer["orderCancelUserErrors"] == []
    assert answer["job"]["done"] is False
    assert stock(shop, chosen["sku"]) == before
    read = shop.gql(ORDER, {"id": placed["id"]})["order"]
    assert read["cancelledAt"] is not None
    assert read["displayFinancialStatus"] == "REFUNDED"
    again = shop.gql(CANCEL, {"id": placed["id"], "restock": True})["orderCancel"]
    assert again["job"] is None
    assert again["orderCancelUserErrors"][0]["field"] == ["orderId"]
    missing = shop.gql(CANCEL, {"id": "gid://shopify/Order/1", "restock": False})["orderCancel"]
    assert missing["orderCancelUserErrors"] == [
        {"field": ["orderId"], "message": "Order does not exist", "code": "NOT_FOUND"}
    ]


DRAFT_CREATE = """
mutation Draft($input: DraftOrderInput!) {
  draftOrderCreate(input: $input) {
    draftOrder {
      id name status
      totalPriceSet { shopMoney { amount } }
      lineItems(first: 5) { nodes { title custom quantity } }
    }
    userErrors { field message }
  }
}
"""
DRAFT_COMPLETE = """
mutation Complete($id: ID!) {
  draftOrderComplete(id: $id) {
    draftOrder { status completedAt order { name displayFinancialStatus } }
    userErrors { field message }
  }
}
"""


def test_draft_order_is_created_then_completed_into_an_order(shop: SimShop) -> None:
    chosen = variant(shop)
    lines = [
        {"variantId": chosen["id"], "quantity": 1},
        {"title": "Gift wrap", "originalUnitPrice": "2.50", "quantity": 2},
    ]
    created = shop.gql(DRAFT_CREATE, {"input": {"email": "d@example.com", "lineItems": lines}})
    draft = created["draftOrderCreate"]["draftOrder"]
    assert (draft["name"], draft["status"]) == ("#D1", "OPEN")
    assert [li["custom"] for li in draft["lineItems"]["nodes"]] == [False, True]
    expected = float(chosen["price"]) + 5.0
    assert float(draft["totalPriceSet"]["shopMoney"]["amount"]) == pytest.approx(expected)

    completed = shop.gql(DRAFT_COMPLETE, {"id": draft["id"]})["draftOrderComplete"]
    assert completed["userErrors"] == []
    assert completed["draftOrder"]["status"] == "COMPLETED"
    assert completed["draftOrder"]["order"] == {"name": "#1001", "displayFinancialStatus": "PAID"}
    twice = shop.gql(DRAFT_COMPLETE, {"id": draft["id"]})["draftOrderComplete"]
    assert twice["userErrors"] == [{"field": None, "message": "This order has been paid"}]


def test_online_order_claims_stock_and_is_paid(shop: SimShop) -> None:
    chosen = variant(shop, 2)
    shop.control("POST", "/inventory", {"sku": chosen["sku"], "available": 4})
    before = stock(shop, chosen["sku"])
    body = {"lineItems": [{"sku": chosen["sku"], "quantity": 3}], "email": "shopper@example.com"}
    placed = shop.control("POST", "/orders", body)
    assert placed["sourceName"] == "web"
    assert placed["displayFinancialStatus"] == "PAID"
    after = stock(shop, chosen["sku"])
    assert after["available"] == before["available"] - 3
    assert after["committed"] == before["committed"] + 3
    assert [o["id"] for o in shop.control("GET", "/orders")] == [placed["id"]]

    url = f"{shop.sim.url}/__sim/shops/{shop.handle}/orders"
    sold_out = httpx.post(url, json={"lineItems": [{"sku": chosen["sku"], "quantity": 5}]})
    assert sold_out.status_code == 409
    assert sold_out.json()["error"]["code"] == "INVENTORY_CLAIM_FAILED"
    unknown = httpx.post(url, json={"lineItems": [{"sku": "NO-SUCH-SKU", "quantity": 1}]})
    assert unknown.status_code == 422
    cancelled = shop.control("POST", f"/orders/{placed['id'].rsplit('/', 1)[1]}/cancel", {})
    assert cancelled["cancelledAt"] is not None
    assert stock(shop, chosen["sku"]) == before


def test_order_webhooks_are_delivered(shop: SimShop) -> None:
    receiver = start_receiver()
    try:
        for topic in ("ORDERS_CREATE", "ORDERS_CANCELLED", "INVENTORY_LEVELS_UPDATE"):
            shop.subscribe(topic, receiver.url)
        chosen = variant(shop)
        order = {
            "lineItems": [{"variantId": chosen["id"], "quantity": 1}],
            "email": "w@example.com",
        }
        options = {"inventoryBehaviour": "DECREMENT_IGNORING_POLICY"}
        placed = create(shop, order, options)["order"]
        created = orjson.loads(receiver.wait(1, topic="orders/create")[0].body)
        assert (created["name"], created["email"]) == (placed["name"], "w@example.com")
        assert created["line_items"][0]["sku"] == chosen["sku"]
        level = orjson.loads(receiver.wait(1, topic="inventory_levels/update")[0].body)
        assert level["admin_graphql_api_id"].endswith(
            f"inventory_item_id={level['inventory_item_id']}"
        )
        shop.gql(CANCEL, {"id": placed["id"], "restock": True})
        cancelled = orjson.loads(receiver.wait(1, topic="orders/cancelled")[0].body)
        assert cancelled["cancel_reason"] == "customer"
        assert cancelled["cancelled_at"] is not None
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
