"""F6 mapping, pure: hub lines paired with Shopify's, units taken from open fulfillment
orders, a fulfillment already made recognised, and the problems, with no network or
database."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from wholesync.hub.models import Order, OrderLine, Shipment, ShipmentLine
from wholesync.sync.map_orders_export import Problem
from wholesync.sync.map_shipments import (
    Made,
    ShopifyOrder,
    fulfillment_input,
    line_names,
    pair_lines,
    parse_order,
    picks,
    recognise,
    units_by_line_item,
)

LI = "gid://shopify/LineItem/"
FO = "gid://shopify/FulfillmentOrder/"
FOLI = "gid://shopify/FulfillmentOrderLineItem/"


def order(*quantities: int) -> Order:
    lines = [
        OrderLine(
            id=10 + n,
            position=n,
            upc=f"SKU-{n}",
            title=f"Item {n}",
            quantity=q,
            unit_price=Decimal("1"),
            shipped_quantity=0,
        )
        for n, q in enumerate(quantities, start=1)
    ]
    return Order(id=1, number="WS000001", lines=lines)


def shipment(*lines: tuple[int, int], numbers: tuple[str, ...] = ("1ZA",)) -> Shipment:
    return Shipment(
        external_id="ERP-1",
        carrier="UPS",
        notify_customer=True,
        tracking=[{"number": n, "url": f"https://t.example/{n}"} for n in numbers],
        lines=[ShipmentLine(order_line_id=i, quantity=q) for i, q in lines],
    )


def node(**overrides: Any) -> dict[str, Any]:
    """A shipment_orders node: lines 1 (3 units) and 2 (2 units), split over two
    fulfillment orders, the first partly fulfilled already (1 unit of line 1, tracking 1ZOLD)."""
    data: dict[str, Any] = {
        "id": "gid://shopify/Order/5",
        "name": "#1005",
        "cancelledAt": None,
        "lineItems": {"nodes": [{"id": f"{LI}1", "quantity": 3}, {"id": f"{LI}2", "quantity": 2}]},
        "fulfillmentOrders": {
            "nodes": [
                {
                    "id": f"{FO}1",
                    "status": "IN_PROGRESS",
                    "lineItems": {
                        "nodes": [
                            {
                                "id": f"{FOLI}1",
                                "remainingQuantity": 2,
                                "lineItem": {"id": f"{LI}1"},
                            },
                            {
                                "id": f"{FOLI}2",
                                "remainingQuantity": 1,
                                "lineItem": {"id": f"{LI}2"},
                            },
                        ]
                    },
                },
                {
                    "id": f"{FO}2",
                    "status": "OPEN",
                    "lineItems": {
                        "nodes": [
                            {
                                "id": f"{FOLI}3",
                                "remainingQuantity": 1,
                                "lineItem": {"id": f"{LI}2"},
                            },
                        ]
                    },
                },
                {
                    "id": f"{FO}3",
                    "status": "CLOSED",
                    "lineItems": {
                        "nodes": [
                            {
                                "id": f"{FOLI}4",
                                "remainingQuantity": 5,
                                "lineItem": {"id": f"{LI}2"},
                            },
                        ]
                    },
                },
            ]
        },
        "fulfillments": [
            {
                "id": "gid://shopify/Fulfillment/1",
                "status": "SUCCESS",
                "trackingInfo": [{"number": "1ZOLD"}],
                "fulfillmentLineItems": {"nodes": [{"quantity": 1, "lineItem": {"id": f"{LI}1"}}]},
            },
            {
                "id": "gid://shopify/Fulfillment/2",
                "status": "CANCELLED",
                "trackingInfo": [{"number": "1ZA"}],
                "fulfillmentLineItems": {"nodes": [{"quantity": 2, "lineItem": {"id": f"{LI}2"}}]},
            },
        ],
    }
    data.update(overrides)
    return data


def parsed(data: dict[str, Any]) -> ShopifyOrder:
    result = parse_order(data)
    assert isinstance(result, ShopifyOrder), result
    return result


def test_lines_pair_by_position_and_units_span_fulfillment_orders() -> None:
    hub = order(3, 2)
    shopify = parsed(node())
    paired = pair_lines(hub, shopify)
    assert paired == {11: f"{LI}1", 12: f"{LI}2"}
    sent = shipment((11, 2), (12, 2))
    units = units_by_line_item(sent, paired)
    chosen = picks(sent, units, shopify, line_names(hub, paired))
    assert chosen == {f"{FOLI}1": 2, f"{FOLI}2": 1, f"{FOLI}3": 1}
    assert not isinstance(chosen, Problem)
    assert fulfillment_input(sent, chosen, shopify) == {
        "notifyCustomer": True,
        "trackingInfo": {"numbers": ["1ZA"], "urls": ["https://t.example/1ZA"], "company": "UPS"},
        "lineItemsByFulfillmentOrder": [
            {
                "fulfillmentOrderId": f"{FO}1",
                "fulfillmentOrderLineItems": [
                    {"id": f"{FOLI}1", "quantity": 2},
                    {"id": f"{FOLI}2", "quantity": 1},
                ],
            },
            {
                "fulfillmentOrderId": f"{FO}2",
                "fulfillmentOrderLineItems": [{"id": f"{FOLI}3", "quantity": 1}],
            },
        ],
    }


def test_more_than_shopify_has_left_names_the_line() -> None:
    hub = order(3, 2)
    shopify = parsed(node())
    paired = pair_lines(hub, shopify)
    assert not isinstance(paired, Problem)
    sent = shipment((11, 3))
    problem = picks(sent, units_by_line_item(sent, paired), shopify, line_names(hub, paired))
    assert isinstance(problem, Problem) and problem.code == "NOTHING_TO_FULFIL"
    assert "only 2 of 'SKU-1' left to fulfil, not 3" in problem.message
    assert "#1005" in problem.message and "ERP-1" in problem.message


def test_a_cancelled_order_has_nothing_to_fulfil() -> None:
    shopify = parsed(node(cancelledAt="2026-12-01T00:00:00Z"))
    sent = shipment((11, 1))
    problem = picks(sent, {f"{LI}1": 1}, shopify, {})
    assert isinstance(problem, Problem) and "cancelled in Shopify" in problem.message


def test_lines_changed_in_shopify_do_not_pair() -> None:
    problem = pair_lines(order(4, 2), parsed(node()))
    assert isinstance(problem, Problem) and problem.code == "SHOPIFY_ORDER_MISMATCH"
    assert "line 1 (SKU-1) orders 3 in Shopify and 4 in the hub" in problem.message
    fewer = pair_lines(order(3, 2, 1), parsed(node()))
    assert isinstance(fewer, Problem) and "2 lines in Shopify, 3 in the hub" in fewer.message


def test_lines_imported_from_shopify_pair_by_their_gids() -> None:
    hub = order(2, 3)
    hub.lines[0].shopify_line_gid, hub.lines[1].shopify_line_gid = f"{LI}2", f"{LI}1"
    assert pair_lines(hub, parsed(node())) == {11: f"{LI}2", 12: f"{LI}1"}


def test_a_fulfillment_made_for_the_shipment_is_recognised_once() -> None:
    shopify = parsed(node())
    sent = shipment((11, 1), numbers=("1ZOLD",))
    units = {f"{LI}1": 1}
    found = recognise(sent, units, shopify, taken=set())
    assert found is not None and found.gid == "gid://shopify/Fulfillment/1"
    # Another shipment of the hub is that fulfillment already; other units or numbers differ.
    assert recognise(sent, units, shopify, taken={found.gid}) is None
    assert recognise(sent, {f"{LI}1": 2}, shopify, taken=set()) is None
    assert recognise(shipment((11, 1), numbers=("1ZNEW",)), units, shopify, taken=set()) is None
    # A cancelled fulfillment is never taken for one made.
    assert recognise(shipment((12, 2)), {f"{LI}2": 2}, shopify, taken=set()) is None


def test_a_fulfillment_made_in_the_run_uses_up_the_units() -> None:
    shopify = parsed(node())
    shopify.shipped(Made("gid://shopify/Fulfillment/9", frozenset({"1ZA"}), {}), {f"{FOLI}1": 2})
    sent = shipment((11, 1))
    problem = picks(sent, {f"{LI}1": 1}, shopify, {f"{LI}1": "SKU-1"})
    assert isinstance(problem, Problem) and "only 0 of 'SKU-1'" in problem.message
    assert shopify.made[-1].gid == "gid://shopify/Fulfillment/9"
