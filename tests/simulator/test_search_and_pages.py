"""The search syntax and the cursor pager, without a server."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLError
from hypothesis import given
from hypothesis import strategies as st

from wholesync.simulator.api.pagination import MAX_PAGE, connection
from wholesync.simulator.api.search import matches, parse

FIELDS = {
    "tag": lambda r: r["tags"],
    "sku": lambda r: [r["sku"]],
    "updated_at": lambda r: [r["updatedAt"]],
    "title": lambda r: [r["title"]],
}
RECORD = {
    "tags": ["wholesync", "Prebook: True"],
    "sku": "HLS-NAV-M",
    "updatedAt": "2026-05-01T10:00:00Z",
    "title": "Harbor Linen Shirt",
}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tag:wholesync", True),
        ("tag:WHOLESYNC", True),
        ("-tag:wholesync", False),
        ("NOT tag:wholesync", False),
        ("tag:other OR sku:hls-nav-m", True),
        ("tag:other AND sku:hls-nav-m", False),
        ("(tag:other OR tag:wholesync) sku:HLS-NAV-M", True),
        ("updated_at:>2026-04-30", True),
        ("updated_at:>'2026-05-01T10:00:00Z'", False),
        ("updated_at:>=2026-05-01T10:00:00Z", True),
        ("sku:HLS-*", True),
        ('tag:"Prebook: True"', True),
        ("linen", True),
        ("cotton", False),
        ("colour:red", False),
        ("", True),
    ],
)
def test_search_syntax(query: str, expected: bool) -> None:
    assert matches(parse(query), RECORD, FIELDS, default_fields=("title", "sku")) is expected


def _items(count: int) -> list[dict[str, Any]]:
    return [{"n": n} for n in range(1, count + 1)]


@given(count=st.integers(0, 60), size=st.integers(1, 25), reverse=st.booleans())
def test_paging_forward_visits_every_item_once(count: int, size: int, reverse: bool) -> None:
    items = _items(count)
    seen: list[int] = []
    after = None
    while True:
        page = connection(
            items, {"first": size, "after": after, "reverse": reverse}, lambda r: r["n"]
        )
        seen += [node["n"] for node in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    expected = [item["n"] for item in items]
    assert seen == (expected[::-1] if reverse else expected)


@given(count=st.integers(1, 60), size=st.integers(1, 25))
def test_paging_backward_visits_every_item_once(count: int, size: int) -> None:
    items = _items(count)
    seen: list[int] = []
    before = None
    while True:
        page = connection(items, {"last": size, "before": before}, lambda r: r["n"])
        seen = [node["n"] for node in page["nodes"]] + seen
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert seen == [item["n"] for item in items]


def test_page_size_is_bounded_and_required() -> None:
    with pytest.raises(GraphQLError, match="250"):
        connection(_items(3), {"first": MAX_PAGE + 1}, lambda r: r["n"])
    with pytest.raises(GraphQLError, match="first or last"):
        connection(_items(3), {}, lambda r: r["n"])
    with pytest.raises(GraphQLError, match="cursor"):
        connection(_items(3), {"first": 1, "after": "not-a-cursor"}, lambda r: r["n"])
