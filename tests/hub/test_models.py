"""The data model's own guarantees: per-tenant uniqueness, constraints, cascades, exact money."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wholesync.hub.models import (
    Address,
    Buyer,
    Customer,
    ExternalRef,
    InventoryLevel,
    Product,
    ProductImage,
    SyncRecord,
    SyncRun,
    Tenant,
    Variant,
    Warehouse,
)

MakeTenant = Callable[[str], Tenant]


def _product(tenant: Tenant, *upcs: str, **fields: Any) -> Product:
    product = Product(tenant_id=tenant.id, title="Tee", handle="tee", **fields)
    product.variants = [
        Variant(tenant_id=tenant.id, upc=upc, title=upc, position=i, retail_price=Decimal("20"))
        for i, upc in enumerate(upcs, start=1)
    ]
    return product


def _count(session: Session, model: type[Any]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_same_keys_are_allowed_in_two_tenants(session: Session, make_tenant: MakeTenant) -> None:
    for tenant in (make_tenant("a"), make_tenant("b")):
        session.add(_product(tenant, "012345678905"))
        customer = Customer(tenant_id=tenant.id, customer_code="C1", email="x@example.com")
        customer.buyers = [Buyer(tenant_id=tenant.id, code="B1", email="x@example.com")]
        session.add(customer)
        session.add(Warehouse(tenant_id=tenant.id, code="MAIN", name="Main"))
        session.add(
            ExternalRef(tenant_id=tenant.id, entity="product", hub_id=1, shopify_gid="gid://1")
        )
    session.commit()
    assert _count(session, Variant) == 2
    assert _count(session, Customer) == 2
    assert _count(session, Warehouse) == 2
    assert _count(session, ExternalRef) == 2


def _duplicate_rows(tenant: Tenant) -> dict[str, Callable[[], list[Any]]]:
    t = tenant.id
    return {
        "variant upc": lambda: [_product(tenant, "U1"), _product(tenant, "U1")],
        "customer code": lambda: [
            Customer(tenant_id=t, customer_code="C1"),
            Customer(tenant_id=t, customer_code="C1"),
        ],
        "warehouse code": lambda: [
            Warehouse(tenant_id=t, code="W", name="One"),
            Warehouse(tenant_id=t, code="W", name="Two"),
        ],
        "external ref": lambda: [
            ExternalRef(tenant_id=t, entity="variant", hub_id=1, shopify_gid="gid://v/1"),
            ExternalRef(tenant_id=t, entity="variant", hub_id=2, shopify_gid="gid://v/1"),
        ],
        "tenant name": lambda: [Tenant(name=tenant.name, shop_domain="x.myshopify.com")],
    }


@pytest.mark.parametrize(
    "kind", ["variant upc", "customer code", "warehouse code", "external ref", "tenant name"]
)
def test_duplicates_within_a_tenant_are_refused(
    session: Session, make_tenant: MakeTenant, kind: str
) -> None:
    tenant = make_tenant("a")
    session.commit()
    session.add_all(_duplicate_rows(tenant)[kind]())
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    # The session is usable again and the earlier commit stands.
    assert session.scalars(select(Tenant.name)).all() == ["a"]


def test_the_same_external_gid_may_name_different_entities(
    session: Session, make_tenant: MakeTenant
) -> None:
    t = make_tenant("a").id
    session.add_all(
        [
            ExternalRef(tenant_id=t, entity="variant", hub_id=1, shopify_gid="gid://x/1"),
            ExternalRef(tenant_id=t, entity="inventory_item", hub_id=1, shopify_gid="gid://x/1"),
        ]
    )
    session.flush()


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (Tenant, {"name": "z", "shop_domain": "z.myshopify.com", "auth_mode": "password"}),
        (Product, {"title": "T", "handle": "t", "status": "draft"}),
        (Address, {"kind": "office"}),
        (InventoryLevel, {"bucket": "reserved"}),
        (SyncRecord, {"entity": "product", "action": "delete"}),
    ],
)
def test_check_constraints_refuse_unknown_values(
    session: Session, make_tenant: MakeTenant, model: type[Any], fields: dict[str, Any]
) -> None:
    tenant = make_tenant("a")
    product = _product(tenant, "U1")
    customer = Customer(tenant_id=tenant.id, customer_code="C1")
    warehouse = Warehouse(tenant_id=tenant.id, code="W", name="W")
    run = SyncRun(tenant_id=tenant.id, flow="products", status="running")
    session.add_all([product, customer, warehouse, run])
    session.flush()
    parents = {
        Address: {"customer_id": customer.id},
        InventoryLevel: {"variant_id": product.variants[0].id, "warehouse_id": warehouse.id},
        SyncRecord: {"run_id": run.id},
    }
    scope = {} if model is Tenant else {"tenant_id": tenant.id}
    session.add(model(**scope, **parents.get(model, {}), **fields))
    with pytest.raises(IntegrityError):
        session.flush()


def test_a_variant_needs_an_existing_product(session: Session, make_tenant: MakeTenant) -> None:
    tenant = make_tenant("a")
    session.add(
        Variant(tenant_id=tenant.id, product_id=999, upc="U", title="U", retail_price=Decimal(1))
    )
    with pytest.raises(IntegrityError):
        session.flush()


def test_one_level_per_variant_warehouse_and_bucket(
    session: Session, make_tenant: MakeTenant
) -> None:
    tenant = make_tenant("a")
    product = _product(tenant, "U1")
    warehouse = Warehouse(tenant_id=tenant.id, code="W", name="W")
    session.add_all([product, warehouse])
    session.flush()
    key = {"tenant_id": tenant.id, "variant_id": product.variants[0].id}
    session.add_all(
        [
            InventoryLevel(**key, warehouse_id=warehouse.id, bucket="ats", quantity=1),
            InventoryLevel(**key, warehouse_id=warehouse.id, bucket="incoming", quantity=2),
        ]
    )
    session.flush()
    session.add(InventoryLevel(**key, warehouse_id=warehouse.id, bucket="ats", quantity=3))
    with pytest.raises(IntegrityError):
        session.flush()


def _stocked_product(session: Session, tenant: Tenant) -> Product:
    product = _product(tenant, "U1", "U2")
    warehouse = Warehouse(tenant_id=tenant.id, code="W", name="W")
    session.add_all([product, warehouse])
    session.flush()
    first = product.variants[0]
    product.images = [
        ProductImage(tenant_id=tenant.id, url="https://cdn/p.jpg", position=1),
        ProductImage(tenant_id=tenant.id, url="https://cdn/v.jpg", position=2, variant=first),
    ]
    for variant in product.variants:
        session.add(
            InventoryLevel(
                tenant_id=tenant.id,
                variant_id=variant.id,
                warehouse_id=warehouse.id,
                bucket="ats",
                quantity=5,
            )
        )
    session.commit()
    return product


def test_deleting_a_product_deletes_its_variants_images_and_stock(
    session: Session, make_tenant: MakeTenant
) -> None:
    product = _stocked_product(session, make_tenant("a"))
    session.delete(product)
    session.commit()
    for model in (Product, Variant, ProductImage, InventoryLevel):
        assert _count(session, model) == 0, model.__name__
    assert _count(session, Warehouse) == 1


def test_database_cascades_work_without_the_orm(session: Session, make_tenant: MakeTenant) -> None:
    _stocked_product(session, make_tenant("a"))
    session.execute(delete(Product))
    session.commit()
    for model in (Variant, ProductImage, InventoryLevel):
        assert _count(session, model) == 0, model.__name__


def test_deleting_a_variant_keeps_its_image_at_product_level(
    session: Session, make_tenant: MakeTenant
) -> None:
    product = _stocked_product(session, make_tenant("a"))
    session.execute(delete(Variant).where(Variant.upc == "U1"))
    session.commit()
    session.expire_all()
    assert [image.variant_id for image in product.images] == [None, None]
    assert _count(session, InventoryLevel) == 1


def test_deleting_a_tenant_deletes_only_its_rows(session: Session, make_tenant: MakeTenant) -> None:
    doomed, kept = make_tenant("doomed"), make_tenant("kept")
    for tenant in (doomed, kept):
        _stocked_product(session, tenant)
        customer = Customer(tenant_id=tenant.id, customer_code="C")
        customer.addresses = [Address(tenant_id=tenant.id, kind="billing")]
        customer.buyers = [Buyer(tenant_id=tenant.id, code="B", email="b@example.com")]
        run = SyncRun(tenant_id=tenant.id, flow="products", status="succeeded")
        run.records = [SyncRecord(tenant_id=tenant.id, entity="product", action="create")]
        session.add_all([customer, run])
    session.commit()
    session.execute(delete(Tenant).where(Tenant.id == doomed.id))
    session.commit()
    tables: tuple[type[Any], ...] = (Product, Variant, ProductImage, InventoryLevel, Warehouse)
    tables += (Customer, Address, Buyer, SyncRun, SyncRecord)
    for model in tables:
        assert set(session.scalars(select(model.tenant_id))) == {kept.id}, model.__name__


def test_deleting_a_customer_deletes_its_addresses_and_buyers(
    session: Session, make_tenant: MakeTenant
) -> None:
    tenant = make_tenant("a")
    customer = Customer(tenant_id=tenant.id, customer_code="C")
    customer.addresses = [
        Address(tenant_id=tenant.id, kind="billing", is_default=True),
        Address(tenant_id=tenant.id, kind="shipping"),
    ]
    customer.buyers = [Buyer(tenant_id=tenant.id, code="B", email="b@example.com")]
    session.add(customer)
    session.commit()
    session.execute(delete(Customer))
    session.commit()
    assert _count(session, Address) == 0
    assert _count(session, Buyer) == 0


def test_field_values_round_trip_exactly(session: Session, make_tenant: MakeTenant) -> None:
    tenant = make_tenant("a")
    product = _product(
        tenant,
        "U1",
        tags=["wholesync", "Prebook: True"],
        collections=["Summer"],
        options=[{"name": "Size", "position": 1, "values": ["S", "M"]}],
        custom_fields={"fabric": "cotton", "care": {"wash": 30}},
        prebook=True,
        available_from=date(2026, 8, 1),
        available_to=date(2026, 9, 30),
        online_store_url="https://brand.example/products/tee",
    )
    variant = product.variants[0]
    variant.retail_price = Decimal("1234567890.99")
    variant.wholesale_price = Decimal("0.10")
    variant.weight = Decimal("0.125")
    variant.weight_unit = "KILOGRAMS"
    variant.option_values = {"Size": "S"}
    session.add(product)
    session.commit()
    session.expire_all()
    stored = session.scalars(select(Variant)).one()
    assert stored.retail_price == Decimal("1234567890.99")
    assert stored.wholesale_price == Decimal("0.10")
    assert stored.weight == Decimal("0.125")
    assert stored.option_values == {"Size": "S"}
    assert stored.product.tags == ["wholesync", "Prebook: True"]
    assert stored.product.options == [{"name": "Size", "position": 1, "values": ["S", "M"]}]
    assert stored.product.custom_fields == {"fabric": "cotton", "care": {"wash": 30}}
    assert (stored.product.available_from, stored.product.available_to) == (
        date(2026, 8, 1),
        date(2026, 9, 30),
    )
    assert stored.product.status == "active" and stored.product.archived_at is None


def test_for_tenant_scopes_queries(session: Session, make_tenant: MakeTenant) -> None:
    a, b = make_tenant("a"), make_tenant("b")
    session.add_all([_product(a, "A1", "A2"), _product(b, "B1")])
    session.flush()
    assert sorted(session.scalars(Variant.for_tenant(a.id)).all(), key=lambda v: v.upc) == sorted(
        session.scalars(select(Variant).where(Variant.tenant_id == a.id)), key=lambda v: v.upc
    )
    assert [v.upc for v in session.scalars(Variant.for_tenant(b.id))] == ["B1"]


def test_json_columns_take_decimals_dates_and_tuples(
    session: Session, make_tenant: MakeTenant
) -> None:
    tenant = make_tenant("a")
    run = SyncRun(tenant_id=tenant.id, flow="products", status="succeeded")
    diff = {
        "retail_price": (Decimal("10.00"), Decimal("12.50")),
        "available_from": date(2026, 8, 1),
    }
    run.records = [SyncRecord(tenant_id=tenant.id, entity="product", action="update", diff=diff)]
    session.add(run)
    session.commit()
    session.expire_all()
    stored = session.scalars(select(SyncRecord)).one()
    assert stored.diff == {"retail_price": ["10.00", "12.50"], "available_from": "2026-08-01"}
