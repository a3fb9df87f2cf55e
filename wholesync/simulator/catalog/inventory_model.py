"""Inventory levels as records, and the one place quantities change.

Shopify's states nest: ``on_hand`` is ``available`` plus the units set aside (committed,
reserved, damaged, quality control, safety stock). Setting ``available`` moves ``on_hand`` by
the same delta and setting ``on_hand`` moves ``available``, so the two never disagree.
"""

from __future__ import annotations

from typing import Any

from wholesync.simulator.ids import gid
from wholesync.simulator.store import Record, Shop

SET_ASIDE = ("committed", "reserved", "damaged", "quality_control", "safety_stock")


def level_gid(item: int, location: int) -> str:
    return f"gid://shopify/InventoryLevel/{location}?inventory_item_id={item}"


def parse_level_gid(value: str) -> tuple[int, int] | None:
    """``(item, location)`` from an InventoryLevel gid, or ``None``."""
    prefix = "gid://shopify/InventoryLevel/"
    if not isinstance(value, str) or not value.startswith(prefix):
        return None
    location, _, query = value[len(prefix) :].partition("?inventory_item_id=")
    if not location.isdigit() or not query.isdigit():
        return None
    return int(query), int(location)


def level_record(shop: Shop, item: int, location: int) -> Record | None:
    """The InventoryLevel of ``item`` at ``location``, when the item is stocked there."""
    if (item, location) not in shop.inventory_levels:
        return None
    item_record = shop.inventory_items.get(item)
    if item_record is None or location not in shop.locations:
        return None
    updated = item_record.get("_level_updated", {}).get(location, item_record["updatedAt"])
    return {
        "__typename": "InventoryLevel",
        "id": level_gid(item, location),
        "isActive": True,
        "canDeactivate": True,
        "createdAt": item_record["createdAt"],
        "updatedAt": updated,
        "_item": item,
        "_location": location,
    }


def set_quantity(
    shop: Shop, item: int, location: int, name: str, value: int
) -> list[dict[str, Any]]:
    """Set one quantity and keep ``available``/``on_hand`` consistent; returns the changes
    as ``{"name", "delta", "quantityAfterChange"}`` entries (zero deltas left out)."""
    level = shop.ensure_level(item, location)
    delta = value - level.get(name, 0)
    if delta == 0:
        return []
    names = [name]
    if name == "available":
        names.append("on_hand")
    elif name == "on_hand":
        names.append("available")
    elif name in SET_ASIDE:
        names.append("on_hand")
    changes = []
    for changed in names:
        level[changed] = level.get(changed, 0) + delta
        changes.append({"name": changed, "delta": delta, "quantityAfterChange": level[changed]})
    item_record = shop.inventory_items.get(item)
    if item_record is not None:
        item_record.setdefault("_level_updated", {})[location] = shop.now()
    return changes


def level_payload(shop: Shop, level: Record) -> dict[str, Any]:
    """The ``inventory_levels/update`` body (REST InventoryLevel)."""
    quantities = shop.inventory_levels.get((level["_item"], level["_location"]), {})
    return {
        "inventory_item_id": level["_item"],
        "location_id": level["_location"],
        "available": quantities.get("available", 0),
        "updated_at": level["updatedAt"],
        "admin_graphql_api_id": level["id"],
    }


def location_gid(number: int) -> str:
    return gid("Location", number)
