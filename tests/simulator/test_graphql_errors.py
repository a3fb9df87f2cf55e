"""Malformed requests get Shopify's error documents, never a crash."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from wholesync.simulator.server import RunningSimulator


@pytest.fixture(scope="module")
def client(simulator: RunningSimulator) -> Iterator[httpx.Client]:
    spec = {"shop": "errors", "token": "shpat_errors", "products": 2}
    assert httpx.post(f"{simulator.url}/__sim/shops", json=spec).status_code == 201
    with httpx.Client(
        base_url=simulator.url, headers={"X-Shopify-Access-Token": "shpat_errors"}, timeout=30
    ) as http:
        yield http


def _ask(client: httpx.Client, body: Any) -> dict[str, Any]:
    answer = client.post("/admin/api/2026-07/graphql.json", json=body)
    assert answer.status_code == 200
    result: dict[str, Any] = answer.json()
    return result


def test_undefined_field_is_worded_like_shopify(client: httpx.Client) -> None:
    answer = _ask(client, {"query": "query Read { shop { id isActive } }"})
    assert answer["errors"] == [
        {
            "message": "Field 'isActive' doesn't exist on type 'Shop'",
            "locations": [{"line": 1, "column": 24}],
            "path": ["query Read", "shop", "isActive"],
            "extensions": {"code": "undefinedField", "typeName": "Shop", "fieldName": "isActive"},
        }
    ]
    assert "data" not in answer


def test_syntax_error_has_location(client: httpx.Client) -> None:
    answer = _ask(client, {"query": "{ shop { id "})
    assert answer["errors"][0]["message"].startswith("syntax error")
    assert answer["errors"][0]["locations"]


def test_missing_required_argument(client: httpx.Client) -> None:
    answer = _ask(client, {"query": "{ product { id } }"})
    assert answer["errors"][0]["message"] == "Field 'product' is missing required arguments: id"
    assert answer["errors"][0]["extensions"]["code"] == "missingRequiredArguments"


def test_unused_variable(client: httpx.Client) -> None:
    answer = _ask(client, {"query": "query Q($x: ID!) { shop { id } }", "variables": {"x": "1"}})
    assert answer["errors"][0]["message"] == "Variable $x is declared by Q but not used"
    assert answer["errors"][0]["extensions"] == {"code": "variableNotUsed", "variableName": "x"}


@pytest.mark.parametrize(
    ("variables", "problems"),
    [
        ({}, [{"path": [], "explanation": "Expected value to not be null"}]),
        (
            {"id": "not-a-gid"},
            [
                {
                    "path": [],
                    "explanation": "Invalid global id 'not-a-gid'",
                    "message": "Invalid global id 'not-a-gid'",
                }
            ],
        ),
        ({"id": 12.5}, [{"path": [], "explanation": "Could not coerce value 12.5 to ID"}]),
    ],
)
def test_invalid_variables_list_every_problem(
    client: httpx.Client, variables: dict[str, Any], problems: list[dict[str, Any]]
) -> None:
    answer = _ask(
        client, {"query": "query P($id: ID!) { product(id: $id) { id } }", "variables": variables}
    )
    error = answer["errors"][0]
    assert error["message"] == "Variable $id of type ID! was provided invalid value"
    assert error["extensions"]["code"] == "INVALID_VARIABLE"
    assert error["extensions"]["problems"] == problems


@pytest.mark.parametrize(
    "body", [[], {"query": 5}, {"query": "{ shop { id } }", "variables": "x"}, {"foo": "bar"}]
)
def test_malformed_bodies_get_errors_not_500(client: httpx.Client, body: Any) -> None:
    answer = _ask(client, body)
    assert answer["errors"][0]["message"]


def test_invalid_json_is_400(client: httpx.Client) -> None:
    answer = client.post(
        "/admin/api/2026-07/graphql.json",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert answer.json()["errors"]


def test_several_operations_need_a_name(client: httpx.Client) -> None:
    query = "query A { shop { id } } query B { shop { name } }"
    assert _ask(client, {"query": query})["errors"][0]["message"] == (
        "An operation name is required"
    )
    named = _ask(client, {"query": query, "operationName": "B"})
    assert "name" in named["data"]["shop"]
