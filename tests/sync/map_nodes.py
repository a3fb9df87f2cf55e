"""Shopify node builders for the mapping tests: the shapes the fetch documents select."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.conftest import shared_path
from wholesync.sync.errors import CATALOGUE

Node = dict[str, Any]


def metafield(namespace: str, key: str, value: str, type_: str = "single_line_text_field") -> Node:
    return {"namespace": namespace, "key": key, "type": type_, "value": value}


def media_image(number: int, url: str, alt: str | None = None) -> Node:
    return {
        "id": f"gid://shopify/MediaImage/{number}",
        "alt": alt,
        "mediaContentType": "IMAGE",
        "image": {"url": url, "altText": alt},
    }


def variant_node(number: int, sku: str | None, **fields: Any) -> Node:
    node: Node = {
        "id": f"gid://shopify/ProductVariant/{number}",
        "legacyResourceId": str(number),
        "title": f"Navy / {number}",
        "sku": sku,
        "barcode": f"0{number:011d}",
        "price": "68.00",
        "compareAtPrice": None,
        "position": 1,
        "updatedAt": "2026-07-01T10:00:00Z",
        "selectedOptions": [{"name": "Color", "value": "Navy"}, {"name": "Size", "value": "M"}],
        "media": {"nodes": []},
        "inventoryItem": {
            "id": f"gid://shopify/InventoryItem/{number + 500}",
            "measurement": {"weight": {"unit": "KILOGRAMS", "value": 0.25}},
        },
        "metafields": {"nodes": []},
    }
    node.update(fields)
    return node


def product_node(
    variants: list[Node] | None = None,
    tags: list[str] | None = None,
    metafields: list[Node] | None = None,
    **fields: Any,
) -> Node:
    """A product as products.graphql selects it: tagged for sync, two variants, two images."""
    if variants is None:
        variants = [
            variant_node(11, "HLS100-NAV-M", position=1),
            variant_node(12, "HLS100-NAV-L", position=2, price="72.50"),
        ]
    node: Node = {
        "id": "gid://shopify/Product/10",
        "legacyResourceId": "10",
        "title": "Harbor Linen Shirt",
        "handle": "harbor-linen-shirt",
        "descriptionHtml": "<p>Linen.</p>",
        "vendor": "Harbor & Pine",
        "productType": "Shirts",
        "status": "ACTIVE",
        "tags": ["Shirts", "wholesync"] if tags is None else tags,
        "updatedAt": "2026-07-01T10:00:00Z",
        "onlineStoreUrl": "https://brand.example/products/harbor-linen-shirt",
        "options": [
            {
                "id": "gid://shopify/ProductOption/1",
                "name": "Color",
                "position": 1,
                "values": ["Navy"],
            },
            {
                "id": "gid://shopify/ProductOption/2",
                "name": "Size",
                "position": 2,
                "values": ["M", "L"],
            },
        ],
        "media": {
            "nodes": [
                media_image(21, "https://cdn.example/front.jpg", "Front"),
                media_image(22, "https://cdn.example/back.jpg", None),
            ]
        },
        "collections": {
            "nodes": [
                {"id": "gid://shopify/Collection/3", "title": "Shirts", "handle": "shirts"},
                {"id": "gid://shopify/Collection/4", "title": "Essentials", "handle": "ess"},
            ]
        },
        "metafields": {"nodes": metafields or []},
        "variants": {"nodes": variants, "pageInfo": {"hasNextPage": False}},
    }
    node.update(fields)
    return node


def address_node(number: int, city: str, **fields: Any) -> Node:
    node: Node = {
        "id": f"gid://shopify/MailingAddress/{number}?model_name=CustomerAddress",
        "company": "Juniper & Pine Boutique",
        "firstName": "Nadia",
        "lastName": "Okafor",
        "address1": f"{number} Main Street",
        "address2": None,
        "city": city,
        "province": "Oregon",
        "provinceCode": "OR",
        "country": "United States",
        "countryCodeV2": "US",
        "zip": "97201",
        "phone": "+15035550100",
    }
    node.update(fields)
    return node


def customer_node(**fields: Any) -> Node:
    """A wholesale customer as customers.graphql selects it."""
    head_office = address_node(1, "Portland", address2="Suite 300")
    store = address_node(2, "Seattle", provinceCode="WA", province="Washington")
    node: Node = {
        "id": "gid://shopify/Customer/70",
        "legacyResourceId": "70",
        "firstName": "Nadia",
        "lastName": "Okafor",
        "email": "nadia@juniper.example.com",
        "phone": "+15035550100",
        "tags": ["wholesale", "wholesale-buyer", "wholesync"],
        "state": "DISABLED",
        "note": "Net 30",
        "updatedAt": "2026-07-02T08:00:00Z",
        "metafields": {"nodes": [metafield("wholesync", "customer_code", "C-10001")]},
        "defaultAddress": head_office,
        "addressesV2": {"nodes": [head_office, store]},
    }
    node.update(fields)
    return node


def item_node(levels: list[Node] | None = None, **fields: Any) -> Node:
    """An inventory item as inventory_levels.graphql selects it."""
    if levels is None:
        levels = [
            level_node(1, "Shop location", available=12, incoming=5),
            level_node(2, "Red Hook Warehouse", available=3, incoming=0),
        ]
    node: Node = {
        "id": "gid://shopify/InventoryItem/511",
        "sku": "HLS100-NAV-M",
        "updatedAt": "2026-07-03T09:00:00Z",
        "variant": {
            "id": "gid://shopify/ProductVariant/11",
            "sku": "HLS100-NAV-M",
            "barcode": "012345678905",
            "legacyResourceId": "11",
        },
        "inventoryLevels": {"nodes": levels},
    }
    node.update(fields)
    return node


def level_node(location: int, name: str, available: int | None, incoming: int | None) -> Node:
    quantities = []
    if available is not None:
        quantities.append({"name": "available", "quantity": available})
    if incoming is not None:
        quantities.append({"name": "incoming", "quantity": incoming})
    return {
        "id": f"gid://shopify/InventoryLevel/{location}?inventory_item_id=511",
        "updatedAt": "2026-07-03T09:30:00Z",
        "location": {"id": f"gid://shopify/Location/{location}", "name": name},
        "quantities": quantities,
    }


def as_bulk(value: Any) -> Any:
    """The same node as a bulk operation rebuilds it: every connection a plain list."""
    if isinstance(value, list):
        return [as_bulk(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "nodes" in value and set(value) <= {"nodes", "pageInfo"}:
        return [as_bulk(item) for item in value["nodes"]]
    return {key: as_bulk(item) for key, item in value.items()}


def as_edges(value: Any) -> Any:
    """The same node with connections selected as ``edges { node }``."""
    if isinstance(value, list):
        return [as_edges(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "nodes" in value and set(value) <= {"nodes", "pageInfo"}:
        rest = {k: v for k, v in value.items() if k != "nodes"}
        return {**rest, "edges": [{"node": as_edges(item)} for item in value["nodes"]]}
    return {key: as_edges(item) for key, item in value.items()}


def capture(*parts: str) -> Any:
    """A JSON capture from ../shared/shopify."""
    return json.loads(shared_path("shopify", *parts).read_text())


def jsonl(path: Path) -> Iterator[Node]:
    for line in path.read_text().splitlines():
        if line.strip():
            yield json.loads(line)


def gatsby_products() -> list[Node]:
    """Shopify's bulk JSONL (products with their media and metafields, variants with their
    inventory levels) rebuilt the way the client rebuilds a bulk result."""
    folder = shared_path("shopify", "bulk", "gatsby_source_shopify")
    products: dict[str, Node] = {}
    for line in jsonl(folder / "products.jsonl"):
        parent = line.pop("__parentId", None)
        if parent is None:
            products[line["id"]] = {**line, "media": [], "metafields": [], "variants": []}
        elif line["id"].startswith("gid://shopify/Metafield/"):
            products[parent]["metafields"].append(line)
        else:
            products[parent]["media"].append(line)
    for variant in gatsby_variants():
        products[variant["product"]["id"]]["variants"].append(variant)
    return list(products.values())


def gatsby_variants() -> list[Node]:
    """Variant roots of the bulk JSONL, each with its inventory levels as a list."""
    folder = shared_path("shopify", "bulk", "gatsby_source_shopify")
    variants: dict[str, Node] = {}
    for line in jsonl(folder / "variants.jsonl"):
        parent = line.pop("__parentId", None)
        if parent is None:
            variants[line["id"]] = {**line, "inventoryLevels": []}
        else:
            variants[parent]["inventoryLevels"].append(line)
    return list(variants.values())


def find_nodes(data: Any, prefix: str) -> Iterator[Node]:
    """Every object in a capture whose ``id`` is a GID starting with ``prefix``."""
    if isinstance(data, dict):
        if isinstance(data.get("id"), str) and data["id"].startswith(prefix):
            yield data
        for value in data.values():
            yield from find_nodes(value, prefix)
    elif isinstance(data, list):
        for value in data:
            yield from find_nodes(value, prefix)


# Hypothesis: arbitrary JSON, and valid nodes with parts replaced by arbitrary JSON.
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["", " ", "true", "false", "-1", "1e999", "NaN", "gid://shopify/X/1"])
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*prefix, index)
            yield from _paths(item, (*prefix, index))


def _apply(node: Any, path: tuple[Any, ...], action: str, value: Any) -> None:
    holder = node
    for step in path[:-1]:
        try:
            holder = holder[step]
        except (KeyError, IndexError, TypeError):
            return
    last = path[-1]
    try:
        if action == "delete":
            del holder[last]
        else:
            holder[last] = value
    except (KeyError, IndexError, TypeError):
        return


@st.composite
def mutated(draw: st.DrawFn, bases: Iterable[Node]) -> Node:
    """One of ``bases`` with up to six of its keys or items replaced, nulled or removed."""
    node = copy.deepcopy(draw(st.sampled_from(list(bases))))
    paths = list(_paths(node))
    for path in draw(st.lists(st.sampled_from(paths), max_size=6)):
        action = draw(st.sampled_from(["replace", "null", "delete"]))
        value = draw(JSON_VALUES) if action == "replace" else None
        _apply(node, path, action, value)
    return node


def find_values(data: Any, key: str) -> Iterator[Any]:
    """Every non-empty value stored under ``key`` anywhere in a capture (e.g. ``userErrors``)."""
    if isinstance(data, dict):
        for name, value in data.items():
            if name == key and value:
                yield value
            yield from find_values(value, key)
    elif isinstance(data, list):
        for value in data:
            yield from find_values(value, key)


def check_refusal(result: Any, codes: Iterable[str] | None = None) -> None:
    """A mapper's refusal (a Rejection or a Problem): a catalogue code (one of ``codes`` when
    given) and a message that says what to do, not the catch-all for a crash."""
    assert result.code in CATALOGUE, result
    assert codes is None or result.code in codes, result
    assert isinstance(result.message, str) and result.message.strip(), result
    assert "could not be read" not in result.message, result.message
