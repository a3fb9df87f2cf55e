"""``draftOrders(query:)``: search on tag, status and updated_at, the search-lag fault, sort
keys, cursor paging and cost, over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.simulator.sim_helpers import SimShop, open_shop
from wholesync.simulator.server import RunningSimulator

CREATE = """
mutation Draft($input: DraftOrderInput!) {
  draftOrderCreate(input: $input) { draftOrder { id name updatedAt } userErrors { message } }
}
"""
COMPLETE = """
mutation Complete($id: ID!) { draftOrderComplete(id: $id) { userErrors { message } } }
"""
SEARCH = """
query Drafts($q: String, $first: Int, $after: String, $sort: DraftOrderSortKeys,
             $reverse: Boolean) {
  draftOrders(first: $first, after: $after, query: $q, sortKey: $sort, reverse: $reverse) {
    edges { cursor node { name } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@pytest.fixture
def shop(simulator: RunningSimulator) -> Iterator[SimShop]:
    yield from open_shop(simulator, products=1, customers=1)


def draft(shop: SimShop, tags: list[str], price: str = "10.00") -> dict[str, Any]:
    line = {"title": "Sample", "originalUnitPrice": price, "quantity": 1}
    created = shop.gql(CREATE, {"input": {"tags": tags, "lineItems": [line]}})
    payload: dict[str, Any] = created["draftOrderCreate"]
    assert payload["userErrors"] == []
    return dict(payload["draftOrder"])


def names(shop: SimShop, query: str | None = None, **args: Any) -> list[str]:
    """Every draft the query finds, paging two at a time."""
    found: list[str] = []
    after = None
    while True:
        variables = {"q": query, "first": 2, "after": after, **args}
        page = shop.gql(SEARCH, variables)["draftOrders"]
        found += [edge["node"]["name"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def test_search_by_tag_status_and_updated_at(shop: SimShop) -> None:
    first = draft(shop, ["wholesale", "hub-1"])
    draft(shop, ["retail"])
    third = draft(shop, ["wholesale"])
    assert names(shop, "tag:wholesale") == ["#D1", "#D3"]
    assert names(shop, "tag:hub-1") == ["#D1"]
    shop.gql(COMPLETE, {"id": third["id"]})
    assert names(shop, "status:completed") == ["#D3"]
    assert names(shop, "status:open") == ["#D1", "#D2"]
    assert names(shop, "tag:wholesale AND status:open") == ["#D1"]
    assert names(shop, f"updated_at:>={first['updatedAt']}") == ["#D1", "#D2", "#D3"]
    assert names(shop, "updated_at:>2100-01-01") == []
    assert names(shop) == ["#D1", "#D2", "#D3"]


def test_sort_keys_and_reverse(shop: SimShop) -> None:
    draft(shop, [], "30.00")
    draft(shop, [], "10.00")
    draft(shop, [], "20.00")
    assert names(shop, sort="TOTAL_PRICE") == ["#D2", "#D3", "#D1"]
    assert names(shop, sort="NUMBER", reverse=True) == ["#D3", "#D2", "#D1"]


def test_search_lag_hides_fresh_writes_from_search_only(shop: SimShop) -> None:
    shop.control("PUT", "/faults", {"search_lag": 0.5})
    made = draft(shop, ["lagging"])
    assert names(shop, "tag:lagging") == []
    assert names(shop) == ["#D1"]  # a list without a query is not a search
    time.sleep(0.6)
    assert names(shop, "tag:lagging") == ["#D1"]
    shop.gql(COMPLETE, {"id": made["id"]})
    # The index still holds the draft as it was before the write.
    assert names(shop, "status:open") == ["#D1"]
    assert names(shop, "status:completed") == []
    time.sleep(0.6)
    assert names(shop, "status:completed") == ["#D1"]


def test_costs_like_other_connections(shop: SimShop) -> None:
    def requested(query: str) -> int:
        response = shop.client.post(shop.sim.graphql_url(), json={"query": query})
        cost: int = response.json()["extensions"]["cost"]["requestedQueryCost"]
        return cost

    drafts = requested('{ draftOrders(first: 10, query: "tag:x") { nodes { id } } }')
    orders = requested('{ orders(first: 10, query: "tag:x") { nodes { id } } }')
    assert drafts == orders > 1
