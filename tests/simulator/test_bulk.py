"""Bulk operations: JSONL exports laid out like Shopify's (compared with real result files),
the CREATED/RUNNING/COMPLETED states, cancelling, Shopify's validation errors, the concurrency
limit and the bulk_operations/finish webhook."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from graphql import (
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
)

from tests.conftest import shared_path
from tests.simulator.sim_helpers import Receiver, SimShop, documented_example, open_shop
from wholesync.simulator.api import engine
from wholesync.simulator.server import RunningSimulator

OPERATION = "id status type errorCode createdAt completedAt objectCount rootObjectCount fileSize url partialDataUrl query"  # noqa: E501
RUN = f"""
mutation Run($q: String!) {{
  bulkOperationRunQuery(query: $q) {{
    bulkOperation {{ {OPERATION} }}
    userErrors {{ field message code }}
  }}
}}
"""
CANCEL = f"""
mutation Cancel($id: ID!) {{
  bulkOperationCancel(id: $id) {{ bulkOperation {{ {OPERATION} }} userErrors {{ field message }} }}
}}
"""
POLL = f"query Poll($id: ID!) {{ bulkOperation(id: $id) {{ {OPERATION} }} }}"
PRODUCTS_WITH_VARIANTS = """
{
  products {
    edges {
      node {
        id
        title
        handle
        variants { edges { node { id sku price selectedOptions { name value } } } }
      }
    }
  }
}
"""


@pytest.fixture
def shop(simulator: RunningSimulator) -> Iterator[SimShop]:
    yield from open_shop(simulator, products=6, customers=1)


def run(shop: SimShop, query: str, version: str = "2026-07") -> dict[str, Any]:
    answer: dict[str, Any] = shop.gql(RUN, {"q": query}, version)["bulkOperationRunQuery"]
    return answer


def started(shop: SimShop, query: str) -> dict[str, Any]:
    answer = run(shop, query)
    assert answer["userErrors"] == [], answer
    operation: dict[str, Any] = answer["bulkOperation"]
    return operation


def finished(shop: SimShop, operation_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        operation: dict[str, Any] = shop.gql(POLL, {"id": operation_id})["bulkOperation"]
        if operation["status"] not in ("CREATED", "RUNNING", "CANCELING"):
            return operation
        assert time.monotonic() < deadline, operation
        time.sleep(0.05)


def download(operation: dict[str, Any]) -> bytes:
    response = httpx.get(operation["url"], timeout=30)
    assert response.status_code == 200
    assert int(operation["fileSize"]) == len(response.content)
    return response.content


def lines(raw: bytes) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in raw.splitlines()]


def test_export_writes_children_on_their_own_lines_after_their_parent(shop: SimShop) -> None:
    operation = started(shop, PRODUCTS_WITH_VARIANTS)
    assert (operation["status"], operation["objectCount"], operation["url"]) == (
        "CREATED",
        "0",
        None,
    )
    done = finished(shop, operation["id"])
    assert done["status"] == "COMPLETED"
    assert done["completedAt"] is not None
    raw = download(done)
    rows = lines(raw)
    products = [r for r in rows if "__parentId" not in r]
    variants = [r for r in rows if "__parentId" in r]
    assert len(products) == 6
    assert done["rootObjectCount"] == "6"
    assert done["objectCount"] == str(len(rows))
    parent = None
    for row in rows:
        if "__parentId" not in row:
            assert list(row) == ["id", "title", "handle"]
            parent = row["id"]
        else:
            assert list(row) == ["id", "sku", "price", "selectedOptions", "__parentId"]
            assert row["__parentId"] == parent
    assert len(variants) == shop.control("GET", "")["counts"]["variants"]
    # Shopify escapes every "/" in the file, as in gid:\/\/shopify\/Product\/1.
    assert b'"gid:\\/\\/shopify\\/Product\\/' in raw
    assert b"/" not in raw.replace(b"\\/", b"")


def test_export_ignores_paging_arguments(shop: SimShop) -> None:
    query = """
    { products(first: 2) { edges { node { id variants(first: 1) { edges { node { id } } } } } } }
    """
    done = finished(shop, started(shop, query)["id"])
    rows = lines(download(done))
    assert len([r for r in rows if "__parentId" not in r]) == 6
    assert len([r for r in rows if "__parentId" in r]) > 6


def test_export_of_nothing_completes_without_a_file(shop: SimShop) -> None:
    query = '{ products(query: "title:no-such-product") { edges { node { id } } } }'
    done = finished(shop, started(shop, query)["id"])
    assert (done["status"], done["objectCount"], done["url"], done["fileSize"]) == (
        "COMPLETED",
        "0",
        None,
        None,
    )


# --- the shape of Shopify's own result files ---------------------------------------------------


def selection(line: dict[str, Any], type_: GraphQLObjectType) -> dict[str, Any]:
    """The fields of a real result line that the simulator's schema has, as a selection tree."""
    tree: dict[str, Any] = {}
    for key, value in line.items():
        field = type_.fields.get(key)
        if field is None or any(is_non_null_type(a.type) for a in field.args.values()):
            continue
        named = get_named_type(field.type)
        sample = value[0] if isinstance(value, list) and value else value
        if is_leaf_type(named):
            tree[key] = None
        elif isinstance(sample, dict) and isinstance(named, GraphQLObjectType):
            inner = selection(sample, named)
            if inner:
                tree[key] = inner
    return tree


