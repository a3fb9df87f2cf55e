"""The hub's domain services: tenants, catalog archiving and lookups, customers, inventory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from wholesync.hub import catalog, customers, errors, inventory, tenants
from wholesync.hub.errors import HubError
from wholesync.hub.models import Address, Buyer, Customer, Product, Tenant, Variant

MakeTenant = Callable[[str], Tenant]
NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


# --- tenants -------------------------------------------------------------------------------


def test_create_find_list_and_update_tenants(session: Session) -> None:
    created = tenants.create_tenant(
        session,
        "brand-b",
        " Brand-B.myshopify.com ",
        auth_mode="client_credentials",
        client_id_env="BRAND_B_CLIENT_ID",
        secret_env="BRAND_B_SECRET",
        api_url="http://127.0.0.1:8765/",
    )
    tenants.create_tenant(session, "brand-a", "brand-a.myshopify.com", token_env="BRAND_A_TOKEN")
    session.commit()
    assert created.shop_domain == "brand-b.myshopify.com"
    assert created.api_url == "http://127.0.0.1:8765"
    assert created.settings == {} and created.enabled
    assert [t.name for t in tenants.list_tenants(session)] == ["brand-a", "brand-b"]
    tenant = tenants.get_tenant(session, "brand-b")
    tenants.update_settings(tenant, {"sync_tag": "NuORDER Sync: True"})
    session.commit()
    session.expire_all()
    assert tenants.get_tenant(session, "brand-b").settings == {"sync_tag": "NuORDER Sync: True"}


def test_a_duplicate_tenant_is_refused_and_the_session_stays_usable(session: Session) -> None:
    tenants.create_tenant(session, "brand", "brand.myshopify.com", token_env="TOKEN")
    with pytest.raises(HubError) as caught:
        tenants.create_tenant(session, "brand", "other.myshopify.com", token_env="TOKEN")
    assert caught.value.code == errors.TENANT_EXISTS
    session.commit()
    assert [t.name for t in tenants.list_tenants(session)] == ["brand"]


def test_an_unknown_tenant_names_the_known_ones(session: Session) -> None:
    tenants.create_tenant(session, "brand", "brand.myshopify.com", token_env="TOKEN")
    with pytest.raises(HubError) as caught:
        tenants.get_tenant(session, "brnad")
    assert caught.value.code == errors.TENANT_NOT_FOUND
    assert "brand" in caught.value.message
    assert "wholesync tenants list" in caught.value.fix
    assert tenants.find_tenant(session, "brnad") is None


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"name": "has space"}, "name"),
        ({"name": ""}, "name"),
        ({"shop_domain": "https://brand.myshopify.com"}, "shop domain"),
        ({"shop_domain": "brand"}, "shop domain"),
        ({"auth_mode": "password"}, "auth mode"),
        ({"token_env": None}, "token"),
        ({"auth_mode": "client_credentials", "client_id_env": "ID"}, "client id"),
        ({"token_env": "1BAD"}, "token_env"),
        ({"api_url": "127.0.0.1:8765"}, "API URL"),
    ],
)
def test_invalid_tenants_are_refused_with_a_fix(
    session: Session, kwargs: dict[str, Any], fragment: str
) -> None:
    args: dict[str, Any] = {
        "name": "brand",
        "shop_domain": "brand.myshopify.com",
        "token_env": "TOKEN",
    } | kwargs
    name, domain = args.pop("name"), args.pop("shop_domain")
    with pytest.raises(HubError) as caught:
        tenants.create_tenant(session, name, domain, **args)
    assert caught.value.code == errors.INVALID_TENANT
    assert fragment in caught.value.message
    assert caught.value.fix


def test_a_secret_given_instead_of_a_variable_name_is_refused_and_not_echoed(
    session: Session,
) -> None:
    secret = "shpat_0123456789abcdef0123456789abcdef"
    with pytest.raises(HubError) as caught:
        tenants.create_tenant(session, "brand", "brand.myshopify.com", token_env=secret)
    assert caught.value.code == errors.INVALID_TENANT
    assert secret not in str(caught.value)


# --- catalog -------------------------------------------------------------------------------


def _product(session: Session, tenant: Tenant, *upcs: str) -> Product:
    product = Product(tenant_id=tenant.id, title="Tee", handle="tee")
    product.variants = [
        Variant(tenant_id=tenant.id, upc=upc, title=upc, retail_price=Decimal(10)) for upc in upcs
    ]
    session.add(product)
    session.flush()
    return product


def test_archive_and_restore_a_product(session: Session, make_tenant: MakeTenant) -> None:
    product = _product(session, make_tenant("a"), "U1")
    assert catalog.archive_product(product, now=NOW)
    assert (product.status, product.archived_at) == ("archived", NOW)
    assert not catalog.archive_product(product)
    assert product.archived_at == NOW
    session.commit()
    assert catalog.restore_product(product)
    assert product.status == "active"
    assert product.archived_at is None
    assert not catalog.restore_product(product)


def test_archive_and_restore_a_variant(session: Session, make_tenant: MakeTenant) -> None:
    variant = _product(session, make_tenant("a"), "U1").variants[0]
    assert catalog.archive_variant(variant, now=NOW)
    assert not catalog.archive_variant(variant)
    assert variant.archived_at == NOW
    assert catalog.restore_variant(variant)
    assert not catalog.restore_variant(variant)


def test_variants_by_upc_stay_within_the_tenant(session: Session, make_tenant: MakeTenant) -> None:
    a, b = make_tenant("a"), make_tenant("b")
    _product(session, a, "U1", "U2")
    _product(session, b, "U1", "U3")
    found = catalog.variants_by_upc(session, a.id, ["U1", "U3", "U2", "U1"])
    assert sorted(found) == ["U1", "U2"]
    assert {v.tenant_id for v in found.values()} == {a.id}
    one = catalog.variant_by_upc(session, b.id, "U3")
    assert one is not None and one.tenant_id == b.id
    assert catalog.variant_by_upc(session, a.id, "U3") is None


def test_variants_by_upc_handles_more_keys_than_one_query_takes(
    session: Session, make_tenant: MakeTenant
) -> None:
    tenant = make_tenant("a")
    upcs = [f"{n:012d}" for n in range(1_200)]
    _product(session, tenant, *upcs)
    found = catalog.variants_by_upc(session, tenant.id, [*upcs, "missing"])
    assert len(found) == 1_200


# --- customers -----------------------------------------------------------------------------


def _customer(session: Session, tenant: Tenant, code: str, email: str | None = None) -> Customer:
    customer = Customer(tenant_id=tenant.id, customer_code=code, email=email)
    session.add(customer)
    session.flush()
    return customer


def test_customer_lookups(session: Session, make_tenant: MakeTenant) -> None:
    a, b = make_tenant("a"), make_tenant("b")
    first = _customer(session, a, "C1", "Buyer@Example.com")
    _customer(session, a, "C2", "buyer@example.com")
    _customer(session, b, "C1", "buyer@example.com")
    assert customers.customer_by_code(session, a.id, "C1") is first
    assert customers.customer_by_code(session, a.id, "C9") is None
    assert sorted(customers.customers_by_code(session, a.id, ["C1", "C2", "C9"])) == ["C1", "C2"]
    same_email = customers.customers_by_email(session, a.id, " BUYER@example.com ")
    assert [c.customer_code for c in same_email] == ["C1", "C2"]
    assert customers.customers_by_email(session, b.id, "nobody@example.com") == []


def test_archiving_a_customer_archives_its_buyers(
    session: Session, make_tenant: MakeTenant
) -> None:
    tenant = make_tenant("a")
    customer = _customer(session, tenant, "C1")
    customer.buyers = [Buyer(tenant_id=tenant.id, code="B1", email="b@example.com")]
    session.flush()
    assert customers.archive_customer(customer, now=NOW)
    assert customer.archived_at == NOW and customer.buyers[0].archived_at == NOW
    assert not customers.archive_customer(customer)
    assert customers.restore_customer(customer)
    assert customer.archived_at is None
    assert not customers.restore_customer(customer)


def test_default_address_per_kind(session: Session, make_tenant: MakeTenant) -> None:
    tenant = make_tenant("a")
    customer = _customer(session, tenant, "C1")
    customer.addresses = [
        Address(tenant_id=tenant.id, kind="shipping", city="Lyon"),
        Address(tenant_id=tenant.id, kind="shipping", city="Paris", is_default=True),
        Address(tenant_id=tenant.id, kind="billing", city="Nice"),
    ]
    session.flush()
    shipping = customers.default_address(customer, "shipping")
    billing = customers.default_address(customer, "billing")
    assert shipping is not None and shipping.city == "Paris"
    assert billing is not None and billing.city == "Nice"
    assert customers.default_address(_customer(session, tenant, "C2"), "billing") is None
    with pytest.raises(ValueError):
        customers.default_address(customer, "office")


# --- inventory -----------------------------------------------------------------------------


def test_set_level_creates_updates_and_reports_no_change(
    session: Session, make_tenant: MakeTenant
) -> None:
    tenant = make_tenant("a")
    variant = _product(session, tenant, "U1").variants[0]
    main = inventory.ensure_warehouse(session, tenant.id, "MAIN", "Main", "gid://Location/1")
    assert inventory.ensure_warehouse(session, tenant.id, "MAIN", "Renamed") is main
    key = {"tenant_id": tenant.id, "variant_id": variant.id, "warehouse_id": main.id}
    assert inventory.set_level(session, **key, bucket="ats", quantity=7)
    assert inventory.set_level(session, **key, bucket="incoming", quantity=20)
    assert not inventory.set_level(session, **key, bucket="ats", quantity=7)
    assert inventory.set_level(session, **key, bucket="ats", quantity=-2)
    session.commit()
    assert inventory.levels(session, variant.id) == {("MAIN", "ats"): -2, ("MAIN", "incoming"): 20}
    assert inventory.warehouse_by_code(session, tenant.id, "MAIN") is main
    assert inventory.warehouse_by_code(session, tenant.id, "NOPE") is None
    assert list(inventory.warehouses(session, tenant.id)) == ["MAIN"]


def test_set_level_refuses_an_unknown_bucket(session: Session, make_tenant: MakeTenant) -> None:
    tenant = make_tenant("a")
    variant = _product(session, tenant, "U1").variants[0]
    main = inventory.ensure_warehouse(session, tenant.id, "MAIN", "Main")
    with pytest.raises(HubError) as caught:
        inventory.set_level(
            session,
            tenant_id=tenant.id,
            variant_id=variant.id,
            warehouse_id=main.id,
            bucket="reserved",
            quantity=1,
        )
    assert caught.value.code == errors.INVALID_BUCKET
    assert "ats, incoming, prebook" in caught.value.fix
    assert session.scalars(select(Variant)).one() is variant
