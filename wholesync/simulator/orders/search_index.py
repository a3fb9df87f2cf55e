"""What ``orders(query:)`` and ``draftOrders(query:)`` see: timed snapshots of each record's
searchable values, so that the search-lag fault shows a write late while lookups see it at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from wholesync.simulator.api import search
from wholesync.simulator.store import Record, Shop

SEARCH_HISTORY_SECONDS = 600.0
Values = dict[str, list[Any]]


def snapshot(shop: Shop, record: Record, values: Values) -> None:
    """Keep a timed snapshot of a record's searchable values, for the search-lag fault."""
    now = shop.clock()
    history: list[tuple[float, Values]] = record["_index"]
    history.append((now, values))
    old = [entry for entry in history if entry[0] < now - SEARCH_HISTORY_SECONDS]
    if len(old) > 1:
        del history[: len(old) - 1]


def visible_values(shop: Shop, record: Record, current: Values) -> Values | None:
    """The values search sees now: the latest snapshot older than the shop's search lag.

    A write made elsewhere (``tagsAdd``) leaves no snapshot; it counts from its ``updatedAt``.
    """
    lag = shop.faults.search_lag
    if not lag:
        return current
    history: list[tuple[float, Values]] = record["_index"]
    if not history or history[-1][1] != current:
        written = datetime.fromisoformat(record["updatedAt"].replace("Z", "+00:00")).timestamp()
        history.append((max(written, history[-1][0] if history else written), current))
    cutoff = shop.clock() - lag
    visible = [values for written, values in history if written <= cutoff]
    return visible[-1] if visible else None


def snapshot_getters(names: Iterable[str]) -> dict[str, search.FieldGetter]:
    """Search getters that read a snapshot's values, one per searchable field."""

    def getter(name: str) -> Callable[[Values], list[Any]]:
        return lambda values: values.get(name, [])

    return {name: getter(name) for name in names}


def search_records(
    shop: Shop,
    records: Iterable[Record],
    query: str | None,
    values_of: Callable[[Record], Values],
    fields: dict[str, search.FieldGetter],
    default_fields: tuple[str, ...],
) -> list[Record]:
    """The records ``query`` matches as the (possibly lagging) search index sees them."""
    node = search.parse(query or "")
    if node is None:
        return list(records)
    found = []
    for record in records:
        values = visible_values(shop, record, values_of(record))
        if values is not None and search.matches(node, values, fields, default_fields):
            found.append(record)
    return found
