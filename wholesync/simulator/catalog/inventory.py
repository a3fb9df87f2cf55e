"""Locations, inventory items and levels: roots, type fields, webhook bodies, the merchant's
stock action and the ``inventory`` listing. ``inventorySetQuantities`` is in
``inventory_set``."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo
from pydantic import BaseModel, Field, model_validator

from wholesync.simulator.api.pagination import connection, count_payload
from wholesync.simulator.api.search import FieldGetter, matches, parse
from wholesync.simulator.catalog.inventory_model import level_payload, level_record, set_quantity
from wholesync.simulator.control import ControlError, inspector, merchant_action
from wholesync.simulator.ids import gid, parse_gid
from wholesync.simulator.registry import (
    Context,
    ctx,
    node_table,
    relation,
    resolves,
    root_record,
    webhook_payload,
)
from wholesync.simulator.store import QUANTITY_NAMES, Record, Shop


def _number(record: Record) -> int:
    return int(record["id"].split("?", 1)[0].rsplit("/", 1)[1])


def _shop(info: GraphQLResolveInfo) -> Shop:
    return ctx(info).shop


node_table("Location", lambda shop: shop.locations)
node_table("InventoryItem", lambda shop: shop.inventory_items)
root_record("inventoryItem", "InventoryItem")


def _levels_of_item(shop: Shop, item: int, include_inactive: bool = False) -> list[Record]:
    levels = []
    for location, record in shop.locations.items():
        if record["isActive"] or include_inactive:
            level = level_record(shop, item, location)
            if level is not None:
                levels.append(level)
    return levels


# Roots -----------------------------------------------------------------------------------

LOCATION_FIELDS: dict[str, FieldGetter] = {
    "name": lambda r: [r["name"]],
    "id": lambda r: [_number(r)],
    "active": lambda r: [str(r["isActive"]).lower()],
    "city": lambda r: [r["address"]["city"]],
    "country": lambda r: [r["address"]["countryCode"]],
}


@resolves("QueryRoot", "location")
def resolve_location(_: Any, info: GraphQLResolveInfo, id: str | None = None) -> Record | None:
    shop = _shop(info)
    if id is None:
        return next(iter(shop.locations.values()), None)
    parsed = parse_gid(id)
    return shop.locations.get(parsed[1]) if parsed and parsed[0] == "Location" else None


@resolves("QueryRoot", "locations")
def resolve_locations(_: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    shop = _shop(info)
    node = parse(args.get("query") or "")
    found = [
        r
        for r in shop.locations.values()
        if (r["isActive"] or args.get("includeInactive")) and matches(node, r, LOCATION_FIELDS)
    ]
    if (args.get("sortKey") or "NAME") == "NAME":
        found.sort(key=lambda r: (r["name"].lower(), _number(r)))
        return connection(found, args, _number, lambda r: r["name"])
    return connection(found, args, _number)


def item_search_fields(shop: Shop) -> dict[str, FieldGetter]:
    return {
        "sku": lambda r: [r["sku"]],
        "id": lambda r: [_number(r)],
        "updated_at": lambda r: [r["updatedAt"]],
        "created_at": lambda r: [r["createdAt"]],
        "tracked": lambda r: [str(r["tracked"]).lower()],
        "variant_id": lambda r: [r["_variant"]],
    }


@resolves("QueryRoot", "inventoryItems")
def resolve_items(_: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    shop = _shop(info)
    node = parse(args.get("query") or "")
    fields = item_search_fields(shop)
    found = [r for r in shop.inventory_items.values() if matches(node, r, fields, ("sku",))]
    return connection(found, args, _number)


# InventoryItem ---------------------------------------------------------------------------


@resolves("InventoryItem", "inventoryLevels")
def item_levels(item: Record, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    levels = _levels_of_item(_shop(info), _number(item), bool(args.get("includeInactive")))
    return connection(levels, args, lambda level: level["_location"])


@resolves("InventoryItem", "inventoryLevel")
def item_level(item: Record, info: GraphQLResolveInfo, locationId: str, **_: Any) -> Any:
    parsed = parse_gid(locationId)
    if parsed is None or parsed[0] != "Location":
        return None
    return level_record(_shop(info), _number(item), parsed[1])


@resolves("InventoryItem", "locationsCount")
def item_locations_count(item: Record, info: GraphQLResolveInfo) -> dict[str, Any]:
    return count_payload(len(_levels_of_item(_shop(info), _number(item))))


@resolves("InventoryItem", "measurement")
def item_measurement(item: Record, info: GraphQLResolveInfo) -> dict[str, Any]:
    return {"id": gid("InventoryItemMeasurement", _number(item)), "weight": dict(item["_weight"])}


@resolves("InventoryItem", "unitCost")
def item_unit_cost(item: Record, info: GraphQLResolveInfo) -> dict[str, Any] | None:
    cost = item.get("_cost")
    if cost is None:
        return None
    return {"amount": str(float(cost)), "currencyCode": _shop(info).currency}


relation("InventoryItem", "variant", lambda shop: shop.variants, "_variant")


@resolves("InventoryItem", "variants")
def item_variants(item: Record, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    variant = _shop(info).variants.get(item["_variant"])
    return connection([variant] if variant else [], args, _number)


# InventoryLevel and Location -------------------------------------------------------------


relation("InventoryLevel", "item", lambda shop: shop.inventory_items, "_item")
relation("InventoryLevel", "location", lambda shop: shop.locations, "_location")


@resolves("InventoryLevel", "quantities")
def level_quantities(level: Record, info: GraphQLResolveInfo, names: list[str]) -> list[Record]:
    values = _shop(info).inventory_levels.get((level["_item"], level["_location"]), {})
    base = level["id"].replace("InventoryLevel", "InventoryQuantity", 1)
    return [
        {
            "__typename": "InventoryQuantity",
            "id": f"{base}&name={name}",
            "name": name,
            "quantity": values.get(name, 0),
            "updatedAt": None,
        }
        for name in names
        if name in QUANTITY_NAMES
    ]


@resolves("Location", "inventoryLevels")
def location_levels(location: Record, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    shop = _shop(info)
    number = _number(location)
    levels = [
        level
        for item in shop.inventory_items
        if (level := level_record(shop, item, number)) is not None
    ]
    return connection(levels, args, lambda level: level["_item"])


@resolves("Location", "inventoryLevel")
def location_level(
    location: Record, info: GraphQLResolveInfo, inventoryItemId: str, **_: Any
) -> Any:
    parsed = parse_gid(inventoryItemId)
    if parsed is None or parsed[0] != "InventoryItem":
        return None
    return level_record(_shop(info), parsed[1], _number(location))


# Webhooks --------------------------------------------------------------------------------


@webhook_payload("inventory_levels/update")
def inventory_level_payload(shop: Shop, level: Record) -> dict[str, Any]:
    return level_payload(shop, level)


@webhook_payload("inventory_items/update")
def inventory_item_payload(shop: Shop, item: Record) -> dict[str, Any]:
    weight = item["_weight"]
    return {
        "id": _number(item),
        "sku": item["sku"],
        "created_at": item["createdAt"],
        "updated_at": item["updatedAt"],
        "requires_shipping": item["requiresShipping"],
        "cost": item.get("_cost"),
        "country_code_of_origin": item["countryCodeOfOrigin"],
        "province_code_of_origin": item["provinceCodeOfOrigin"],
        "harmonized_system_code": item["harmonizedSystemCode"],
        "tracked": item["tracked"],
        "country_harmonized_system_codes": [],
        "weight_value": weight["value"],
        "weight_unit": {"KILOGRAMS": "kg", "GRAMS": "g", "POUNDS": "lb", "OUNCES": "oz"}.get(
            weight["unit"], "kg"
        ),
        "admin_graphql_api_id": item["id"],
    }


# Merchant action and listing -------------------------------------------------------------


class StockChange(BaseModel):
    """Body of ``POST /inventory``: which item, where, and one kind of change."""

    model_config = {"extra": "forbid"}
    inventoryItemId: str | None = None
    sku: str | None = None
    locationId: str | None = None
    location: str | None = Field(None, description="a location name")
    available: int | None = None
    delta: int | None = None
    on_hand: int | None = None
    incoming: int | None = None

    @model_validator(mode="after")
    def _one_change(self) -> StockChange:
        given = [
            n for n in ("available", "delta", "on_hand", "incoming") if getattr(self, n) is not None
        ]
        if len(given) != 1:
            raise ValueError("give exactly one of available, delta, on_hand, incoming")
        if (self.inventoryItemId is None) == (self.sku is None):
            raise ValueError("give exactly one of inventoryItemId, sku")
        return self


def _by_gid(table: dict[int, Record], type_name: str, value: str, code: str, noun: str) -> int:
    parsed = parse_gid(value)
    if parsed and parsed[0] == type_name and parsed[1] in table:
        return parsed[1]
    raise ControlError(404, code, f"No {noun} {value!r}.")


def _find_item(shop: Shop, change: StockChange) -> int:
    if change.inventoryItemId is not None:
        return _by_gid(
            shop.inventory_items,
            "InventoryItem",
            change.inventoryItemId,
            "ITEM_NOT_FOUND",
            "inventory item",
        )
    for number, item in shop.inventory_items.items():
        if item["sku"] == change.sku:
            return number
    raise ControlError(404, "ITEM_NOT_FOUND", f"No inventory item with SKU {change.sku!r}.")


def _find_location(shop: Shop, change: StockChange) -> int:
    if change.locationId is not None:
        return _by_gid(
            shop.locations, "Location", change.locationId, "LOCATION_NOT_FOUND", "location"
        )
    for number, location in shop.locations.items():
        if change.location is None or location["name"] == change.location:
            return number
    raise ControlError(404, "LOCATION_NOT_FOUND", f"No location named {change.location!r}.")


@merchant_action("POST", "/inventory")
def change_stock(context: Context, params: dict[str, str], body: dict[str, Any]) -> Any:
    """Set or adjust stock as the merchant would; emits ``inventory_levels/update``."""
    shop, change = context.shop, StockChange.model_validate(body)
    item, location = _find_item(shop, change), _find_location(shop, change)
    current = shop.ensure_level(item, location)
    if change.delta is not None:
        set_quantity(shop, item, location, "available", current["available"] + change.delta)
    elif change.available is not None:
        set_quantity(shop, item, location, "available", change.available)
    elif change.on_hand is not None:
        set_quantity(shop, item, location, "on_hand", change.on_hand)
    elif change.incoming is not None:
        set_quantity(shop, item, location, "incoming", change.incoming)
    level = level_record(shop, item, location)
    assert level is not None
    context.emit("inventory_levels/update", level)
    return {
        "inventoryItemId": gid("InventoryItem", item),
        "locationId": gid("Location", location),
        "quantities": dict(shop.inventory_levels[(item, location)]),
    }


@inspector("inventory")
def list_inventory(shop: Shop) -> list[dict[str, Any]]:
    """One row per stocked (item, location) with every quantity."""
    rows = []
    for (item, location), quantities in shop.inventory_levels.items():
        item_record = shop.inventory_items.get(item)
        location_record = shop.locations.get(location)
        if item_record is None or location_record is None:
            continue
        rows.append(
            {
                "sku": item_record["sku"],
                "inventoryItemId": item_record["id"],
                "locationId": location_record["id"],
                "location": location_record["name"],
                "quantities": dict(quantities),
            }
        )
    return rows
