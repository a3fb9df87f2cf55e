"""F7's pure decisions: warehouses to locations, the write's lines and key, userErrors."""

from __future__ import annotations

from typing import Any

from wholesync.sync.map_stock_export import (
    Level,
    Line,
    Location,
    Unmapped,
    available_of,
    idempotency_key,
    line_errors,
    set_input,
    stale_indexes,
    warehouse_locations,
)
from wholesync.sync.settings import TenantSettings

LOCATIONS: list[dict[str, Any]] = [
    {"id": "gid://shopify/Location/1", "name": "Shop location"},
    {"id": "gid://shopify/Location/2", "name": "Red Hook Warehouse"},
    {"id": "gid://shopify/Location/3", "name": "Closed", "isActive": False},
]
WAREHOUSES = {
    "SHOP-LOCATION": ("Shop location", None),
    "NYC": ("Brooklyn", "gid://shopify/Location/2"),
    "OLD": ("Closed", None),
    "EU": ("Europe", None),
}
LEVEL = Level(1, 10, "SKU-1", "NYC", 12, None)


def test_warehouses_map_by_name_stored_location_or_the_map_never_guessed() -> None:
    places = warehouse_locations(WAREHOUSES, TenantSettings(), LOCATIONS, "acme")
    assert places["SHOP-LOCATION"] == Location("gid://shopify/Location/1", "Shop location")
    assert places["NYC"] == Location("gid://shopify/Location/2", "Red Hook Warehouse")
    for code in ("OLD", "EU"):  # an inactive location is no place to push to
        unmapped = places[code]
        assert isinstance(unmapped, Unmapped)
        assert f"Hub warehouse '{code}'" in unmapped.message and "warehouse_map" in unmapped.message
        assert "tenants set acme" in unmapped.message


def test_the_warehouse_map_wins_and_two_locations_for_one_warehouse_are_refused() -> None:
    settings = TenantSettings().set_path("warehouse_map", '{"Shop location": "EU"}')
    places = warehouse_locations(WAREHOUSES, settings, LOCATIONS, "acme")
    assert places["EU"] == Location("gid://shopify/Location/1", "Shop location")
    assert isinstance(places["SHOP-LOCATION"], Unmapped)
    both = TenantSettings().set_path(
        "warehouse_map", '{"Shop location": "EU", "Red Hook Warehouse": "EU"}'
    )
    refused = warehouse_locations(WAREHOUSES, both, LOCATIONS, "acme")["EU"]
    assert isinstance(refused, Unmapped) and "all map to it" in refused.message


def test_available_is_read_from_the_level_at_the_location() -> None:
    node = {
        "id": "gid://shopify/ProductVariant/5",
        "inventoryItem": {
            "id": "gid://shopify/InventoryItem/6",
            "inventoryLevel": {"quantities": [{"name": "available", "quantity": 4}]},
        },
    }
    assert available_of(node) == ("gid://shopify/InventoryItem/6", 4)
    not_stocked = {**node, "inventoryItem": {"id": "gid://shopify/InventoryItem/6"}}
    assert available_of(not_stocked) == ("gid://shopify/InventoryItem/6", None)
    assert available_of(None) is None and available_of({}) is None


def test_lines_compare_and_set_and_the_key_follows_content_run_and_attempt() -> None:
    line = Line(LEVEL, "gid://shopify/InventoryItem/6", "gid://shopify/Location/2", 3)
    request = set_input([line])
    assert request == {
        "name": "available",
        "reason": "correction",
        "quantities": [
            {
                "inventoryItemId": "gid://shopify/InventoryItem/6",
                "locationId": "gid://shopify/Location/2",
                "quantity": 12,
                "changeFromQuantity": 3,
            }
        ],
    }
    key = idempotency_key(7, 1, request)
    assert key == idempotency_key(7, 1, set_input([line])) and key.startswith("wholesync-")
    reread = set_input([Line(LEVEL, line.item_gid, line.location_gid, 4)])
    assert len({key, idempotency_key(7, 1, reread), idempotency_key(8, 1, request)}) == 3
    assert idempotency_key(7, 2, request) != key


def test_user_errors_tell_stale_lines_from_bad_ones() -> None:
    def stale(index: int) -> dict[str, object]:
        return {
            "field": ["input", "quantities", str(index), "changeFromQuantity"],
            "message": "The changeFromQuantity argument no longer matches the persisted quantity.",
            "code": "CHANGE_FROM_QUANTITY_STALE",
        }

    assert stale_indexes([stale(0), stale(3)]) == {0, 3}
    missing = {
        "field": ["input", "quantities", "1", "inventoryItemId"],
        "message": "The specified inventory item could not be found.",
        "code": "INVALID_INVENTORY_ITEM",
    }
    assert stale_indexes([stale(0), missing]) is None
    assert line_errors([missing], 2) == {1: "The specified inventory item could not be found."}
    whole = {"field": ["input", "reason"], "message": "bad reason", "code": "INVALID_REASON"}
    assert line_errors([whole, missing], 2) == {
        None: "bad reason",
        1: "The specified inventory item could not be found.",
    }
