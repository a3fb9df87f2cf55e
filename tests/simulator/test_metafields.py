"""metafieldsSet, owner metafields and tagsAdd over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.simulator.sim_helpers import SimShop, open_shop
from wholesync.simulator.server import RunningSimulator

SET = """
mutation Set($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) {
    metafields { id namespace key type value jsonValue compareDigest ownerType }
    userErrors { field message code elementIndex }
  }
}
"""
READ = """
query Read($id: ID!) {
  product(id: $id) {
    one: metafield(namespace: "custom", key: "fabric") { value }
    metafields(first: 20) { nodes { namespace key value } }
  }
}
"""


@pytest.fixture
def shop(simulator: RunningSimulator) -> Iterator[SimShop]:
    yield from open_shop(simulator, seed=2, products=0, locations=1)


@pytest.fixture
def product(shop: SimShop) -> str:
    created = shop.control("POST", "/products", {"title": "Field Jacket", "tags": ["Red"]})
    product_id: str = created["product"]["id"]
    return product_id


def entry(owner: str, key: str = "fabric", value: str = "Canvas", **extra: Any) -> dict[str, Any]:
    return {
        "ownerId": owner,
        "namespace": "custom",
        "key": key,
        "type": "single_line_text_field",
        "value": value,
        **extra,
    }


def set_metafields(shop: SimShop, *entries: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = shop.gql(SET, {"metafields": list(entries)})["metafieldsSet"]
    return result


def test_set_then_read(shop: SimShop, product: str) -> None:
    result = set_metafields(shop, entry(product), entry(product, "origin", "PT"))
    assert result["userErrors"] == []
    assert [m["ownerType"] for m in result["metafields"]] == ["PRODUCT", "PRODUCT"]
    read = shop.gql(READ, {"id": product})["product"]
    assert read["one"] == {"value": "Canvas"}
    assert [n["key"] for n in read["metafields"]["nodes"]] == ["fabric", "origin"]


def test_more_than_25_inputs_are_refused(shop: SimShop, product: str) -> None:
    entries = [entry(product, f"key_{i}") for i in range(26)]
    result = set_metafields(shop, *entries)
    assert result["metafields"] is None
    assert result["userErrors"] == [
        {
            "field": ["metafields"],
            "message": "Exceeded the maximum metafields input limit of 25.",
            "code": "LESS_THAN_OR_EQUAL_TO",
            "elementIndex": None,
        }
    ]


def test_one_bad_input_rolls_back_the_others(shop: SimShop, product: str) -> None:
    good = entry(product, "kept_out")
    bad = entry(product, "count", "lots", type="number_integer")
    result = set_metafields(shop, good, bad)
    assert result["metafields"] == []
    assert result["userErrors"] == [
        {
            "field": ["metafields", "1", "value"],
            "message": "Value must be an integer.",
            "code": "INVALID_VALUE",
            "elementIndex": None,
        }
    ]
    assert shop.gql(READ, {"id": product})["product"]["metafields"]["nodes"] == []


@pytest.mark.parametrize(
    ("change", "field", "message", "code"),
    [
        ({"type": None}, "type", "Type can't be blank", "BLANK"),
        (
            {"namespace": "ab"},
            "namespace",
            "Namespace is too short (minimum is 3 characters)",
            "TOO_SHORT",
        ),
        ({"key": "k" * 65}, "key", "Key is too long (maximum is 64 characters)", "TOO_LONG"),
        (
            {"type": "boolean", "value": "yes"},
            "value",
            "Value must be true or false.",
            "INVALID_VALUE",
        ),
        (
            {"type": "date", "value": "2026/06/21"},
            "value",
            "Value must be in YYYY-MM-DD format.",
            "INVALID_VALUE",
        ),
        (
            {"value": "Line\nBreak"},
            "value",
            "Value must be a single line text string.",
            "INVALID_VALUE",
        ),
        (
            {"type": "money", "value": '{"amount":"1.00","currency_code":"ZZZ"}'},
            "value",
            "Value contains an invalid currency, ZZZ.",
            "INVALID_VALUE",
        ),
    ],
)
def test_value_validation(
    shop: SimShop, product: str, change: dict[str, Any], field: str, message: str, code: str
) -> None:
    result = set_metafields(shop, entry(product, **change))
    assert result["userErrors"] == [
        {
            "field": ["metafields", "0", field],
            "message": message,
            "code": code,
            "elementIndex": None,
        }
    ]


def test_missing_owner(shop: SimShop) -> None:
    result = set_metafields(shop, entry("gid://shopify/Product/42"))
    assert result["userErrors"][0]["field"] == ["metafields", "0", "ownerId"]
    assert result["userErrors"][0]["message"] == "Owner does not exist."


def test_a_required_input_field_is_a_variable_error(shop: SimShop, product: str) -> None:
    bad = entry(product)
    del bad["value"]
    response = shop.client.post(
        shop.sim.graphql_url(), json={"query": SET, "variables": {"metafields": [bad]}}
    )
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "INVALID_VARIABLE"
    assert "0.value (Expected value to not be null)" in error["message"]


def test_compare_digest_compare_and_set(shop: SimShop, product: str) -> None:
    first = set_metafields(shop, entry(product))["metafields"][0]
    ok = set_metafields(shop, entry(product, value="Wool", compareDigest=first["compareDigest"]))
    assert ok["userErrors"] == [] and ok["metafields"][0]["compareDigest"] != first["compareDigest"]
    stale = set_metafields(
        shop, entry(product, value="Linen", compareDigest=first["compareDigest"])
    )
    assert [e["code"] for e in stale["userErrors"]] == ["STALE_OBJECT"]
    missing = set_metafields(shop, entry(product, "absent", compareDigest="0" * 64))
    assert [e["code"] for e in missing["userErrors"]] == ["INVALID_COMPARE_DIGEST"]
    assert shop.gql(READ, {"id": product})["product"]["one"] == {"value": "Wool"}


def test_values_are_normalised(shop: SimShop, product: str) -> None:
    result = set_metafields(
        shop,
        entry(product, "flag", " TRUE ", type="boolean"),
        entry(product, "count", "5.00", type="number_integer"),
        entry(product, "price", '{"amount":"12.50","currency_code":"USD"}', type="money"),
    )
    values = [(m["value"], m["jsonValue"]) for m in result["metafields"]]
    assert values == [
        ("true", True),
        ("5", 5),
        ('{"amount":"12.50","currency_code":"USD"}', {"amount": "12.50", "currency_code": "USD"}),
    ]


def test_shop_and_variant_owners(shop: SimShop) -> None:
    created = shop.control("POST", "/products", {"title": "Cap"})["product"]
    variant = created["variants"][0]["id"]
    shop_id = shop.gql("{ shop { id } }")["shop"]["id"]
    result = set_metafields(shop, entry(variant), entry(shop_id, "policy", "Net 30"))
    assert [m["ownerType"] for m in result["metafields"]] == ["PRODUCTVARIANT", "SHOP"]
    read = shop.gql(
        """query($v: ID!) {
          productVariant(id: $v) {
            metafield(namespace: "custom", key: "fabric") {
              value
              owner { ... on ProductVariant { id } }
            }
          }
          shop { metafields(first: 5, keys: ["custom.policy"]) { nodes { key value } } }
        }""",
        {"v": variant},
    )
    assert read["productVariant"]["metafield"] == {"value": "Canvas", "owner": {"id": variant}}
    assert read["shop"]["metafields"]["nodes"] == [{"key": "custom.policy", "value": "Net 30"}]


TAGS_ADD = """
mutation Tags($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) { node { ... on Product { tags } } userErrors { field message } }
}
"""


def test_tags_add_normalises_like_shopify(shop: SimShop, product: str) -> None:
    result = shop.gql(TAGS_ADD, {"id": product, "tags": ["blue, green", "red", " SS26 "]})
    assert result["tagsAdd"] == {
        "node": {"tags": ["blue", "green", "Red", "SS26"]},
        "userErrors": [],
    }
    found = shop.gql('{ products(first: 5, query: "tag:green") { nodes { id } } }')
    assert found["products"]["nodes"] == [{"id": product}]


def test_tags_add_on_an_unknown_resource(shop: SimShop) -> None:
    response = shop.client.post(
        shop.sim.graphql_url(),
        json={"query": TAGS_ADD, "variables": {"id": "gid://shopify/Product/1", "tags": ["x"]}},
    )
    answer = response.json()
    assert answer["data"] == {"tagsAdd": None}
    assert answer["errors"][0]["message"] == "invalid id"
    assert answer["errors"][0]["extensions"]["code"] == "RESOURCE_NOT_FOUND"
