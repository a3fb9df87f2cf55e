"""Records by id (``FlowSpec.fetch_ids``), as webhook batches read them, against the simulator:
nodes by id are the nodes a page holds, a record Shopify no longer finds comes back as a
tombstone, and a run over them writes the hub like a sync would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from graphql import FragmentDefinitionNode, GraphQLSchema, OperationDefinitionNode, parse

from tests.sync.conftest import Harness, number, tagged
from tests.sync.test_flow_inventory import expected_levels, hub_levels
from wholesync.hub.models import Product
from wholesync.shopify import ShopifyClient, operations
from wholesync.simulator.api import engine
from wholesync.simulator.api.cost import CONNECTION_BASE, CostCalculator, page_factor
from wholesync.sync import customers, inventory, orders_import, products
from wholesync.sync.flows import Context, fetch_context, run_flow, wanted_gids
from wholesync.sync.map_customers import map_customer
from wholesync.sync.map_products import map_product
from wholesync.sync.records import Archive
from wholesync.sync.registry import FLOW_SPECS
from wholesync.sync.settings import TenantSettings
from wholesync.sync.tenants import build_client, get_tenant, tenant_settings

GONE_PRODUCT = "gid://shopify/Product/987654321"


@contextmanager
def fetching(harness: Harness) -> Iterator[tuple[Context, ShopifyClient]]:
    """A fetch context for the harness tenant, and its client."""
    with harness.sessions() as session:
        tenant = get_tenant(session, harness.tenant)
        with build_client(tenant) as client:
            yield fetch_context(session, tenant, client), client


def test_the_registry_holds_every_flow() -> None:
    assert FLOW_SPECS == {
        "products": products.PRODUCTS,
        "customers": customers.CUSTOMERS,
        "inventory": inventory.INVENTORY,
        "orders_import": orders_import.ORDERS_IMPORT,
    }


def test_products_by_id_are_the_nodes_of_a_page_with_collections(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    listing = harness.listing("products")
    first = listing[0]["id"]
    harness.control("POST", "/collections", {"title": "Summer", "products": [first]})
    monkeypatch.setattr(products, "FETCH_BATCH", 5)
    with fetching(harness) as (context, client):
        page = {node["id"]: node for node in client.paginate("products", {}, ["products"])}
        calls = client.calls
        gids = [p["id"] for p in listing]
        by_id = list(products.PRODUCTS.fetch_ids(context, [*gids, GONE_PRODUCT, gids[0]]))
        assert client.calls - calls == 3  # 13 distinct ids, 5 per call
    assert by_id[:-1] == [page[gid] for gid in gids]
    assert by_id[-1] == {"id": GONE_PRODUCT}
    assert "Summer" in [c["title"] for c in by_id[0]["collections"]["nodes"]]
    settings = tenant_settings_of(harness)
    assert [map_product(n, settings) for n in by_id[:-1]] == [
        map_product(page[gid], settings) for gid in gids
    ]


def test_customers_by_id_are_the_nodes_of_a_page(harness: Harness) -> None:
    gone = "gid://shopify/Customer/987654321"
    with fetching(harness) as (context, client):
        page = list(client.paginate("customers", {}, ["customers"]))
        by_id = list(customers.CUSTOMERS.fetch_ids(context, [n["id"] for n in page] + [gone]))
    assert by_id == [*page, {"id": gone}]
    assert map_customer(by_id[-1], tenant_settings_of(harness)) == Archive(
        "customer", gone, "deleted"
    )


def test_a_deleted_product_is_archived_and_an_edited_one_updated(harness: Harness) -> None:
    harness.sync("products")
    deleted, edited = [p for p in harness.listing("products") if tagged(p)][:2]
    harness.control("DELETE", f"/products/{number(deleted['id'])}")
    harness.control("POST", f"/products/{number(edited['id'])}", {"title": "Renamed"})
    with fetching(harness) as (context, client):
        nodes = products.PRODUCTS.fetch_ids(context, [deleted["id"], edited["id"]])
        result = run_flow(
            products.PRODUCTS,
            context.session,
            context.tenant,
            client,
            nodes=nodes,
            trigger="webhook",
        )
    assert result.status == "succeeded", result
    assert (result.counts["archived"], result.counts["updated"]) == (1, 1), result
    with harness.sessions() as session:
        gone = session.get_one(Product, harness.hub_id("product", deleted["id"]))
        renamed = session.get_one(Product, harness.hub_id("product", edited["id"]))
        assert (gone.status, renamed.title) == ("archived", "Renamed")


def test_inventory_items_by_id_update_stock_and_skip_unknown_items(harness: Harness) -> None:
    harness.sync("products")
    harness.sync("inventory")
    level = next(
        row
        for row in harness.listing("inventory")
        if (row["sku"], row["location"], "ats") in hub_levels(harness)
    )
    harness.control(
        "POST", "/inventory", {"sku": level["sku"], "location": level["location"], "available": 77}
    )
    item = level["inventoryItemId"]
    with fetching(harness) as (context, client):
        nodes = list(inventory.INVENTORY.fetch_ids(context, [item, "987654321"]))
        assert [n["id"] for n in nodes] == [item]
        result = run_flow(
            inventory.INVENTORY,
            context.session,
            context.tenant,
            client,
            nodes=nodes,
            trigger="webhook",
        )
    assert result.counts["updated"] == 1, result
    assert hub_levels(harness)[(level["sku"], level["location"], "ats")] == 77
    assert hub_levels(harness) == expected_levels(harness)


def test_ids_are_checked_before_any_request() -> None:
    assert wanted_gids(["gid://shopify/Product/7", "7", 8], "Product") == [
        "gid://shopify/Product/7",
        "gid://shopify/Product/8",
    ]
    for bad in ("gid://shopify/ProductVariant/7", "gid://shopify/Product/x", "", "-1"):
        with pytest.raises(ValueError, match="is not a Product id"):
            wanted_gids([bad], "Product")


# A nodes(ids:) list is charged like one node today; even charged like a page of the batch
# size, a batch must stay under Shopify's 1,000-point limit.
BATCHES = [
    ("product_nodes", products.FETCH_BATCH),
    ("customer_nodes", customers.FETCH_BATCH),
    ("inventory_item_nodes", inventory.FETCH_BATCH),
    ("order_nodes", orders_import.FETCH_BATCH),
]


def _requested(schema: GraphQLSchema, name: str, variables: dict[str, Any]) -> int:
    document = parse(operations.load(name).text)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return CostCalculator(schema).requested(operation, fragments, variables)


@pytest.mark.parametrize(("name", "batch"), BATCHES)
def test_a_batch_stays_under_the_cost_limit(name: str, batch: int) -> None:
    one = _requested(engine.schema(), name, {"ids": ["gid://shopify/Product/1"]})
    assert CONNECTION_BASE + page_factor(batch) * one < 1000
    assert batch <= 250  # Shopify's most ids per nodes(ids:)


@pytest.mark.shared
@pytest.mark.parametrize(("name", "batch"), BATCHES)
def test_a_batch_stays_under_the_cost_limit_of_the_real_schema(
    real_schema: GraphQLSchema, name: str, batch: int
) -> None:
    one = _requested(real_schema, name, {"ids": ["gid://shopify/Product/1"]})
    assert CONNECTION_BASE + page_factor(batch) * one < 1000


def tenant_settings_of(harness: Harness) -> TenantSettings:
    with harness.sessions() as session:
        return tenant_settings(get_tenant(session, harness.tenant))
