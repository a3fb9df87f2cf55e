"""``inventorySetQuantities`` as Shopify serves it from 2026-04: the ``@idempotent`` key is
required on the field, every quantity line names ``changeFromQuantity`` (a number for
compare-and-set, or an explicit null to skip it), and a replayed key answers the first result
again without applying anything twice."""

from __future__ import annotations

from typing import Any

import orjson
from graphql import GraphQLError, GraphQLResolveInfo, GraphQLString, value_from_ast

from wholesync.simulator.api.errors import user_error
from wholesync.simulator.catalog.inventory_model import level_record, set_quantity
from wholesync.simulator.ids import gid, gid_number, parse_gid
from wholesync.simulator.registry import ctx, relation, resolves
from wholesync.simulator.store import Record, Shop

MAX_QUANTITY = 1_000_000_000
CHANGE_ORDER = {"available": 0, "on_hand": 1}
REASONS = (
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_canceled",
    "movement_created",
    "movement_received",
    "movement_updated",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
)
MISSING_KEY = "The @idempotent directive is required for this mutation but was not provided."
BLANK_KEY = "The idempotency key cannot be an empty string or whitespace only."
MISSING_CHANGE_FROM = (
    "InventoryQuantityInput must include the following argument: changeFromQuantity."
)


def idempotency_key(info: GraphQLResolveInfo) -> str:
    """The ``@idempotent(key:)`` given on this field, or Shopify's BAD_REQUEST error."""
    for directive in info.field_nodes[0].directives:
        if directive.name.value != "idempotent":
            continue
        for argument in directive.arguments:
            if argument.name.value == "key":
                key = value_from_ast(argument.value, GraphQLString, info.variable_values)
                if not isinstance(key, str) or not key.strip():
                    raise GraphQLError(BLANK_KEY, extensions={"code": "BAD_REQUEST"})
                return key
    raise GraphQLError(MISSING_KEY, extensions={"code": "BAD_REQUEST"})


def _known(value: str) -> int:
    """The number of a gid the validation above already found."""
    number = gid_number(value)
    assert number is not None
    return number


def _payload(errors: list[dict[str, Any]], group: Record | None = None) -> dict[str, Any]:
    return {"inventoryAdjustmentGroup": group, "userErrors": errors}


