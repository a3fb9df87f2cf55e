"""F4 options end to end: draft orders, customers created on export, fulfilled at a location,
paid, taxes per billing country and the note template; and the export run by name, from the
queue, like every flow."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.sync.conftest import Harness, tenant_id
from tests.sync.orders_harness import Orders
from wholesync.hub.models import Address, Customer, Order, SyncRun, Variant
from wholesync.runtime.models import JobStatus
from wholesync.runtime.service import Runtime
from wholesync.sync.registry import FLOWS


@pytest.fixture
def orders(harness: Harness) -> Iterator[Orders]:
    shop = Orders(harness)
    shop.prepare()
    yield shop


def test_draft_orders_carry_the_key_and_are_made_once(orders: Orders) -> None:
    orders.harness.set("orders.export_as", "draft_order")
    (variant,) = orders.variants(1)
    order_id = orders.place([(variant.upc, 2)], po_number="PO-D1")
    assert orders.export().counts["created"] == 1
    order = orders.order(order_id)
    assert (order.status, order.shopify_kind) == ("processed", "draft_order")
    query = {"query": f'tag:"{order.export_key}"'}
    (draft,) = orders.graphql("exported_drafts", query)["draftOrders"]["nodes"]
    assert draft["id"] == order.shopify_order_gid and draft["name"] == order.shopify_order_name
    assert draft["poNumber"] == "PO-D1" and draft["shippingAddress"]["address2"] == "Suite 5"
    assert [(n["sku"], n["quantity"]) for n in draft["lineItems"]["nodes"]] == [(variant.upc, 2)]
    assert orders.shopify_orders() == []

    # A crash between create and write-back: the next run finds the draft by its tag.
    with orders.harness.sessions.begin() as session:
        lost = session.get_one(Order, order_id)
        lost.status, lost.shopify_order_gid, lost.shopify_order_name = "approved", None, None
        lost.export_attempted_at = None
    result = orders.export()
    assert (result.counts["created"], result.counts["unchanged"]) == (0, 1)
    assert orders.order(order_id).shopify_order_gid == draft["id"]
    assert len(orders.graphql("exported_drafts", query)["draftOrders"]["nodes"]) == 1


def test_an_unknown_customer_is_created_first_when_the_tenant_says_so(orders: Orders) -> None:
    orders.harness.set("orders.unknown_customer", "create")
    with orders.harness.sessions.begin() as session:
        ghost = Customer(
            tenant_id=tenant_id(orders.harness),
            customer_code="NEW-1",
            email="new1@boutique.example",
            first_name="Nia",
            last_name="New",
            company="New Boutique",
            addresses=[
                Address(
                    tenant_id=tenant_id(orders.harness),
                    kind="billing",
                    address1="9 High St",
                    address2="Floor 2",
                    city="Leeds",
                    country_code="GB",
                    zip="LS1 1AA",
                )
            ],
        )
        session.add(ghost)
    first, second = orders.variants(2)
    ids = [orders.place([(v.upc, 1)], customer=ghost) for v in (first, second)]
    assert orders.export().counts["created"] == 2
    made = [c for c in orders.harness.listing("customers") if c["email"] == ghost.email]
    assert len(made) == 1  # one customer for both orders
    customer = orders.graphql("exported_customer", {"id": made[0]["id"]})["customer"]
    assert (customer["firstName"], customer["lastName"]) == ("Nia", "New")
    assert "wholesync" in customer["tags"]
    address = customer["defaultAddress"]
    assert (address["company"], address["address2"]) == ("New Boutique", "Floor 2")
    for order_id in ids:
        order = orders.order(order_id)
        shown = orders.shopify_order(order.shopify_order_gid or "")
        assert shown["customer"]["id"] == customer["id"]
    assert orders.harness.hub_id("customer", customer["id"]) == ghost.id


def _stock_at(orders: Orders, location: str) -> str:
    with orders.harness.sessions() as session:
        known = set(session.scalars(select(Variant.upc)))
    for row in orders.harness.listing("inventory"):
        stocked = int(row["quantities"]["available"]) >= 2
        if row["location"] == location and row["sku"] in known and stocked:
            return str(row["sku"])
    raise AssertionError(f"nothing stocked at {location}")


def test_fulfilled_paid_taxed_with_a_note_from_the_template(orders: Orders) -> None:
    location = orders.harness.listing("inventory")[0]["location"]
    for key, value in (
        ("orders.fulfillment_location", location),
        ("orders.fulfillment", "fulfilled"),
        ("orders.financial_status", "paid"),
        ("orders.tax_rates.CA", "0.13"),
        ("orders.note_template", "PO {{ po_number }} for {{ company }}, terms {{ payment_terms }}"),
        ("orders.tags", '["wholesale", "nuorder"]'),
    ):
        orders.harness.set(key, value)
    sku = _stock_at(orders, location)
    order_id = orders.place([(sku, 2)], po_number="PO-F1", payment_terms="Net 60")
    assert orders.export().counts["created"] == 1
    order = orders.order(order_id)
    shown = orders.shopify_order(order.shopify_order_gid or "")
    assert shown["displayFulfillmentStatus"] == "FULFILLED"
    assert shown["displayFinancialStatus"] == "PAID"
    assert [t["rate"] for t in shown["taxLines"]] == [0.13]
    company = orders.customer().company
    assert shown["note"] == f"PO PO-F1 for {company}, terms Net 60"
    assert {"wholesale", "nuorder", order.export_key} <= set(shown["tags"])


def test_a_fulfillment_location_shopify_does_not_have_fails_naming_it(orders: Orders) -> None:
    orders.harness.set("orders.fulfillment_location", "Atlantis")
    orders.harness.set("orders.fulfillment", "fulfilled")
    (variant,) = orders.variants(1)
    order_id = orders.place([(variant.upc, 1)])
    orders.export()
    order = orders.order(order_id)
    assert (order.status, order.error_code) == ("failed", "INVALID_SETTING")
    assert "orders.fulfillment_location" in (order.error_message or "")
    assert "'Atlantis'" in (order.error_message or "")


def test_the_queue_runs_the_export_by_name(orders: Orders, tmp_path: Path) -> None:
    assert FLOWS["orders_export"].name == "orders_export"
    (variant,) = orders.variants(1)
    order_id = orders.place([(variant.upc, 1)])
    url = orders.harness.engine.url.render_as_string(hide_password=False)
    runtime = Runtime(url, f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    try:
        job = runtime.request_run(tenant_id(orders.harness), "orders_export")
        assert runtime.runner.execute(job.id) == JobStatus.SUCCEEDED
    finally:
        runtime.close()
    assert orders.order(order_id).status == "processed"
    with orders.harness.sessions() as session:
        run = session.scalars(select(SyncRun).where(SyncRun.flow == "orders_export")).one()
    assert (run.status, run.trigger, run.counts["created"]) == ("succeeded", "manual", 1)