def render(tree: dict[str, Any]) -> str:
    parts = []
    for key, value in tree.items():
        if value is None:
            parts.append(key)
        elif isinstance(value, tuple):
            parts.append(f"{key} {{ edges {{ node {{ {render(value[0])} }} }} }}")
        else:
            parts.append(f"{key} {{ {render(value)} }}")
    return " ".join(parts)


def same_keys(expected: dict[str, Any], actual: dict[str, Any], tree: dict[str, Any]) -> None:
    """``actual`` has exactly the selected keys, in the real file's order, nested objects too."""
    wanted = [k for k in expected if k in tree and not isinstance(tree[k], tuple)]
    assert [k for k in actual if k != "__parentId"] == wanted
    for key in wanted:
        inner, mine = expected[key], actual[key]
        if isinstance(tree[key], dict) and isinstance(inner, dict) and isinstance(mine, dict):
            same_keys(inner, mine, tree[key])


GATSBY = [
    # file, root connection, root type, child gid type -> (path to its connection, node type)
    ("products.jsonl", "products", "Product", {"Metafield": (["metafields"], "Metafield")}),
    (
        "variants.jsonl",
        "productVariants",
        "ProductVariant",
        {"InventoryLevel": (["inventoryItem", "inventoryLevels"], "InventoryLevel")},
    ),
    ("orders.jsonl", "orders", "Order", {"LineItem": (["lineItems"], "LineItem")}),
]


@pytest.mark.parametrize(("name", "root", "root_type", "children"), GATSBY)
def test_lines_have_the_shape_of_shopify_result_files(
    shop: SimShop, name: str, root: str, root_type: str, children: dict[str, Any]
) -> None:
    real = lines(shared_path("shopify", "bulk", "gatsby_source_shopify", name).read_bytes())
    schema: GraphQLSchema = engine.schema()
    real_root = next(r for r in real if "__parentId" not in r)
    root_gql = schema.get_type(root_type)
    assert isinstance(root_gql, GraphQLObjectType)
    tree = selection(real_root, root_gql)
    real_children: dict[str, dict[str, Any]] = {}
    for kind, (path, node_type) in children.items():
        real_child = next(r for r in real if r.get("id", "").startswith(f"gid://shopify/{kind}/"))
        child_gql = schema.get_type(node_type)
        assert isinstance(child_gql, GraphQLObjectType)
        holder = tree
        for step in path[:-1]:
            holder = holder.setdefault(step, {"id": None})
        holder[path[-1]] = (selection(real_child, child_gql),)
        real_children[kind] = real_child
    _fill(shop, root)
    done = finished(
        shop, started(shop, f"{{ {root} {{ edges {{ node {{ {render(tree)} }} }} }} }}")["id"]
    )
    assert done["status"] == "COMPLETED", done
    rows = lines(download(done))
    parent = None
    for row in rows:
        kind = row["id"].split("/")[3]
        if "__parentId" not in row:
            same_keys(real_root, row, tree)
            parent = row["id"]
            continue
        assert row["__parentId"] == parent, "a child's parent is the line object before it"
        assert list(row)[-1] == "__parentId"
        path = children[kind][0]
        holder = tree
        for step in path[:-1]:
            holder = holder[step]
        same_keys(real_children[kind], row, holder[path[-1]][0])
    assert {r["id"].split("/")[3] for r in rows if "__parentId" in r} == set(children)