def _line_errors(shop: Shop, name: str, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    pairs = [(line["inventoryItemId"], line["locationId"]) for line in lines]
    for index, line in enumerate(lines):
        path = ["input", "quantities", str(index)]
        item, location = parse_gid(line["inventoryItemId"]), parse_gid(line["locationId"])
        quantity = line["quantity"]
        if item is None or item[0] != "InventoryItem" or item[1] not in shop.inventory_items:
            errors.append(
                user_error(
                    [*path, "inventoryItemId"],
                    "The specified inventory item could not be found.",
                    "INVALID_INVENTORY_ITEM",
                )
            )
        elif location is None or location[0] != "Location" or location[1] not in shop.locations:
            errors.append(
                user_error(
                    [*path, "locationId"],
                    "The specified location could not be found.",
                    "INVALID_LOCATION",
                )
            )
        elif (item[1], location[1]) not in shop.inventory_levels:
            errors.append(
                user_error(
                    [*path, "locationId"],
                    "The specified inventory item is not stocked at the location.",
                    "ITEM_NOT_STOCKED_AT_LOCATION",
                )
            )
        if pairs.count((line["inventoryItemId"], line["locationId"])) > 1:
            errors.append(
                user_error(
                    [*path, "locationId"],
                    "The combination of inventoryItemId and locationId must be unique.",
                    "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
                )
            )
        if quantity > MAX_QUANTITY:
            errors.append(
                user_error(
                    [*path, "quantity"],
                    "The quantity can't be higher than 1,000,000,000.",
                    "INVALID_QUANTITY_TOO_HIGH",
                )
            )
        elif quantity < -MAX_QUANTITY:
            errors.append(
                user_error(
                    [*path, "quantity"],
                    "The quantity can't be lower than -1,000,000,000.",
                    "INVALID_QUANTITY_TOO_LOW",
                )
            )
        elif quantity < 0 and name == "on_hand":
            errors.append(
                user_error(
                    [*path, "quantity"],
                    "The quantity can't be negative.",
                    "INVALID_QUANTITY_NEGATIVE",
                )
            )
    return errors


def _stale_errors(shop: Shop, name: str, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    errors = []
    for index, line in enumerate(lines):
        expected = line["changeFromQuantity"]
        if expected is None:
            continue
        key = (_known(line["inventoryItemId"]), _known(line["locationId"]))
        if shop.inventory_levels[key].get(name, 0) != expected:
            errors.append(
                user_error(
                    ["input", "quantities", str(index), "changeFromQuantity"],
                    "The changeFromQuantity argument no longer matches the persisted quantity.",
                    "CHANGE_FROM_QUANTITY_STALE",
                )
            )
    return errors


def _apply(info: GraphQLResolveInfo, data: dict[str, Any]) -> dict[str, Any]:
    context = ctx(info)
    shop = context.shop
    name, lines = data["name"], data["quantities"]
    if name not in ("available", "on_hand"):
        return _payload(
            [
                user_error(
                    ["input", "name"],
                    "The quantity name must be either 'available' or 'on_hand'.",
                    "INVALID_NAME",
                )
            ]
        )
    if data["reason"] not in REASONS:
        message = "The specified reason is invalid. Valid values are: " + ", ".join(REASONS) + "."
        return _payload([user_error(["input", "reason"], message, "INVALID_REASON")])
    errors = _line_errors(shop, name, lines) or _stale_errors(shop, name, lines)
    if errors:
        return _payload(errors)
    changes: list[dict[str, Any]] = []
    touched: list[tuple[int, int]] = []
    for line in lines:
        item, location = _known(line["inventoryItemId"]), _known(line["locationId"])
        for change in set_quantity(shop, item, location, name, line["quantity"]):
            changes.append(
                change
                | {"quantityAfterChange": None, "ledgerDocumentUri": None, "_item": item}
                | {"_location": location}
            )
        touched.append((item, location))
    # Shopify lists every ``available`` change first, then every ``on_hand`` change.
    changes.sort(key=lambda c: CHANGE_ORDER.get(c["name"], len(CHANGE_ORDER)))
    for item, location in touched:
        level = level_record(shop, item, location)
        if level is not None:
            context.emit("inventory_levels/update", level)
    group = {
        "__typename": "InventoryAdjustmentGroup",
        "id": gid("InventoryAdjustmentGroup", shop.next_number()),
        "createdAt": shop.now(),
        "reason": data["reason"],
        "referenceDocumentUri": data.get("referenceDocumentUri"),
        "_changes": changes,
    }
    return _payload([], group)


@resolves("Mutation", "inventorySetQuantities")
def inventory_set_quantities(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:
    key = idempotency_key(info)
    if any("changeFromQuantity" not in line for line in input["quantities"]):
        raise GraphQLError(MISSING_CHANGE_FROM, extensions={"code": "INVALID_FIELD_ARGUMENTS"})
    shop = ctx(info).shop
    fingerprint = orjson.dumps(input, option=orjson.OPT_SORT_KEYS)
    stored = shop.idempotency_keys.get(f"inventorySetQuantities:{key}")
    if stored is not None:
        if stored[0] == fingerprint:
            return stored[1]
        return _payload(
            [
                user_error(
                    None,
                    "The same idempotency key cannot be used with different operation parameters.",
                    "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                )
            ]
        )
    result = _apply(info, input)
    shop.idempotency_keys[f"inventorySetQuantities:{key}"] = (fingerprint, result)
    return result


@resolves("InventoryAdjustmentGroup", "changes")
def group_changes(
    group: Record,
    info: GraphQLResolveInfo,
    inventoryItemIds: list[str] | None = None,
    locationIds: list[str] | None = None,
    quantityNames: list[str] | None = None,
) -> list[Record]:
    items = {gid_number(i) for i in inventoryItemIds or []}
    locations = {gid_number(i) for i in locationIds or []}
    return [
        change
        for change in group["_changes"]
        if (not inventoryItemIds or change["_item"] in items)
        and (not locationIds or change["_location"] in locations)
        and (not quantityNames or change["name"] in quantityNames)
    ]


relation("InventoryChange", "item", lambda shop: shop.inventory_items, "_item")
relation("InventoryChange", "location", lambda shop: shop.locations, "_location")
