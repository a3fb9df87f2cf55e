"""How orders move stock: claiming it when an order is placed, releasing it when an order is
fulfilled, cancelled or restocked. Every change is announced as ``inventory_levels/update``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wholesync.simulator.catalog.inventory_model import level_record
from wholesync.simulator.store import Record, Shop

Emit = Callable[[str, dict[str, Any]], None]


def tracked_item(shop: Shop, line: Record) -> int | None:
    """The inventory item whose stock a line moves, if its variant's stock is tracked."""
    variant = shop.variants.get(line["_variant"]) if line["_variant"] else None
    if variant is None:
        return None
    item_number: int = variant["_inventory_item"]
    item = shop.inventory_items.get(item_number)
    return item_number if item is not None and item.get("tracked") else None


def available(shop: Shop, item: int, location: int) -> int:
    level = shop.quantities(item, location)
    return level["available"] if level else 0


def _adjust(shop: Shop, emit: Emit, item: int, location: int, changes: dict[str, int]) -> None:
    level = shop.ensure_level(item, location)
    for name, delta in changes.items():
        level[name] = level.get(name, 0) + delta
    item_record = shop.inventory_items[item]
    item_record.setdefault("_level_updated", {})[location] = shop.now()
    record = level_record(shop, item, location)
    if record is not None:
        emit("inventory_levels/update", record)


def claim(shop: Shop, emit: Emit, line: Record, location: int) -> None:
    """Reserve a placed order's units: available goes down, committed goes up."""
    item = tracked_item(shop, line)
    if item is None:
        return
    quantity = line["quantity"]
    _adjust(shop, emit, item, location, {"available": -quantity, "committed": quantity})
    line["_claimed"] = {"location": location, "committed": quantity}


def ship(shop: Shop, emit: Emit, line: Record, quantity: int) -> None:
    """Units leave the building: committed and on hand both go down."""
    claimed = line["_claimed"]
    item = tracked_item(shop, line)
    if not claimed or item is None:
        return
    moved = min(quantity, claimed["committed"])
    if moved <= 0:
        return
    claimed["committed"] -= moved
    _adjust(shop, emit, item, claimed["location"], {"committed": -moved, "on_hand": -moved})


def unship(shop: Shop, emit: Emit, line: Record, quantity: int) -> None:
    """A cancelled fulfillment puts the units back on hand, committed to the order again."""
    claimed = line["_claimed"]
    item = tracked_item(shop, line)
    if not claimed or item is None or quantity <= 0:
        return
    claimed["committed"] += quantity
    _adjust(shop, emit, item, claimed["location"], {"committed": quantity, "on_hand": quantity})


def restock(shop: Shop, emit: Emit, line: Record) -> None:
    """A cancelled order gives its still-committed units back to available."""
    claimed = line["_claimed"]
    item = tracked_item(shop, line)
    if not claimed or item is None or claimed["committed"] <= 0:
        return
    quantity = claimed["committed"]
    claimed["committed"] = 0
    _adjust(shop, emit, item, claimed["location"], {"available": quantity, "committed": -quantity})
