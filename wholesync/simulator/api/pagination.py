"""Relay connections the way Shopify pages them: opaque cursors, 250 items at most."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any

import orjson
from graphql import GraphQLError

MAX_PAGE = 250

Slicer = Callable[
    [
        Sequence[dict[str, Any]],
        dict[str, Any],
        Callable[[dict[str, Any]], int],
        Callable[[dict[str, Any]], Any] | None,
    ],
    dict[str, Any],
]
# Bulk operations read whole connections, whatever the paging arguments: they set this to a
# slicer that replaces the paging below for the thread running the export.
OVERRIDE: ContextVar[Slicer | None] = ContextVar("connection_override", default=None)


def encode_cursor(last_id: int, last_value: Any) -> str:
    payload = orjson.dumps({"last_id": last_id, "last_value": str(last_value)})
    return base64.b64encode(payload).decode()


def decode_cursor(cursor: str) -> int:
    try:
        return int(orjson.loads(base64.b64decode(cursor, validate=True))["last_id"])
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError) as exc:
        raise GraphQLError("Invalid cursor for current pagination sort.") from exc


def connection(
    items: Sequence[dict[str, Any]],
    args: dict[str, Any],
    number: Callable[[dict[str, Any]], int],
    sort_value: Callable[[dict[str, Any]], Any] | None = None,
) -> dict[str, Any]:
    """Slice ``items`` (already filtered and sorted) into a connection dict."""
    override = OVERRIDE.get()
    if override is not None:
        return override(items, args, number, sort_value)
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise GraphQLError(
            "you must provide one of first or last",
            extensions={"code": "BAD_REQUEST"},
        )
    for name, value in (("first", first), ("last", last)):
        if value is not None and value > MAX_PAGE:
            raise GraphQLError(
                f"The value of {name} ({value}) is greater than the maximum of {MAX_PAGE}",
                extensions={"code": "BAD_REQUEST"},
            )
    ordered = list(reversed(items)) if args.get("reverse") else list(items)
    start, end = 0, len(ordered)
    after, before = args.get("after"), args.get("before")
    positions = {number(item): index for index, item in enumerate(ordered)}
    if after is not None:
        start = positions.get(decode_cursor(after), -1) + 1
    if before is not None:
        end = positions.get(decode_cursor(before), end)
    window = ordered[start:end]
    has_next = has_previous = False
    if first is not None:
        has_next = len(window) > first or end < len(ordered)
        window = window[:first]
        has_previous = start > 0
    if last is not None:
        has_previous = len(window) > last or start > 0
        window = window[-last:] if last else []
        has_next = has_next or end < len(ordered)
    value_of = sort_value or number

    def cursor(item: dict[str, Any]) -> str:
        return encode_cursor(number(item), value_of(item))

    edges = [{"cursor": cursor(item), "node": item} for item in window]
    return {
        "edges": edges,
        "nodes": window,
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def count_payload(total: int, limit: int | None = None) -> dict[str, Any]:
    """A ``Count``: exactly ``total``, or at least ``limit`` when ``total`` exceeds it."""
    if limit is not None and total > limit:
        return {"count": limit, "precision": "AT_LEAST"}
    return {"count": total, "precision": "EXACT"}
