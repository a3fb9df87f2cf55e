"""Wholesale order rules: lifecycle, what each status needs, edits after export, re-export."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from wholesync.hub import orders
from wholesync.hub.models import Customer, Order, Product, Tenant, Variant
from wholesync.hub.orders import LineInput, OrderError

MakeTenant = Callable[[str], Tenant]
EXPORTABLE = orders.exportable_statuses(["approved"])
ADDRESS = {"address1": "1 Main St", "address2": "Suite 4", "city": "Austin", "country_code": "US"}


def _variant(session: Session, tenant: Tenant) -> Variant:
    product = Product(tenant_id=tenant.id, title="Tee", handle="tee")
    variant = Variant(
        tenant_id=tenant.id,
        product=product,
        upc="TEE-S",
        sku="TEE-S",
        title="S",
        retail_price=Decimal("20"),
        wholesale_price=Decimal("10"),
    )
    session.add_all([product, variant])
    session.flush()
    return variant


def _ready_order(session: Session, tenant: Tenant) -> Order:
    customer = Customer(tenant_id=tenant.id, customer_code="C1", email="c1@example.com")
    session.add(customer)
    order = orders.create_order(session, tenant.id, shipping_address=ADDRESS)
    orders.link_customer(order, customer)
    orders.set_lines(
        order, [LineInput(quantity=2, unit_price=None, variant=_variant(session, tenant))]
    )
    session.flush()
    return order


def test_an_order_walks_the_lifecycle_and_gets_its_export_key_when_exportable(
    session: Session, make_tenant: MakeTenant
) -> None:
    order = _ready_order(session, make_tenant("brand"))
    assert order.number == f"WS{order.id:06d}" and order.status == "draft"
    assert order.lines[0].unit_price == Decimal("10") and order.lines[0].title == "Tee - S"
    for status in ("pending", "in_review"):
        orders.transition(order, status, exportable=EXPORTABLE)
        assert order.export_key is None
    orders.transition(order, "approved", exportable=EXPORTABLE)
    assert order.export_key is not None and order.export_key.startswith("ws-")
    with pytest.raises(OrderError) as caught:
        orders.transition(order, "draft", exportable=EXPORTABLE)
    assert caught.value.code == orders.INVALID_TRANSITION
    assert "pending" in caught.value.fix


def test_leaving_draft_needs_a_linked_customer_lines_and_a_shipping_address(
    session: Session, make_tenant: MakeTenant
) -> None:
    tenant = make_tenant("brand")
    order = orders.create_order(
        session, tenant.id, new_customer_company="Shop on Main", new_customer_email="a@b.example"
    )
    with pytest.raises(OrderError) as caught:
        orders.transition(order, "pending", exportable=EXPORTABLE)
    assert caught.value.code == orders.CUSTOMER_NOT_LINKED
    assert "Shop on Main" in caught.value.message and "no lines" in caught.value.message
    assert "shipping address has no address1, city, country_code" in caught.value.message
    assert order.status == "draft"


def test_a_zero_quantity_is_refused_from_pending_on(
    session: Session, make_tenant: MakeTenant
) -> None:
    tenant = make_tenant("brand")
    order = _ready_order(session, tenant)
    orders.set_lines(order, [LineInput(quantity=0, unit_price=Decimal("1"), upc="X")])
    with pytest.raises(OrderError) as caught:
        orders.transition(order, "pending", exportable=EXPORTABLE)
    assert caught.value.code == orders.ORDER_INCOMPLETE and "quantity 0" in caught.value.message


def test_an_edit_after_export_is_flagged_and_re_export_needs_confirmation(
    session: Session, make_tenant: MakeTenant
) -> None:
    order = _ready_order(session, make_tenant("brand"))
    orders.transition(order, "pending", exportable=EXPORTABLE)
    orders.transition(order, "approved", exportable=EXPORTABLE)
    first_key = order.export_key
    orders.export_succeeded(order, gid="gid://shopify/Order/1", name="#1001", kind="order")
    order.notes = "changed"
    orders.mark_edited(order)
    assert order.modified_after_export
    with pytest.raises(OrderError) as caught:
        orders.reexport(order, confirm_previous_cancelled=False)
    assert caught.value.code == orders.CONFIRMATION_REQUIRED and "#1001" in caught.value.message
    orders.reexport(order, confirm_previous_cancelled=True)
    assert order.status == "approved" and order.export_key not in (None, first_key)
    assert order.previous_exports[0]["name"] == "#1001" and order.shopify_order_gid is None


def test_a_failed_order_re_exports_with_its_key_kept(
    session: Session, make_tenant: MakeTenant
) -> None:
    order = _ready_order(session, make_tenant("brand"))
    orders.transition(order, "pending", exportable=EXPORTABLE)
    orders.transition(order, "approved", exportable=EXPORTABLE)
    key = order.export_key
    orders.export_failed(order, "CUSTOMER_NOT_FOUND", "no such customer")
    orders.reexport(order, confirm_previous_cancelled=False)
    assert order.status == "approved" and order.export_key == key and order.error_code is None


def test_a_cancelled_order_cannot_be_edited(session: Session, make_tenant: MakeTenant) -> None:
    order = _ready_order(session, make_tenant("brand"))
    orders.transition(order, "cancelled", exportable=EXPORTABLE, reason="buyer changed mind")
    with pytest.raises(OrderError) as caught:
        orders.set_lines(order, [])
    assert caught.value.code == orders.ORDER_CLOSED


def test_another_tenants_order_is_not_found(session: Session, make_tenant: MakeTenant) -> None:
    order = _ready_order(session, make_tenant("brand"))
    other = make_tenant("other")
    with pytest.raises(OrderError) as caught:
        orders.get_order(session, other.id, order.id)
    assert caught.value.code == orders.ORDER_NOT_FOUND


def test_exportable_statuses_run_from_the_earliest_configured_through_approved() -> None:
    assert orders.exportable_statuses(["in_review"]) == {"in_review", "approved"}
    assert orders.exportable_statuses(["approved", "pending"]) == {
        "pending",
        "in_review",
        "approved",
    }
