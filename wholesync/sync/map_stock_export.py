"""F7 map: pure decisions of the stock export, no I/O.

Which Shopify location a hub warehouse stands for (the reverse of the location -> warehouse
mapping that F3 uses), the ``inventorySetQuantities`` lines of a batch with the quantities
read as ``changeFromQuantity``, the idempotency key of a request, and what Shopify's
userErrors mean.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wholesync.sync.errors import render
from wholesync.sync.settings import TenantSettings

# Shopify takes at most 250 items in one input array.
MAX_LINES = 250
QUANTITY_NAME = "available"
REASON = "correction"
STALE = "CHANGE_FROM_QUANTITY_STALE"


@dataclass(frozen=True)
class Location:
    gid: str
    name: str


@dataclass(frozen=True)
class Level:
    """One hub ATS level to push: its quantity and the quantity last set in Shopify."""

    level_id: int
    variant_id: int
    upc: str
    warehouse: str
    quantity: int
    pushed: int | None

    @property
    def key(self) -> str:
        return f"{self.upc}@{self.warehouse}"


@dataclass(frozen=True)
class Line:
    """A level ready to write: its inventory item and the quantity Shopify has now."""

    level: Level
    item_gid: str
    location_gid: str
    current: int


@dataclass(frozen=True)
class Unmapped:
    """Why a warehouse has no location: the fix-it message of WAREHOUSE_UNMAPPED."""

    message: str


def warehouse_locations(
    warehouses: Mapping[str, tuple[str, str | None]],
    settings: TenantSettings,
    locations: Iterable[Mapping[str, Any]],
    tenant: str,
) -> dict[str, Location | Unmapped]:
    """Hub warehouse code -> its Shopify location, for ``warehouses`` (code -> (name, the
    location GID stored on it)). A location belongs to the warehouse ``warehouse_map`` names
    for it (by GID or name), else to the warehouse of its name or GID, as F3 maps stock in.
    A warehouse no active location maps to, or two do, is unmapped: never guessed."""
    by_name: dict[str, str] = {}
    for code, (name, gid) in warehouses.items():
        by_name.setdefault(name, code)
        if gid:
            by_name[gid] = code
    mapping = settings.warehouse_map
    found: dict[str, list[Location]] = {}
    for node in locations:
        gid, name = _text(node, "id"), _text(node, "name")
        if not gid or node.get("isActive") is False:
            continue
        mapped = mapping.get(gid) or mapping.get(name) or by_name.get(gid) or by_name.get(name)
        if mapped is not None:
            found.setdefault(mapped, []).append(Location(gid, name))
    result: dict[str, Location | Unmapped] = {}
    for code, (name, _) in warehouses.items():
        places = found.get(code, [])
        if len(places) == 1:
            result[code] = places[0]
            continue
        detail = (
            "no active Shopify location maps to it"
            if not places
            else "locations " + ", ".join(repr(p.name) for p in places) + " all map to it"
        )
        result[code] = Unmapped(
            render("WAREHOUSE_NO_LOCATION", warehouse=code, name=name, detail=detail, tenant=tenant)
        )
    return result


def available_of(node: Any) -> tuple[str, int | None] | None:
    """(inventory item GID, its ``available`` quantity at the location read, or None when the
    item is not stocked there) from a ``stock_export_read`` node; None for a missing variant.
    A quantity that is not a whole number counts as 0: the write compares against what was
    read, so a wrong reading is refused as stale by Shopify and never overwrites stock."""
    if not _text(node, "id"):
        return None
    item = node.get("inventoryItem")
    item_gid = _text(item, "id")
    if not item_gid:
        return None
    level = item.get("inventoryLevel")
    if not isinstance(level, Mapping):
        return item_gid, None
    quantities = level.get("quantities")
    listed = quantities if isinstance(quantities, list) else []
    amount = sum(
        _whole(q.get("quantity"))
        for q in listed
        if isinstance(q, Mapping) and q.get("name") == QUANTITY_NAME
    )
    return item_gid, amount


def _text(node: Any, key: str) -> str:
    """``node[key]`` when it is a non-empty string, else ""."""
    value = node.get(key) if isinstance(node, Mapping) else None
    return value if isinstance(value, str) else ""


def _whole(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def set_input(lines: Sequence[Line]) -> dict[str, Any]:
    """The ``inventorySetQuantities`` input: each line set to the hub's quantity, compared
    against the quantity just read."""
    return {
        "name": QUANTITY_NAME,
        "reason": REASON,
        "quantities": [
            {
                "inventoryItemId": line.item_gid,
                "locationId": line.location_gid,
                "quantity": line.level.quantity,
                "changeFromQuantity": line.current,
            }
            for line in lines
        ],
    }


def idempotency_key(run_id: int | None, attempt: int, request: Mapping[str, Any]) -> str:
    """A key derived from the request's content, the run and the attempt: a resent identical
    request is applied once, while the same change asked for again later (another attempt,
    another run) is a new request."""
    digest = hashlib.sha256(repr((run_id, attempt, _canonical(request))).encode()).hexdigest()
    return f"wholesync-stock-{digest[:40]}"


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((k, _canonical(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_canonical(v) for v in value)
    return value


def stale_indexes(errors: Sequence[Any]) -> set[int] | None:
    """The line indexes Shopify refused because their stock changed since it was read; None
    when any error is something else (the request cannot succeed by reading again)."""
    found: set[int] = set()
    for error in errors:
        index = _line_index(error)
        if index is None or error.get("code") != STALE:
            return None
        found.add(index)
    return found


def line_errors(errors: Sequence[Any], count: int) -> dict[int | None, str]:
    """Shopify's userErrors by the line index they name (None: the whole request)."""
    found: dict[int | None, list[str]] = {}
    for error in errors:
        index = _line_index(error)
        if index is not None and index >= count:
            index = None
        said = (error.get("message") or error.get("code")) if isinstance(error, Mapping) else error
        found.setdefault(index, []).append(str(said or "refused"))
    return {index: "; ".join(texts) for index, texts in found.items()}


def _line_index(error: Any) -> int | None:
    """The line a userError names (``field`` ``["input", "quantities", "3", ...]``)."""
    field = error.get("field") if isinstance(error, Mapping) else None
    if not isinstance(field, list) or len(field) < 3:
        return None
    # A few ASCII digits: int() refuses digits such as "²" that isdigit accepts, and very
    # long numbers; no request has a billion lines.
    part = str(field[2])
    return int(part) if len(part) < 10 and part.isascii() and part.isdecimal() else None


def from_to(level: Level, current: int | None) -> dict[str, list[Any]]:
    """The preview diff of one level: Shopify's quantity now -> the hub's."""
    return {QUANTITY_NAME: [current, level.quantity]}
