"""Inventory over HTTP: levels and quantities, inventorySetQuantities as Shopify serves it
from 2026-04 (idempotency key, changeFromQuantity, compare-and-set), and the merchant's stock
changes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from tests.simulator.sim_helpers import SimShop, open_shop, start_receiver
from wholesync.simulator.server import RunningSimulator

SET = """
mutation Set($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup {
      reason
      referenceDocumentUri
      changes { name delta location { name } }
    }
    userErrors { field message code }
  }
}
"""
SET_WITHOUT_KEY = SET.replace(", $key: String!", "").replace(" @idempotent(key: $key)", "")
LEVELS = """
query Levels($id: ID!) {
  inventoryItem(id: $id) {
    sku
    inventoryLevels(first: 10) {
      nodes {
        location { id name }
        quantities(names: ["available", "on_hand", "committed"]) { name quantity }
      }
    }
  }
}
"""


@pytest.fixture
def shop(simulator: RunningSimulator) -> Iterator[SimShop]:
    yield from open_shop(simulator, seed=8, products=2, locations=2)


def first_item(shop: SimShop) -> tuple[str, str, str]:
    row = shop.control("GET", "/inventory")[0]
    return row["inventoryItemId"], row["locationId"], row["sku"]


def quantities(shop: SimShop, item: str, location: str) -> dict[str, int]:
    levels = shop.gql(LEVELS, {"id": item})["inventoryItem"]["inventoryLevels"]["nodes"]
    level = next(n for n in levels if n["location"]["id"] == location)
    return {q["name"]: q["quantity"] for q in level["quantities"]}


def set_input(
    item: str, location: str, quantity: int, change_from: Any, name: str = "available"
) -> dict[str, Any]:
    line = {"inventoryItemId": item, "locationId": location, "quantity": quantity}
    line["changeFromQuantity"] = change_from
    return {"name": name, "reason": "correction", "quantities": [line]}


def raw(shop: SimShop, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = shop.client.post(
        shop.sim.graphql_url(), json={"query": query, "variables": variables}
    )
    answer: dict[str, Any] = response.json()
    return answer


def test_levels_expose_consistent_quantities(shop: SimShop) -> None:
    item, location, sku = first_item(shop)
    levels = shop.gql(LEVELS, {"id": item})["inventoryItem"]
    assert levels["sku"] == sku and len(levels["inventoryLevels"]["nodes"]) == 2
    values = quantities(shop, item, location)
    assert values["on_hand"] == values["available"] + values["committed"]


def test_the_idempotency_key_is_required(shop: SimShop) -> None:
    item, location, _ = first_item(shop)
    answer = raw(shop, SET_WITHOUT_KEY, {"input": set_input(item, location, 5, None)})
    assert answer["data"] == {"inventorySetQuantities": None}
    error = answer["errors"][0]
    assert error["message"] == (
        "The @idempotent directive is required for this mutation but was not provided."
    )
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert error["path"] == ["inventorySetQuantities"]


def test_every_line_must_name_change_from_quantity(shop: SimShop) -> None:
    item, location, _ = first_item(shop)
    payload = set_input(item, location, 5, None)
    del payload["quantities"][0]["changeFromQuantity"]
    answer = raw(shop, SET, {"input": payload, "key": "missing-change-from"})
    assert answer["errors"][0]["message"] == (
        "InventoryQuantityInput must include the following argument: changeFromQuantity."
    )
    assert answer["errors"][0]["extensions"]["code"] == "INVALID_FIELD_ARGUMENTS"


def test_set_available_moves_on_hand_and_emits_the_level(shop: SimShop) -> None:
    receiver = start_receiver()
    shop.subscribe("INVENTORY_LEVELS_UPDATE", receiver.url)
    item, location, _ = first_item(shop)
    before = quantities(shop, item, location)
    result = shop.gql(
        SET, {"input": set_input(item, location, before["available"] + 7, None), "key": "k-1"}
    )["inventorySetQuantities"]
    assert result["userErrors"] == []
    changes = result["inventoryAdjustmentGroup"]["changes"]
    assert [(c["name"], c["delta"]) for c in changes] == [("available", 7), ("on_hand", 7)]
    after = quantities(shop, item, location)
    assert after["available"] == before["available"] + 7
    assert after["on_hand"] == before["on_hand"] + 7
    body = orjson.loads(receiver.wait(1, "inventory_levels/update")[0].body)
    assert body["available"] == after["available"]
    assert body["inventory_item_id"] == int(item.rsplit("/", 1)[1])
    receiver.server.shutdown()


def test_stale_change_from_quantity_is_refused(shop: SimShop) -> None:
    item, location, _ = first_item(shop)
    current = quantities(shop, item, location)["available"]
    stale = shop.gql(SET, {"input": set_input(item, location, 40, current + 1), "key": "stale"})[
        "inventorySetQuantities"
    ]
    assert stale["inventoryAdjustmentGroup"] is None
    assert stale["userErrors"] == [
        {
            "field": ["input", "quantities", "0", "changeFromQuantity"],
            "message": "The changeFromQuantity argument no longer matches the persisted quantity.",
            "code": "CHANGE_FROM_QUANTITY_STALE",
        }
    ]
    assert quantities(shop, item, location)["available"] == current
    fresh = shop.gql(SET, {"input": set_input(item, location, 40, current), "key": "fresh"})
    assert fresh["inventorySetQuantities"]["userErrors"] == []
    assert quantities(shop, item, location)["available"] == 40


def test_a_replayed_key_is_not_applied_twice(shop: SimShop) -> None:
    item, location, _ = first_item(shop)
    shop.gql(SET, {"input": set_input(item, location, 10, None), "key": "base"})
    first = shop.gql(SET, {"input": set_input(item, location, 15, None), "key": "once"})
    # The merchant sells 3 units; a retry of the same request must not put them back.
    shop.control(
        "POST", "/inventory", {"inventoryItemId": item, "locationId": location, "delta": -3}
    )
    again = shop.gql(SET, {"input": set_input(item, location, 15, None), "key": "once"})
    assert again == first
    assert quantities(shop, item, location)["available"] == 12
    other = shop.gql(SET, {"input": set_input(item, location, 99, None), "key": "once"})
    errors = other["inventorySetQuantities"]["userErrors"]
    assert [e["code"] for e in errors] == ["IDEMPOTENCY_KEY_PARAMETER_MISMATCH"]
    assert quantities(shop, item, location)["available"] == 12


@pytest.mark.parametrize("name", ["damaged", "committed", "incoming"])
def test_only_available_and_on_hand_can_be_set(shop: SimShop, name: str) -> None:
    item, location, _ = first_item(shop)
    result = shop.gql(
        SET, {"input": set_input(item, location, 5, None, name=name), "key": f"name-{name}"}
    )["inventorySetQuantities"]
    assert result == {
        "inventoryAdjustmentGroup": None,
        "userErrors": [
            {
                "field": ["input", "name"],
                "message": "The quantity name must be either 'available' or 'on_hand'.",
                "code": "INVALID_NAME",
            }
        ],
    }


def test_set_on_hand_keeps_available_in_step(shop: SimShop) -> None:
    item, location, _ = first_item(shop)
    before = quantities(shop, item, location)
    shop.gql(
        SET,
        {"input": set_input(item, location, before["on_hand"] + 4, None, "on_hand"), "key": "oh"},
    )
    after = quantities(shop, item, location)
    assert after["on_hand"] - before["on_hand"] == after["available"] - before["available"] == 4


def test_unknown_items_and_locations_are_user_errors(shop: SimShop) -> None:
    item, location, _ = first_item(shop)
    bad_item = set_input("gid://shopify/InventoryItem/1", location, 1, None)
    errors = shop.gql(SET, {"input": bad_item, "key": "bad-item"})["inventorySetQuantities"]
    assert [e["code"] for e in errors["userErrors"]] == ["INVALID_INVENTORY_ITEM"]
    bad_location = set_input(item, "gid://shopify/Location/1", 1, None)
    errors = shop.gql(SET, {"input": bad_location, "key": "bad-loc"})["inventorySetQuantities"]
    assert [e["code"] for e in errors["userErrors"]] == ["INVALID_LOCATION"]


def test_merchant_stock_changes(shop: SimShop) -> None:
    item, location, sku = first_item(shop)
    rows = shop.control("GET", "/inventory")
    name = next(r["location"] for r in rows if r["locationId"] == location)
    changed = shop.control("POST", "/inventory", {"sku": sku, "location": name, "available": 30})
    assert changed["quantities"]["available"] == 30
    shop.control(
        "POST", "/inventory", {"inventoryItemId": item, "locationId": location, "incoming": 12}
    )
    values = quantities(shop, item, location)
    assert values["available"] == 30
    items = shop.gql(
        "query($q: String) { inventoryItems(first: 5, query: $q) { nodes { id sku } } }",
        {"q": f"sku:{sku}"},
    )["inventoryItems"]["nodes"]
    assert items == [{"id": item, "sku": sku}]
    import httpx

    url = f"{shop.sim.url}/__sim/shops/{shop.handle}/inventory"
    both = httpx.post(url, json={"sku": sku, "available": 1, "delta": 2})
    assert both.status_code == 422
    unknown = httpx.post(url, json={"sku": "NOPE", "available": 1})
    assert unknown.status_code == 404


def test_locations_root(shop: SimShop) -> None:
    names = shop.gql("{ locations(first: 10) { nodes { name isActive address { city } } } }")
    listed = [n["name"] for n in names["locations"]["nodes"]]
    assert sorted(listed) == listed and "Shop location" in listed
