"""Cursor pagination over a seeded shop: every product exactly once, pages as large as allowed
unless the document or the caller says otherwise."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.shopify.conftest import Shop, ShopFactory, create_shop, doc
from wholesync.shopify import InvalidQueryError, ShopifyClient
from wholesync.shopify import operations as ops
from wholesync.simulator.server import RunningSimulator

PAGE = doc("products_page")


@pytest.fixture(scope="module")
def shop(simulator: RunningSimulator) -> Iterator[Shop]:
    made = create_shop(simulator, products=640, locations=1)
    yield made
    httpx.delete(made.control_url, timeout=30)


def sent_variables(client: ShopifyClient) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    def hook(request: httpx.Request) -> None:
        if request.url.path.endswith("graphql.json"):
            seen.append(json.loads(request.content)["variables"])

    client.http.event_hooks["request"].append(hook)
    return seen


def test_every_product_exactly_once(shop: Shop) -> None:
    client = shop.client()
    sent = sent_variables(client)
    ids = [node["id"] for node in client.paginate(PAGE, None, ["products"])]
    assert len(ids) == len(set(ids)) == shop.control("GET", "")["counts"]["products"] == 640
    assert [v["first"] for v in sent] == [250, 250, 250]
    assert "after" not in sent[0] and sent[1]["after"] and sent[2]["after"] != sent[1]["after"]
    assert client.cost_used > 0


def test_nodes_carry_their_nested_selection(shop: Shop) -> None:
    client = shop.client()
    first = next(iter(client.paginate(PAGE, None, ["products"])))
    assert first["variants"]["nodes"] and {"id", "sku", "price"} <= set(
        first["variants"]["nodes"][0]
    )


def test_a_search_filter_and_a_smaller_page(shop: Shop) -> None:
    client = shop.client()
    sent = sent_variables(client)
    tagged = list(client.paginate(PAGE, {"query": "tag:wholesync", "first": 100}, ["products"]))
    assert 0 < len(tagged) < 640
    assert {v["first"] for v in sent} == {100}
    assert len({node["id"] for node in tagged}) == len(tagged)


def test_a_documents_own_page_size_is_kept(make_shop: ShopFactory) -> None:
    """products.graphql sets a default $first because each product is expensive."""
    defaults = ops.load("products").defaults
    if "first" not in defaults:
        pytest.skip("products.graphql declares no default page size")
    count = 2 * int(defaults["first"]) + 3
    small = make_shop(products=count, locations=1)
    client = small.client()
    sent = sent_variables(client)
    ids = [node["id"] for node in client.paginate("products", None, ["products"])]
    assert len(set(ids)) == count
    assert len(sent) == 3 and all("first" not in v for v in sent)


def test_an_empty_connection_yields_nothing(make_shop: ShopFactory) -> None:
    empty = make_shop(products=0)
    assert list(empty.client().paginate(PAGE, None, ["products"])) == []


def test_a_wrong_path_is_a_clear_error(shop: Shop) -> None:
    with pytest.raises(InvalidQueryError) as caught:
        list(shop.client().paginate(PAGE, None, ["items"]))
    assert "no connection at items" in str(caught.value)
