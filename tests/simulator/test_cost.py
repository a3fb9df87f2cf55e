"""Query cost: our calculation against the costs real Shopify charged in the captures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import orjson
from graphql import (
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
)

from tests.conftest import shared_path
from wholesync.simulator.api.cost import CostCalculator, page_factor
from wholesync.simulator.server import RunningSimulator


def _captured_operations() -> Iterator[tuple[str, dict[str, Any], int]]:
    """(document, variables, requested cost) for every captured request that shows its cost."""

    def walk(node: Any) -> Iterator[tuple[str, dict[str, Any], int]]:
        if isinstance(node, dict):
            document = node.get("query") or node.get("document")
            response = node.get("response")
            if isinstance(document, str) and "{" in document and isinstance(response, dict):
                body = response.get("body", response)
                cost = (
                    (body.get("extensions") or {}).get("cost") if isinstance(body, dict) else None
                )
                if cost and isinstance(cost.get("requestedQueryCost"), int):
                    yield document, node.get("variables") or {}, cost["requestedQueryCost"]
            for key, value in node.items():
                if key != "upstreamCalls":
                    yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    for path in sorted(shared_path("shopify", "graphql").glob("*/*.json")):
        yield from walk(orjson.loads(path.read_bytes()))


def test_page_factor_matches_observed_points() -> None:
    assert [page_factor(n) for n in (1, 2, 5, 10, 20, 50, 250)] == [1, 2, 3, 4, 5, 7, 9]


def test_requested_cost_matches_shopify_for_nine_in_ten_captured_operations(
    real_schema: GraphQLSchema,
) -> None:
    calculator = CostCalculator(real_schema)
    seen: set[str] = set()
    matched: list[str] = []
    mismatched: list[str] = []
    for document, variables, expected in _captured_operations():
        if document in seen:
            continue
        seen.add(document)
        try:
            parsed = parse(document)
        except GraphQLError:
            continue
        fragments = {
            d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)
        }
        operation = next(d for d in parsed.definitions if isinstance(d, OperationDefinitionNode))
        ours = calculator.requested(operation, fragments, variables)
        (matched if ours == expected else mismatched).append(
            f"{ours} != {expected}: {document[:80]}"
        )
    assert len(seen) > 150
    assert len(matched) >= 0.9 * (len(matched) + len(mismatched)), "\n".join(mismatched)


def test_max_cost_exceeded_matches_live_capture(simulator: RunningSimulator) -> None:
    live = orjson.loads(
        shared_path(
            "shopify", "errors", "max_cost_exceeded_live_capture_2026-08-28_transcribed.json"
        ).read_bytes()
    )
    spec = {"shop": "max-cost", "token": "shpat_max_cost", "products": 1}
    assert httpx.post(f"{simulator.url}/__sim/shops", json=spec).status_code == 201
    # 2 + 9 * (1 + 2 + 9 * (1 + 2 + 9)) = 1001 points, just over the limit.
    query = (
        "{ products(first: 250) { nodes { variants(first: 250) { nodes { "
        "metafields(first: 250) { nodes { id } } } } } } }"
    )
    answer = httpx.post(
        simulator.graphql_url(),
        json={"query": query},
        headers={"X-Shopify-Access-Token": "shpat_max_cost"},
    ).json()
    error = answer["errors"][0]
    cost = error["extensions"]["cost"]
    assert cost > 1000
    assert error["message"] == live["errors"][0]["message"].replace("1293", str(cost))
    assert error["extensions"] == {**live["errors"][0]["extensions"], "cost": cost}
    assert "data" not in answer
