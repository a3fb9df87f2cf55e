"""F3 mapping rules, without network or database: stock per inventory item and location."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sync.map_nodes import (
    JSON_VALUES,
    as_bulk,
    as_edges,
    capture,
    gatsby_variants,
    item_node,
    level_node,
    mutated,
)
from wholesync.sync.errors import CATALOGUE
from wholesync.sync.map_inventory import levels_of, map_inventory_item, map_inventory_level
from wholesync.sync.records import Rejection, StockRecord
from wholesync.sync.settings import TenantSettings

DEFAULTS = TenantSettings()
KNOWN = {"Shop location": "MAIN", "Red Hook Warehouse": "RH"}


def stock(results: list[StockRecord | Rejection]) -> list[StockRecord]:
    assert all(isinstance(r, StockRecord) for r in results), results
    return [r for r in results if isinstance(r, StockRecord)]


def test_each_level_becomes_a_stock_record() -> None:
    main, red_hook = stock(map_inventory_item(item_node(), DEFAULTS, KNOWN))
    assert main == StockRecord(
        inventory_item_gid="gid://shopify/InventoryItem/511",
        upc="HLS100-NAV-M",
        location_gid="gid://shopify/Location/1",
        warehouse_code="MAIN",
        ats=12,
        incoming=5,
        updated_at=datetime(2026, 7, 3, 9, 30, tzinfo=UTC),
    )
    assert (red_hook.warehouse_code, red_hook.ats, red_hook.incoming) == ("RH", 3, 0)


def test_paginated_edges_and_bulk_shapes_map_alike() -> None:
    node = item_node()
    expected = map_inventory_item(node, DEFAULTS, KNOWN)
    assert map_inventory_item(as_bulk(node), DEFAULTS, KNOWN) == expected
    assert map_inventory_item(as_edges(node), DEFAULTS, KNOWN) == expected


def test_a_level_carrying_its_item_maps_on_its_own() -> None:
    levels = list(levels_of(item_node()))
    assert [level["location"]["name"] for level in levels] == [
        "Shop location",
        "Red Hook Warehouse",
    ]
    assert "inventoryLevels" not in levels[0]["item"]
    assert (
        map_inventory_level(levels[1], DEFAULTS, KNOWN)
        == map_inventory_item(item_node(), DEFAULTS, KNOWN)[1]
    )


def test_an_item_without_levels_gives_nothing() -> None:
    assert map_inventory_item(item_node(levels=[]), DEFAULTS, KNOWN) == []


def test_incoming_defaults_to_zero_and_the_item_time_stands_in() -> None:
    level = level_node(1, "Shop location", available=-2, incoming=None)
    del level["updatedAt"]
    (record,) = stock(map_inventory_item(item_node(levels=[level]), DEFAULTS, KNOWN))
    assert (record.ats, record.incoming) == (-2, 0)
    assert record.updated_at == datetime(2026, 7, 3, 9, tzinfo=UTC)


def test_a_level_without_available_is_rejected() -> None:
    level = level_node(1, "Shop location", available=None, incoming=4)
    (bad,) = map_inventory_item(item_node(levels=[level]), DEFAULTS, KNOWN)
    assert isinstance(bad, Rejection) and bad.code == "INVALID_PAYLOAD"
    assert bad.key == "HLS100-NAV-M @ Shop location"


# Locations -> warehouses.


def test_the_warehouse_map_is_keyed_by_location_name_or_gid_and_wins() -> None:
    by_name = TenantSettings.model_validate({"warehouse_map": {"Shop location": "STORE"}})
    by_gid = TenantSettings.model_validate({"warehouse_map": {"gid://shopify/Location/2": "DC"}})
    assert [r.warehouse_code for r in stock(map_inventory_item(item_node(), by_name, KNOWN))] == [
        "STORE",
        "RH",
    ]
    assert [r.warehouse_code for r in stock(map_inventory_item(item_node(), by_gid, KNOWN))] == [
        "MAIN",
        "DC",
    ]


def test_known_warehouses_match_by_location_gid_too() -> None:
    known = {"gid://shopify/Location/1": "A", "gid://shopify/Location/2": "B"}
    codes = [r.warehouse_code for r in stock(map_inventory_item(item_node(), DEFAULTS, known))]
    assert codes == ["A", "B"]


def test_an_unmapped_location_is_rejected_never_guessed() -> None:
    known = {"shop location": "MAIN", "Red Hook Warehouse": "RH"}  # names must match exactly
    bad, fine = map_inventory_item(item_node(), DEFAULTS, known)
    assert isinstance(fine, StockRecord)
    assert isinstance(bad, Rejection) and bad.code == "WAREHOUSE_UNMAPPED"
    assert bad.entity == "inventory" and bad.shopify_gid == "gid://shopify/InventoryItem/511"
    assert bad.message == (
        "Shopify location 'Shop location' has no hub warehouse. Add it to the warehouse map "
        '(wholesync tenants set NAME warehouse_map \'{"Shop location": "CODE"}\') or create a '
        "warehouse named 'Shop location'."
    )


# The variant key.


@pytest.mark.parametrize(
    ("upc_key", "expected"),
    [("sku", "HLS100-NAV-M"), ("barcode", "012345678905"), ("variant_id", "11")],
)
def test_the_upc_is_the_configured_variant_key(upc_key: str, expected: str) -> None:
    configured = TenantSettings.model_validate({"upc_key": upc_key})
    assert {r.upc for r in stock(map_inventory_item(item_node(), configured, KNOWN))} == {expected}


def test_the_item_sku_stands_in_for_the_variant_sku() -> None:
    node = item_node(variant={"id": "gid://shopify/ProductVariant/11", "sku": None})
    assert {r.upc for r in stock(map_inventory_item(node, DEFAULTS, KNOWN))} == {"HLS100-NAV-M"}


def test_a_variant_without_the_key_is_rejected_naming_it() -> None:
    node = item_node(sku=None, variant={"id": "gid://shopify/ProductVariant/11", "sku": "S-1"})
    bad = map_inventory_item(node, TenantSettings(upc_key="barcode"), KNOWN)[0]
    assert isinstance(bad, Rejection) and bad.code == "MISSING_REQUIRED_FIELD"
    assert "Variant 'S-1' has no barcode" in bad.message


def test_an_item_without_variant_is_rejected() -> None:
    bad = map_inventory_item(item_node(variant=None), DEFAULTS, KNOWN)[0]
    assert isinstance(bad, Rejection) and bad.code == "MISSING_REQUIRED_FIELD"
    assert "Inventory item gid://shopify/InventoryItem/511 has no variant" in bad.message


def test_non_objects_are_rejected() -> None:
    (bad,) = map_inventory_item(["x"], DEFAULTS, KNOWN)
    assert isinstance(bad, Rejection) and bad.code == "INVALID_PAYLOAD"
    assert isinstance(map_inventory_level(None, DEFAULTS, KNOWN), Rejection)
    no_item = map_inventory_level(level_node(1, "Shop location", 1, 1), DEFAULTS, KNOWN)
    assert isinstance(no_item, Rejection) and no_item.code == "INVALID_PAYLOAD"


# Real payloads from ../shared/shopify.


def test_a_real_inventory_item_maps() -> None:
    data = capture("graphql", "products", "inventory-node-read-after-write.json")
    node = data["workflow"]["dedicatedRead"]["response"]["data"]["inventoryItem"]
    results = map_inventory_item(node, DEFAULTS, {"Shop location": "MAIN"})
    record = results[0]
    assert isinstance(record, StockRecord)
    assert record.upc == node["sku"]  # the variant has no SKU selected; the item's stands in
    assert (record.location_gid, record.warehouse_code) == (
        "gid://shopify/Location/106318430514",
        "MAIN",
    )
    assert (record.ats, record.incoming) == (0, 0)
    # The other locations have no warehouse yet: each is reported, none is guessed.
    assert len(results) > 1
    assert all(isinstance(r, Rejection) and r.code == "WAREHOUSE_UNMAPPED" for r in results[1:])


def test_a_real_item_at_several_locations_maps_each_one() -> None:
    data = capture("graphql", "products", "inventory-transfer-create-validation.json")
    node = data["setup"]["hydratedItem"]["data"]["inventoryItem"]
    names = [level["location"]["name"] for level in node["inventoryLevels"]["nodes"]]
    known = {name: f"W{i}" for i, name in enumerate(names)}
    records = stock(map_inventory_item(node, TenantSettings(upc_key="variant_id"), known))
    assert [r.warehouse_code for r in records] == [f"W{i}" for i in range(len(names))]
    assert {r.upc for r in records} == {"51488571261234"}
    assert records[1].ats == 5


def test_real_bulk_levels_map_by_location_gid() -> None:
    configured = TenantSettings.model_validate(
        {"upc_key": "variant_id", "warehouse_map": {"gid://shopify/Location/57173475534": "HQ"}}
    )
    for variant in gatsby_variants():
        item = {**variant["inventoryItem"], "variant": variant}
        item["inventoryLevels"] = variant["inventoryLevels"]
        (record,) = stock(map_inventory_item(item, configured, {}))
        assert record.warehouse_code == "HQ" and record.upc == variant["legacyResourceId"]
        assert record.ats == next(
            q["quantity"]
            for q in item["inventoryLevels"][0]["quantities"]
            if q["name"] == "available"
        )


# No exception ever escapes the mapper.


def _check(results: list[StockRecord | Rejection]) -> None:
    for result in results:
        assert isinstance(result, StockRecord | Rejection)
        if isinstance(result, Rejection):
            assert result.code in CATALOGUE and result.message
            assert "could not be read" not in result.message, result.message


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    node=mutated([item_node(), as_bulk(item_node()), as_edges(item_node())]),
    upc_key=st.sampled_from(["sku", "barcode", "variant_id"]),
)
def test_no_exception_escapes_on_mutated_nodes(node: dict[str, Any], upc_key: str) -> None:
    _check(map_inventory_item(node, TenantSettings.model_validate({"upc_key": upc_key}), KNOWN))


@settings(max_examples=200)
@given(node=JSON_VALUES, known=st.dictionaries(st.text(max_size=5), st.text(max_size=5)))
def test_no_exception_escapes_on_arbitrary_json(node: Any, known: dict[str, str]) -> None:
    _check(map_inventory_item(node, DEFAULTS, known))
    _check([map_inventory_level(node, DEFAULTS, known)])
