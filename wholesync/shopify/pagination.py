"""Cursor pagination: follow ``pageInfo.endCursor`` until ``hasNextPage`` is false.

Documents taking part declare ``$first: Int`` and ``$after: String`` and select
``pageInfo { hasNextPage endCursor }`` on the connection they page through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from wholesync.shopify import operations
from wholesync.shopify.errors import InvalidQueryError
from wholesync.shopify.operations import Operation

PAGE_SIZE = 250  # Shopify's largest page

Execute = Callable[[str | Operation, Mapping[str, Any] | None], dict[str, Any]]


def connection_at(data: Mapping[str, Any], path: Sequence[str], operation: str) -> Any:
    """The value at ``path`` in ``data``; None if an object on the way is null."""
    value: Any = data
    for step in path:
        if value is None:
            return None
        if not isinstance(value, Mapping) or step not in value:
            raise InvalidQueryError(
                f"{operation} has no connection at {'.'.join(path)}.",
                fix="Pass the path of field names from the root to the connection.",
            )
        value = value[step]
    return value


def page_nodes(connection: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The nodes of one page, selected as ``nodes`` or as ``edges { node }``."""
    nodes = connection.get("nodes")
    if isinstance(nodes, list):
        return nodes
    return [edge["node"] for edge in connection.get("edges") or [] if edge.get("node")]


def paginate(
    execute: Execute,
    operation: str | Operation,
    variables: Mapping[str, Any] | None,
    connection_path: Sequence[str],
) -> Iterator[dict[str, Any]]:
    """Yield every node of the connection. Pages hold 250 nodes unless the caller passes
    ``first`` or the document gives ``$first`` a default (costly nodes need small pages)."""
    document = operations.load(operation) if isinstance(operation, str) else operation
    name = document.name
    asked: dict[str, Any] = {} if "first" in document.defaults else {"first": PAGE_SIZE}
    asked.update(variables or {})
    while True:
        data = execute(document, asked)
        connection = connection_at(data, connection_path, name)
        if connection is None:
            return
        yield from page_nodes(connection)
        page = connection.get("pageInfo")
        if not isinstance(page, Mapping):
            raise InvalidQueryError(
                f"{name} does not select pageInfo on {'.'.join(connection_path)}.",
                fix="Select pageInfo { hasNextPage endCursor } on the connection.",
            )
        if not page.get("hasNextPage"):
            return
        cursor = page.get("endCursor")
        if not cursor:
            raise InvalidQueryError(
                f"{name} has a next page but no endCursor.",
                fix="Select pageInfo { hasNextPage endCursor } on the connection.",
            )
        asked = {**asked, "after": cursor}