def _fill(shop: SimShop, root: str) -> None:
    """Give the shop what the real file has: metafields on products, an order."""
    product = shop.gql(
        "{ products(first: 1) { nodes { id variants(first: 1) { nodes { sku } } } } }"
    )
    node = product["products"]["nodes"][0]
    metafield = {"namespace": "descriptors", "key": "subtitle", "value": "Soft/Light"}
    shop.control("POST", f"/products/{node['id'].rsplit('/', 1)[-1]}", {"metafields": [metafield]})
    if root == "orders":
        sku = node["variants"]["nodes"][0]["sku"]
        shop.control("POST", "/inventory", {"sku": sku, "available": 10})
        shop.control("POST", "/orders", {"lineItems": [{"sku": sku, "quantity": 1}]})


# --- states, cancel, limits --------------------------------------------------------------------


def test_cancel_moves_through_canceling_to_canceled(shop: SimShop) -> None:
    shop.control("PUT", "/bulk_operations/settings", {"running_seconds": 30})
    operation = started(shop, PRODUCTS_WITH_VARIANTS)
    cancelled = shop.gql(CANCEL, {"id": operation["id"]})["bulkOperationCancel"]
    assert cancelled["userErrors"] == []
    assert cancelled["bulkOperation"]["status"] == "CANCELING"
    done = finished(shop, operation["id"], timeout=10)
    assert (done["status"], done["url"], done["completedAt"]) == ("CANCELED", None, None)
    again = shop.gql(CANCEL, {"id": operation["id"]})["bulkOperationCancel"]
    assert again["bulkOperation"]["status"] == "CANCELED"
    assert again["userErrors"] == [
        {"field": None, "message": "A bulk operation cannot be canceled when it is canceled"}
    ]
    missing = shop.gql(CANCEL, {"id": "gid://shopify/BulkOperation/1"})["bulkOperationCancel"]
    assert missing == {
        "bulkOperation": None,
        "userErrors": [{"field": ["id"], "message": "Bulk operation does not exist"}],
    }
    assert shop.gql(POLL, {"id": "gid://shopify/BulkOperation/1"})["bulkOperation"] is None


def test_a_running_operation_does_not_block_the_api(shop: SimShop) -> None:
    shop.control("PUT", "/bulk_operations/settings", {"running_seconds": 30})
    operation = started(shop, PRODUCTS_WITH_VARIANTS)
    began = time.monotonic()
    assert len(shop.gql("{ products(first: 3) { nodes { id } } }")["products"]["nodes"]) == 3
    assert time.monotonic() - began < 2
    assert shop.gql(POLL, {"id": operation["id"]})["bulkOperation"]["status"] == "RUNNING"
    shop.gql(CANCEL, {"id": operation["id"]})


@pytest.mark.parametrize(("version", "limit"), [("2026-07", 5), ("2025-01", 1)])
def test_concurrent_bulk_queries_are_limited_by_api_version(
    shop: SimShop, version: str, limit: int
) -> None:
    shop.control("PUT", "/bulk_operations/settings", {"running_seconds": 30})
    query = "{ products { edges { node { id } } } }"
    ids = []
    for _ in range(limit):
        answer = run(shop, query, version)
        assert answer["userErrors"] == []
        ids.append(answer["bulkOperation"]["id"])
    refused = run(shop, query, version)
    assert refused == {
        "bulkOperation": None,
        "userErrors": [
            {
                "field": None,
                "message": "A bulk query operation for this app and shop is already in "
                f"progress: {', '.join(ids)}.",
                "code": "OPERATION_IN_PROGRESS",
            }
        ],
    }
    for operation_id in ids:
        shop.gql(CANCEL, {"id": operation_id})


