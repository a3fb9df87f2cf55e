"""Fuzzing the mapping of what goes from the hub to Shopify and of Shopify's answers: shipment
orders (F6), stock reads, locations and userErrors (F7), customer refusals (F8). Realistic
nodes (built, or captured from Shopify) with parts replaced, nulled or removed, and arbitrary
JSON: nothing raises, and every answer is a readable value or a problem with a catalogue
code."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.sync.map_nodes import (
    JSON_VALUES,
    capture,
    check_refusal,
    find_nodes,
    mutated,
)
from tests.sync.test_map_customers_export import hub_customer, refusals
from tests.sync.test_map_shipments import node as shipment_order
from tests.sync.test_map_shipments import order, shipment
from wholesync.sync import map_shipments as shipping
from wholesync.sync.map_customers_export import customer_problem, invalid_input_problem
from wholesync.sync.map_orders_export import Problem
from wholesync.sync.map_stock_export import (
    Location,
    Unmapped,
    available_of,
    line_errors,
    stale_indexes,
    warehouse_locations,
)
from wholesync.sync.settings import TenantSettings

# F6 ------------------------------------------------------------------------------------------


def _captured_order() -> dict[str, Any]:
    """The order a real fulfillmentCreate capture read back, with the line items the
    shipment query also selects (taken from its fulfillment order)."""
    found = capture("graphql", "shipping-fulfillments", "fulfillment-create-name.json")
    real = next(n for n in find_nodes(found, "gid://shopify/Order/") if "fulfillmentOrders" in n)
    items = real["fulfillmentOrders"]["nodes"][0]["lineItems"]["nodes"]
    lines = [{"id": i["lineItem"]["id"], "quantity": i["lineItem"]["quantity"]} for i in items]
    return {**real, "lineItems": {"nodes": lines}}


ORDERS = [shipment_order(), shipment_order(cancelledAt="2026-12-01T00:00:00Z"), _captured_order()]


def _ship(node: Any) -> None:
    """Parse a shipment order and take one shipment through every F6 step."""
    shopify = shipping.parse_order(node)
    if isinstance(shopify, Problem):
        check_refusal(shopify, {"INVALID_PAYLOAD"})
        assert "post the shipment again" in shopify.message
        return
    assert isinstance(shopify, shipping.ShopifyOrder)
    hub, sent = order(3, 2), shipment((11, 2), (12, 1))
    paired = shipping.pair_lines(hub, shopify)
    if isinstance(paired, Problem):
        check_refusal(paired, {"SHOPIFY_ORDER_MISMATCH"})
        return
    units = shipping.units_by_line_item(sent, paired)
    if shipping.recognise(sent, units, shopify, set()) is not None:
        return
    chosen = shipping.picks(sent, units, shopify, shipping.line_names(hub, paired))
    if isinstance(chosen, Problem):
        check_refusal(chosen, {"NOTHING_TO_FULFIL"})
        return
    variables = shipping.fulfillment_input(sent, chosen, shopify)
    json.dumps(variables)
    sent_units = sum(
        item["quantity"]
        for group in variables["lineItemsByFulfillmentOrder"]
        for item in group["fulfillmentOrderLineItems"]
    )
    assert sent_units == sum(units.values())


def test_the_shipment_orders_parse() -> None:
    for node in ORDERS:
        assert isinstance(shipping.parse_order(node), shipping.ShopifyOrder)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(node=mutated(ORDERS))
@example(node={**shipment_order(), "fulfillments": [{"id": "gid://shopify/Fulfillment/1"}, 7]})
@example(node=shipment_order(lineItems={"nodes": [{"id": "gid://shopify/LineItem/1"}]}))
@example(node=shipment_order(fulfillmentOrders={"nodes": [{"id": "x", "status": ["OPEN"]}]}))
def test_no_exception_escapes_on_mutated_shipment_orders(node: dict[str, Any]) -> None:
    _ship(node)


@settings(max_examples=200)
@given(node=JSON_VALUES)
def test_no_exception_escapes_on_arbitrary_shipment_orders(node: Any) -> None:
    _ship(node)


# F7 ------------------------------------------------------------------------------------------

READ = {
    "id": "gid://shopify/ProductVariant/5",
    "inventoryItem": {
        "id": "gid://shopify/InventoryItem/6",
        "inventoryLevel": {"quantities": [{"name": "available", "quantity": 4}]},
    },
}
LOCATIONS = {
    "locations": [
        {"id": "gid://shopify/Location/1", "name": "Shop location", "isActive": True},
        {"id": "gid://shopify/Location/2", "name": "Red Hook Warehouse"},
        {"id": "gid://shopify/Location/3", "name": "Closed", "isActive": False},
    ]
}
WAREHOUSES = {"SHOP": ("Shop location", None), "NYC": ("Brooklyn", "gid://shopify/Location/2")}
STOCK_ERRORS = {
    "userErrors": [
        {
            "field": ["input", "quantities", "0", "changeFromQuantity"],
            "message": "The changeFromQuantity argument no longer matches the persisted quantity.",
            "code": "CHANGE_FROM_QUANTITY_STALE",
        },
        {
            "field": ["input", "quantities", "1", "inventoryItemId"],
            "message": "The specified inventory item could not be found.",
            "code": "INVALID_INVENTORY_ITEM",
        },
        {"field": ["input", "reason"], "message": "bad reason", "code": "INVALID_REASON"},
    ]
}


def _check_read(node: Any) -> None:
    read = available_of(node)
    if read is not None:
        gid, amount = read
        assert isinstance(gid, str) and gid
        assert amount is None or (isinstance(amount, int) and not isinstance(amount, bool))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(node=mutated([READ]))
@example(node={**READ, "inventoryItem": {"id": "x", "inventoryLevel": {"quantities": 3}}})
def test_no_exception_escapes_reading_mutated_stock(node: dict[str, Any]) -> None:
    _check_read(node)


@settings(max_examples=100)
@given(node=JSON_VALUES)
def test_no_exception_escapes_reading_arbitrary_stock(node: Any) -> None:
    _check_read(node)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    found=mutated([LOCATIONS]),
    configured=st.sampled_from(
        [TenantSettings(), TenantSettings.model_validate({"warehouse_map": {"Closed": "SHOP"}})]
    ),
)
def test_every_warehouse_gets_a_location_or_a_fix_it_message(
    found: dict[str, Any], configured: TenantSettings
) -> None:
    locations = found.get("locations")
    listed = locations if isinstance(locations, list) else []
    places = warehouse_locations(WAREHOUSES, configured, listed, "acme")
    assert set(places) == set(WAREHOUSES)
    for code, place in places.items():
        if isinstance(place, Unmapped):
            assert f"Hub warehouse '{code}'" in place.message and "warehouse_map" in place.message
        else:
            assert isinstance(place, Location) and place.gid


def _check_stock_errors(errors: Any, count: int) -> None:
    listed = errors if isinstance(errors, list) else []
    stale = stale_indexes(listed)
    assert stale is None or all(isinstance(i, int) and i >= 0 for i in stale)
    named = line_errors(listed, count)
    assert all(i is None or 0 <= i < count for i in named)
    assert all(isinstance(text, str) and text for text in named.values())
    assert sum(len(text.split("; ")) for text in named.values()) >= len(listed)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(payload=mutated([STOCK_ERRORS]), count=st.integers(0, 3))
@example(payload={"userErrors": [{"field": ["input", "quantities", "²"]}]}, count=3)
@example(payload={"userErrors": [{"field": ["a", "b", "9" * 5000]}]}, count=3)
def test_no_exception_escapes_on_mutated_stock_errors(payload: dict[str, Any], count: int) -> None:
    _check_stock_errors(payload.get("userErrors"), count)


@settings(max_examples=150)
@given(errors=st.lists(JSON_VALUES, max_size=4), count=st.integers(0, 3))
@example(errors=["refused"], count=1)
def test_no_exception_escapes_on_arbitrary_stock_errors(errors: list[Any], count: int) -> None:
    _check_stock_errors(errors, count)


# F8 ------------------------------------------------------------------------------------------

CUSTOMER_CODES = {
    "SHOPIFY_USER_ERROR",
    "INVALID_EMAIL",
    "INVALID_PHONE",
    "ADDRESS_INCOMPLETE",
    "DUPLICATE_CUSTOMER",
}
REFUSALS = [
    {"userErrors": payload["userErrors"], "sent": variables.get("input") or {}}
    for name in (
        "customer-input-validation-parity.json",
        "customer-phone-normalization.json",
        "customer-address-input-validation.json",
        "customer-address-country-province-validation.json",
    )
    for _, payload, variables in refusals(capture("graphql", "customers", name))
    if isinstance(variables, dict)
]


def _check_customer_refusal(errors: Any, sent: Any) -> None:
    listed = errors if isinstance(errors, list) else []
    problem = customer_problem(listed, hub_customer(), sent if isinstance(sent, Mapping) else {})
    check_refusal(problem, CUSTOMER_CODES)
    for error in listed:
        said = error.get("message") if isinstance(error, Mapping) else None
        if isinstance(said, str) and said.strip():
            assert said.strip() in problem.message  # Shopify's words are kept


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(payload=mutated(REFUSALS))
@example(payload={"userErrors": [{"field": "email", "message": "Email is invalid"}], "sent": {}})
@example(payload={"userErrors": [{"field": 3, "message": "x"}, "Phone is invalid"], "sent": {}})
def test_mutated_customer_refusals_keep_a_code_and_shopifys_words(
    payload: dict[str, Any],
) -> None:
    _check_customer_refusal(payload.get("userErrors"), payload.get("sent"))


@settings(max_examples=150)
@given(errors=st.lists(JSON_VALUES, max_size=4), sent=JSON_VALUES)
def test_arbitrary_customer_refusals_keep_a_code(errors: list[Any], sent: Any) -> None:
    _check_customer_refusal(errors, sent)


@settings(max_examples=100)
@given(
    detail=st.text(max_size=40)
    | st.sampled_from(
        [
            "Variable $input of type CustomerInput! was provided invalid value for "
            'addresses.0.countryCode (Expected "ZZ" to be one of: AC, AD)',
            "Variable $input was provided invalid value for email",
        ]
    )
)
def test_refused_input_is_an_address_problem_or_a_user_error(detail: str) -> None:
    problem = invalid_input_problem(detail, hub_customer())
    check_refusal(problem, {"ADDRESS_INCOMPLETE", "SHOPIFY_USER_ERROR"})
