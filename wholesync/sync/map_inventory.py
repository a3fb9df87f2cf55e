"""F3 mapping: Shopify inventory levels -> StockRecords (or Rejections), one per item and
location.

Pure and deterministic: no I/O. ``inventory_levels.graphql`` returns inventory items, each with
``inventoryLevels`` (``{"nodes": [...]}``; a plain list when rebuilt from
``bulk_inventory.graphql``). :func:`map_inventory_item` maps every level of one item;
:func:`map_inventory_level` maps one level node that carries its item under ``item`` (the shape
of ``InventoryLevel.item`` in GraphQL, and what :func:`levels_of` yields).

Locations become hub warehouses through ``settings.warehouse_map`` (keyed by location name or
GID), else through ``locations``: the hub's known warehouses as ``{key: warehouse code}``,
keyed by warehouse name and, when a warehouse records one, by its Shopify location GID. An
unmapped location is rejected with WAREHOUSE_UNMAPPED, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from wholesync.sync.errors import reject
from wholesync.sync.map_common import (
    MapError,
    legacy_id,
    nodes,
    parse_datetime,
    text,
)
from wholesync.sync.records import Rejection, StockRecord
from wholesync.sync.settings import TenantSettings

KEY_NAMES = {"sku": "SKU", "barcode": "barcode", "variant_id": "variant id"}


def levels_of(item: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Each level of an inventory item node, with the item (without its levels) as ``item``."""
    bare = {k: v for k, v in item.items() if k != "inventoryLevels"}
    for level in nodes(item.get("inventoryLevels")):
        yield {**level, "item": bare}


def map_inventory_item(
    node: Any, settings: TenantSettings, locations: Mapping[str, str]
) -> list[StockRecord | Rejection]:
    """Every level of one inventory item node (an item without levels yields nothing)."""
    if not isinstance(node, Mapping):
        detail = f"An inventory item node must be a JSON object, not {type(node).__name__}."
        return [reject("inventory", None, None, "INVALID_PAYLOAD", detail=detail)]
    return [map_inventory_level(level, settings, locations) for level in levels_of(node)]


def map_inventory_level(
    node: Any, settings: TenantSettings, locations: Mapping[str, str]
) -> StockRecord | Rejection:
    """Map one level node (with its item under ``item``); never raises."""
    if not isinstance(node, Mapping):
        detail = f"An inventory level node must be a JSON object, not {type(node).__name__}."
        return reject("inventory", None, None, "INVALID_PAYLOAD", detail=detail)
    item = node.get("item")
    item_gid = text(item.get("id")) if isinstance(item, Mapping) else None
    try:
        return _map(node, item if isinstance(item, Mapping) else {}, settings, locations)
    except MapError as exc:
        return reject("inventory", item_gid, _key(node), exc.code, **exc.params)
    except Exception as exc:  # one malformed record must never stop a run
        detail = (
            f"Stock of {_key(node)} could not be read ({type(exc).__name__}: {exc}). "
            "It is read again on the next run."
        )
        return reject("inventory", item_gid, _key(node), "INVALID_PAYLOAD", detail=detail)


def _key(node: Mapping[str, Any]) -> str:
    item = node.get("item")
    item = item if isinstance(item, Mapping) else {}
    variant = item.get("variant")
    variant = variant if isinstance(variant, Mapping) else {}
    what = text(variant.get("sku")) or text(item.get("sku")) or text(item.get("id")) or "?"
    location = node.get("location")
    location = location if isinstance(location, Mapping) else {}
    where = text(location.get("name")) or text(location.get("id")) or "?"
    return f"{what} @ {where}"


def _upc(item: Mapping[str, Any], variant: Mapping[str, Any], settings: TenantSettings) -> str:
    key = settings.upc_key
    if key == "sku":
        upc = text(variant.get("sku")) or text(item.get("sku"))
    elif key == "barcode":
        upc = text(variant.get("barcode"))
    else:
        upc = legacy_id(variant)
    if upc is None:
        named = text(variant.get("sku")) or text(variant.get("barcode")) or text(variant.get("id"))
        fix = (
            f"Give the variant a {KEY_NAMES[key]} in Shopify, or match variants on another key "
            "(wholesync tenants set NAME upc_key sku|barcode|variant_id)."
        )
        subject = f"Variant '{named}'" if named else f"Inventory item {text(item.get('id'))}"
        raise MapError("MISSING_REQUIRED_FIELD", subject=subject, field=KEY_NAMES[key], fix=fix)
    return upc


def _warehouse(
    location_gid: str, name: str | None, settings: TenantSettings, locations: Mapping[str, str]
) -> str:
    for table in (settings.warehouse_map, locations):
        for key in (location_gid, name):
            code = table.get(key) if key else None
            if isinstance(code, str) and code:
                return code
    raise MapError("WAREHOUSE_UNMAPPED", location=name or location_gid)


def _quantities(node: Mapping[str, Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    raw = node.get("quantities")
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, Mapping):
            continue
        name, quantity = text(entry.get("name")), entry.get("quantity")
        if name and isinstance(quantity, int) and not isinstance(quantity, bool):
            found.setdefault(name, quantity)
    return found


def _map(
    node: Mapping[str, Any],
    item: Mapping[str, Any],
    settings: TenantSettings,
    locations: Mapping[str, str],
) -> StockRecord:
    item_gid = text(item.get("id"))
    if item_gid is None:
        detail = "An inventory level has no inventory item id; it cannot be synced."
        raise MapError("INVALID_PAYLOAD", detail=detail)
    variant = item.get("variant")
    if not isinstance(variant, Mapping):
        fix = "The item belongs to no variant in Shopify; nothing is synced for it."
        subject = f"Inventory item {item_gid}"
        raise MapError("MISSING_REQUIRED_FIELD", subject=subject, field="variant", fix=fix)
    upc = _upc(item, variant, settings)
    location = node.get("location")
    location = location if isinstance(location, Mapping) else {}
    location_gid, name = text(location.get("id")), text(location.get("name"))
    if location_gid is None:
        detail = f"The stock level of '{upc}' has no location id; it cannot be synced."
        raise MapError("INVALID_PAYLOAD", detail=detail)
    code = _warehouse(location_gid, name, settings, locations)
    quantities = _quantities(node)
    if "available" not in quantities:
        detail = (
            f"The stock level of '{upc}' at '{name or location_gid}' has no 'available' "
            'quantity; select quantities(names: ["available", "incoming"]).'
        )
        raise MapError("INVALID_PAYLOAD", detail=detail)
    return StockRecord(
        inventory_item_gid=item_gid,
        upc=upc,
        location_gid=location_gid,
        warehouse_code=code,
        ats=quantities["available"],
        incoming=quantities.get("incoming", 0),
        updated_at=parse_datetime(node.get("updatedAt")) or parse_datetime(item.get("updatedAt")),
    )
