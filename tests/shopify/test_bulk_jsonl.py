"""Rebuilding bulk JSONL into objects: real result files from a Shopify dev store, and the
constant-memory guarantee on a large generated stream."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import shared_path
from tests.shopify.conftest import doc
from wholesync.shopify import InvalidQueryError
from wholesync.shopify.bulk_jsonl import BulkShape, gid_type, rebuild


def gatsby(name: str) -> Path:
    return shared_path("shopify", "bulk", "gatsby_source_shopify", f"{name}.jsonl")


def shape(name: str) -> BulkShape:
    return BulkShape.from_document(doc(name).text)


def raw_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


@pytest.mark.shared
def test_real_products_with_media_and_metafields() -> None:
    path = gatsby("products")
    products = list(rebuild(path.open("rb"), shape("bulk_gatsby_products")))
    lines = raw_lines(path)
    roots = [line for line in lines if "__parentId" not in line]
    assert [p["id"] for p in products] == [r["id"] for r in roots]
    for product in products:
        children = [line for line in lines if line.get("__parentId") == product["id"]]
        media = [c["id"] for c in children if gid_type(c["id"]) == "MediaImage"]
        metafields = [c["id"] for c in children if gid_type(c["id"]) == "Metafield"]
        assert [m["id"] for m in product["media"]] == media
        assert [m["id"] for m in product["metafields"]] == metafields
        assert all("__parentId" not in child for child in product["media"] + product["metafields"])
    first, second = products
    assert len(first["media"]) == 1 and len(first["metafields"]) == 1
    assert second["media"] == [] and len(second["metafields"]) == 1
    # Shopify escapes "/" as "\/"; the objects carry plain strings.
    assert first["id"] == "gid://shopify/Product/6950279086286"
    assert first["media"][0]["id"] == "gid://shopify/MediaImage/22755647652046"
    # Fields of the root line are kept as they are.
    assert first["handle"] == "test-product" and first["featuredMedia"]["id"].startswith("gid://")


@pytest.mark.shared
def test_real_variants_with_levels_under_an_object_field() -> None:
    path = gatsby("variants")
    variants = list(rebuild(path.open("rb"), shape("bulk_gatsby_variants")))
    lines = raw_lines(path)
    assert len(variants) == 6
    for variant in variants:
        levels = variant["inventoryItem"]["inventoryLevels"]
        expected = [line for line in lines if line.get("__parentId") == variant["id"]]
        assert [level["id"] for level in levels] == [e["id"] for e in expected]
        assert len(levels) == 1 and levels[0]["id"].startswith("gid://shopify/InventoryLevel/")
        assert levels[0]["quantities"] == expected[0]["quantities"]
        # The item's own fields survive next to the attached list.
        assert variant["inventoryItem"]["id"].startswith("gid://shopify/InventoryItem/")


@pytest.mark.shared
def test_real_orders_collections_and_locations() -> None:
    [order] = rebuild(gatsby("orders").open("rb"), shape("bulk_gatsby_orders"))
    assert [item["id"] for item in order["lineItems"]] == ["gid://shopify/LineItem/9995073585358"]
    assert order["lineItems"][0]["product"]["id"] == "gid://shopify/Product/6950279086286"
    flat = BulkShape.from_document("{ collections { edges { node { id } } } }")
    for name in ("collections", "locations"):
        rebuilt = list(rebuild(gatsby(name).open("rb"), flat))
        assert rebuilt == raw_lines(gatsby(name))


def generated(roots: int) -> Iterator[bytes]:
    """A product export: each product, its 3 variants each with 2 levels, then 2 media."""
    for p in range(roots):
        product = f"gid://shopify/Product/{p}"
        yield orjson.dumps({"id": product, "title": f"P{p}"})
        for v in range(3):
            variant = f"gid://shopify/ProductVariant/{p * 10 + v}"
            yield orjson.dumps({"id": variant, "sku": f"S{p}-{v}", "__parentId": product})
            for level in range(2):
                level_id = f"gid://shopify/InventoryLevel/{p}{v}{level}?inventory_item_id=1"
                yield orjson.dumps({"id": level_id, "__parentId": variant})
        for m in range(2):
            media = f"gid://shopify/MediaImage/{p * 10 + m}"
            yield orjson.dumps({"id": media, "__parentId": product})


LINES_PER_ROOT = 1 + 3 * (1 + 2) + 2


def test_memory_stays_constant_one_root_at_a_time() -> None:
    """When a root is yielded the rebuild has read exactly its own lines plus the first line
    of the next root: it never holds more than one root and its descendants."""
    read = 0

    def counting(lines: Iterable[bytes]) -> Iterator[bytes]:
        nonlocal read
        for line in lines:
            read += 1
            yield line

    roots = 20_000
    products = rebuild(counting(generated(roots)), shape("bulk_catalog"))
    for index, product in enumerate(products):
        last = index == roots - 1
        assert read == (index + 1) * LINES_PER_ROOT + (0 if last else 1)
        assert len(product["variants"]) == 3 and len(product["media"]) == 2
        assert all(len(v["inventoryItem"]["inventoryLevels"]) == 2 for v in product["variants"])
    assert read == roots * LINES_PER_ROOT


def test_children_of_children_attach_to_the_right_parent() -> None:
    [product] = rebuild(generated(1), shape("bulk_catalog"))
    for v, variant in enumerate(product["variants"]):
        assert variant["sku"] == f"S0-{v}"
        levels = variant["inventoryItem"]["inventoryLevels"]
        assert [lv["id"].split("/")[-1].split("?")[0] for lv in levels] == [f"0{v}0", f"0{v}1"]


def test_typename_routes_a_child_without_an_id() -> None:
    lines = [
        b'{"id":"gid://shopify/Product/1"}',
        b'{"__typename":"MediaImage","alt":"front","__parentId":"gid://shopify/Product/1"}',
    ]
    [product] = rebuild(lines, shape("bulk_catalog"))
    assert product["media"] == [{"__typename": "MediaImage", "alt": "front"}]
    assert product["variants"] == []


def test_an_orphan_line_is_an_invalid_payload() -> None:
    lines = [b'{"id":"gid://shopify/Product/1"}', b'{"id":"x","__parentId":"gid://shopify/P/9"}']
    with pytest.raises(InvalidQueryError) as caught:
        list(rebuild(lines, shape("bulk_catalog")))
    assert caught.value.code == "INVALID_PAYLOAD" and "groupObjects" in caught.value.fix


def test_an_unroutable_child_names_the_fix() -> None:
    lines = [
        b'{"id":"gid://shopify/Product/1"}',
        b'{"id":"gid://shopify/Video/4","__parentId":"gid://shopify/Product/1"}',
    ]
    text = "{ products { edges { node { id a: variants { edges { node { id } } } b: variants { edges { node { id } } } } } } }"  # noqa: E501
    with pytest.raises(InvalidQueryError) as caught:
        list(rebuild(lines, BulkShape.from_document(text)))
    assert "... on <Type>" in caught.value.fix


def test_a_damaged_line_is_an_invalid_payload() -> None:
    lines = [b'{"id":"gid://shopify/Product/1"}', b'{"id": "gid://']
    with pytest.raises(InvalidQueryError) as caught:
        list(rebuild(lines, shape("bulk_catalog")))
    assert "line 2" in str(caught.value)


@pytest.mark.parametrize(
    ("gid", "kind"),
    [
        ("gid://shopify/ProductVariant/1", "ProductVariant"),
        ("gid://shopify/InventoryLevel/1?inventory_item_id=2", "InventoryLevel"),
        ("gid://other-app/Thing/", "Thing"),
        ("gid://shopify/Product", None),
        ("gid://", None),
        ("https://shopify/Product/1", None),
        (7, None),
    ],
)
def test_gid_type(gid: Any, kind: str | None) -> None:
    assert gid_type(gid) == kind


def test_routing_remembered_by_gid_prefix_stays_exact() -> None:
    """Children of several types, interleaved, from two roots: each still lands by its type,
    also a type whose name starts like another's."""
    text = (
        "{ products { edges { node { id media { edges { node { ... on MediaImage { id } } } } "
        "metafields { edges { node { id } } } } } } }"
    )
    built = BulkShape.from_document(text)
    lines = []
    for product in (1, 2):
        parent = f"gid://shopify/Product/{product}"
        lines.append(orjson.dumps({"id": parent}))
        for n, kind in enumerate(["MediaImage", "Metafield", "MediaImage", "Metafield"]):
            child = {"id": f"gid://shopify/{kind}/{product}{n}", "__parentId": parent}
            lines.append(orjson.dumps(child))
    first, second = rebuild(lines, built)
    assert [m["id"] for m in second["media"]] == [
        "gid://shopify/MediaImage/20",
        "gid://shopify/MediaImage/22",
    ]
    assert [m["id"] for m in first["metafields"]] == [
        "gid://shopify/Metafield/11",
        "gid://shopify/Metafield/13",
    ]
    stray = [lines[0], orjson.dumps({"id": "gid://shopify/Media/9", "__parentId": first["id"]})]
    with pytest.raises(InvalidQueryError):
        list(rebuild(stray, built))


def test_each_root_carries_the_digest_of_its_own_lines() -> None:
    first = list(generated(3))
    changed = list(first)
    changed[1] = changed[1].replace(b"S0-0", b"S0-X")  # a child line of the first root
    before = list(rebuild(first, shape("bulk_catalog")))
    after = list(rebuild(changed, shape("bulk_catalog")))
    assert before == list(rebuild(list(first), shape("bulk_catalog")))
    assert [r.source_digest for r in before] == [
        r.source_digest for r in rebuild(first, shape("bulk_catalog"))
    ]
    assert after[0].source_digest != before[0].source_digest
    assert [r.source_digest for r in after[1:]] == [r.source_digest for r in before[1:]]
    assert len({r.source_digest for r in before}) == 3
