"""F5 end to end against the simulator, on SQLite and PostgreSQL: online orders placed through
the control API reach the hub by reconcile, with their customer created once, the note as
operator comment, custom lines, address line 2, ERP defaults and cancellations; orders
Wholesync exported stay out, and stale or unchanged orders cost no write."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse
from sqlalchemy import func, select

from tests.sync.conftest import Harness, tagged
from tests.sync.test_fetch_ids import fetching
from wholesync.hub.models import Customer, Order, Product, SyncRecord
from wholesync.shopify import operations
from wholesync.simulator.api import engine
from wholesync.simulator.api.cost import CostCalculator
from wholesync.sync import orders_import
from wholesync.sync.flows import run_flow
from wholesync.sync.registry import FLOW_SPECS
from wholesync.sync.tenants import get_tenant

SPEC = FLOW_SPECS["orders_import"]
ADDRESS = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "address1": "12 Quay Street",
    "address2": "Unit 4B",
    "city": "Portland",
    "provinceCode": "ME",
    "countryCode": "US",
    "zip": "04101",
}
ORDER_CREATE = """
mutation Create($order: OrderCreateOrderInput!) {
  orderCreate(order: $order) { order { id name } userErrors { field message } }
}
"""


def in_stock(harness: Harness, synced: bool | None = None) -> list[str]:
    """SKUs a shopper can buy two of (of products synced to the hub, or not, or any)."""
    return [
        v["sku"]
        for p in harness.listing("products")
        if synced is None or tagged(p) == synced
        for v in p["variants"]
        if v["inventoryQuantity"] >= 10
    ]


def skus(harness: Harness) -> tuple[str, str]:
    """A SKU of a product synced to the hub, and one of a product that is not."""
    return in_stock(harness, True)[0], in_stock(harness, False)[0]


def place(harness: Harness, email: str, *lines: str, **body: Any) -> dict[str, Any]:
    items = [{"sku": sku, "quantity": 2} for sku in lines]
    placed: dict[str, Any] = harness.control(
        "POST", "/orders", {"email": email, "lineItems": items, **body}
    )
    return placed


def hub_order(harness: Harness, name: str) -> Order | None:
    with harness.sessions() as session:
        order = session.scalars(select(Order).where(Order.number == name)).one_or_none()
        if order is not None:
            order.lines  # noqa: B018 (loaded before the session closes)
        return order


def customers_with(harness: Harness, email: str) -> list[Customer]:
    with harness.sessions() as session:
        return list(session.scalars(select(Customer).where(Customer.email == email)))


def messages(harness: Harness, gid: str) -> list[str]:
    with harness.sessions() as session:
        found = session.scalars(
            select(SyncRecord.message).where(SyncRecord.shopify_gid == gid)
        ).all()
    return [m for m in found if m]


def test_online_orders_reach_the_hub_with_their_customer(harness: Harness) -> None:
    assert harness.sync("products").status == "succeeded"
    harness.set(
        "erp_defaults", '{"payment_terms": "Prepaid", "division": "WEB", "hold_code": "H1"}'
    )
    synced, other = skus(harness)
    first = place(
        harness,
        "new.shopper@example.com",
        synced,
        other,
        note="Gift, no invoice",
        shippingAddress=ADDRESS,
    )
    second = place(harness, "new.shopper@example.com", synced)
    with harness.sessions() as session:
        products_before = session.scalar(select(func.count()).select_from(Product))

    result = harness.sync("orders_import")
    assert result.status == "succeeded", result.error
    assert result.counts["created"] == 2

    order = hub_order(harness, first["name"])
    assert order is not None
    assert (order.origin, order.status, order.erp_status) == ("shopify", "processed", "pending")
    assert (order.shopify_order_gid, order.shopify_order_name) == (first["id"], first["name"])
    assert order.operator_comment == "Gift, no invoice"
    assert order.shipping_address is not None and order.shipping_address["address2"] == "Unit 4B"
    assert order.shipping_address["address1"] == "12 Quay Street"
    assert (order.payment_terms, order.division, order.hold_code) == ("Prepaid", "WEB", "H1")
    known, custom = order.lines
    assert (known.upc, known.quantity) == (synced, 2) and known.variant_id is not None
    assert (custom.upc, custom.sku, custom.quantity) == (other, other, 2)
    assert custom.variant_id is None and custom.title and custom.unit_price > 0
    with harness.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Product)) == products_before

    # The unknown customer was created once, with the Shopify id as its code.
    [customer] = customers_with(harness, "new.shopper@example.com")
    assert customer.customer_code == first["customerId"].rsplit("/", 1)[1]
    second_order = hub_order(harness, second["name"])
    assert second_order is not None
    assert order.customer_id == second_order.customer_id == customer.id


def test_a_known_customer_is_reused(harness: Harness) -> None:
    assert harness.sync("customers").status == "succeeded"
    with harness.sessions() as session:
        known = session.scalars(select(Customer).where(Customer.email.is_not(None))).first()
        assert known is not None
        email, known_id = known.email, known.id
    synced, _ = skus(harness)
    placed = place(harness, email or "", synced)
    assert harness.sync("orders_import").status == "succeeded"
    order = hub_order(harness, placed["name"])
    assert order is not None and order.customer_id == known_id
    assert len(customers_with(harness, email or "")) == 1


def test_unchanged_orders_cost_no_write_and_a_cancellation_reaches_the_erp(
    harness: Harness,
) -> None:
    synced, _ = skus(harness)
    placed = place(harness, "buyer@example.com", synced)
    assert harness.sync("orders_import").counts["created"] == 1
    before = hub_order(harness, placed["name"])
    assert before is not None

    again = harness.sync("orders_import", full=True)
    assert again.counts.get("created", 0) == again.counts.get("updated", 0) == 0
    same = hub_order(harness, placed["name"])
    assert same is not None and same.updated_at == before.updated_at

    with harness.sessions.begin() as session:  # the ERP took the order over
        session.get_one(Order, before.id).erp_status = "imported"
    harness.control("POST", f"/orders/{placed['id'].rsplit('/', 1)[1]}/cancel", {})
    assert harness.sync("orders_import").counts["updated"] == 1
    after = hub_order(harness, placed["name"])
    assert after is not None
    assert (after.status, after.cancel_reason) == ("cancelled", "customer")
    assert after.cancelled_at is not None
    assert after.erp_status == "pending"
    assert "Cancelled in Shopify" in (after.erp_message or "")


def test_orders_wholesync_exported_are_not_imported_back(harness: Harness) -> None:
    synced, _ = skus(harness)
    variant = next(
        v["id"] for p in harness.listing("products") for v in p["variants"] if v["sku"] == synced
    )
    key = "ws-00112233aabbccdd"
    order = {
        "lineItems": [{"variantId": variant, "quantity": 1}],
        "email": "wholesale@example.com",
        "sourceIdentifier": key,
        "tags": [key, "wholesale"],
    }
    response = httpx.post(
        harness.sim.graphql_url("2026-07"),
        json={"query": ORDER_CREATE, "variables": {"order": order}},
        headers={"X-Shopify-Access-Token": f"shpat_{harness.shop}"},
        timeout=30,
    )
    created = response.json()["data"]["orderCreate"]
    assert created["userErrors"] == []
    result = harness.sync("orders_import")
    assert result.status == "succeeded"
    assert hub_order(harness, created["order"]["name"]) is None
    assert any("not imported back" in m for m in messages(harness, created["order"]["id"]))


def test_an_older_copy_of_an_order_is_ignored(harness: Harness) -> None:
    synced, _ = skus(harness)
    placed = place(harness, "late@example.com", synced, note="Current note")
    with fetching(harness) as (context, _client):
        [node] = list(SPEC.fetch_ids(context, [placed["id"]]))
    assert harness.sync("orders_import").counts["created"] == 1
    older = {**node, "note": "Older note", "updatedAt": "2020-01-01T00:00:00Z"}
    with harness.sessions() as session:
        tenant = get_tenant(session, harness.tenant)
        with fetching(harness) as (_context, client):
            result = run_flow(SPEC, session, tenant, client, nodes=[older], trigger="webhook")
    assert result.counts["unchanged"] == 1
    order = hub_order(harness, placed["name"])
    assert order is not None and order.operator_comment == "Current note"
    assert any(
        m.startswith("Ignored: Shopify sent an older version")
        for m in messages(harness, placed["id"])
    )


def test_a_large_order_is_read_with_all_its_lines(harness: Harness) -> None:
    lines = in_stock(harness)[:5]
    placed = place(harness, "bulk@example.com", *lines)
    with fetching(harness) as (_context, client):
        pages = client.paginate("orders", {"lines": 2}, ["orders"])
        [node] = [n for n in orders_import.with_all_lines(client, pages) if n["id"] == placed["id"]]
    assert [line["sku"] for line in node["lineItems"]["nodes"]] == lines


def test_a_first_import_reads_a_window_of_days(harness: Harness) -> None:
    with fetching(harness) as (context, _client):
        assert orders_import.window_query(context, "2026-07-01T00:00:00Z") == (
            "updated_at:>='2026-06-30T23:59:59Z'"
        )
        window = orders_import.window_query(context, None)
        assert window is not None and window.startswith("updated_at:>='")
        unlimited = replace(
            context,
            settings=context.settings.set_path("flows.orders_import.window_days", "null"),
        )
        assert orders_import.window_query(unlimited, None) is None


def test_a_page_of_orders_stays_under_the_cost_limit() -> None:
    document = parse(operations.load("orders").text)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    cost = CostCalculator(engine.schema()).requested(operation, fragments, {})
    assert cost < 1000