INVALID = [
    ("", "Invalid bulk query: syntax error, unexpected end of file"),
    (
        "{ products { edges { node { id } } }",
        "Invalid bulk query: syntax error, unexpected end of file",
    ),
    ("{ shop { id } }", "Bulk queries must contain at least one connection."),
    (
        "{ products { edges { node { id nope } } } }",
        "Invalid bulk query: Field 'nope' doesn't exist on type 'Product'",
    ),
    (
        'mutation { tagsAdd(id: "gid://shopify/Product/1", tags: ["x"]) { node { id } } }',
        "Invalid operation type. Only `query` operations are supported.",
    ),
    (
        "{ products { nodes { id title } } }",
        "All connection fields in a bulk query must select their contents using 'edges' > "
        "'node', e.g: 'products { edges { node {'. Selecting via 'nodes' is not supported. "
        "Invalid connection fields: 'products'.",
    ),
    (
        "{ products { edges { node { title variants { edges { node { id } } } } } } }",
        "The parent 'node' field for a nested connection must select the 'id' field without an "
        "alias and must be of 'ID' return type. Connection fields without 'id': products.",
    ),
    (
        "{ collections { edges { node { id products { edges { node { id variants { edges { node "
        "{ id metafields { edges { node { id } } } } } } } } } } } } }",
        "Bulk queries cannot contain connections with a nesting depth greater than 2.",
    ),
    (
        "{ products { edges { node { id v1: variants { edges { node { id } } } "
        "v2: variants { edges { node { id } } } v3: variants { edges { node { id } } } "
        "v4: variants { edges { node { id } } } v5: variants { edges { node { id } } } } } } }",
        "Bulk queries cannot contain more than 5 connections.",
    ),
]


@pytest.mark.parametrize(("query", "message"), INVALID)
def test_invalid_bulk_queries_get_shopify_user_errors(
    shop: SimShop, query: str, message: str
) -> None:
    assert run(shop, query) == {
        "bulkOperation": None,
        "userErrors": [{"field": ["query"], "message": message, "code": "INVALID"}],
    }


def test_a_top_level_node_is_refused_twice_over(shop: SimShop) -> None:
    answer = run(shop, '{ node(id: "gid://shopify/Product/1") { id } }')
    assert [e["message"] for e in answer["userErrors"]] == [
        "Bulk queries cannot contain a top level `node` field.",
        "Bulk queries must contain at least one connection.",
    ]


# --- the finish webhook -------------------------------------------------------------------------


def test_finish_webhook_reports_the_outcome(shop: SimShop, receiver: Receiver) -> None:
    documented = documented_example("bulk_operations/finish")
    shop.subscribe("BULK_OPERATIONS_FINISH", receiver.url)
    operation = started(shop, PRODUCTS_WITH_VARIANTS)
    [got] = receiver.wait(1, topic="bulk_operations/finish")
    body = orjson.loads(got.body)
    assert list(body) == list(documented)
    done = finished(shop, operation["id"])
    assert body == {
        "admin_graphql_api_id": operation["id"],
        "completed_at": done["completedAt"],
        "created_at": done["createdAt"],
        "error_code": None,
        "status": "completed",
        "type": "query",
    }


def test_fragments_and_aliases_are_exported_like_plain_selections(shop: SimShop) -> None:
    query = """
    query Export {
      items: products(sortKey: TITLE, reverse: true) {
        edges { node { ...Fields } }
      }
    }
    fragment Fields on Product {
      id
      name: title
      ... on Product { skus: variants { edges { node { id code: sku } } } }
    }
    """
    rows = lines(download(finished(shop, started(shop, query)["id"])))
    roots = [r for r in rows if "__parentId" not in r]
    assert [list(r) for r in roots[:1]] == [["id", "name"]]
    names = [r["name"].lower() for r in roots]
    assert names == sorted(names, reverse=True)
    children = [r for r in rows if "__parentId" in r]
    assert children and all(list(r) == ["id", "code", "__parentId"] for r in children)
