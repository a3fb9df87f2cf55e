"""Fixtures for the REST API tests: two tenants with a small hub each (catalog, stock,
customers, buyers, a sync run), an API key per tenant, and the web app served on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from tests.secrets_scan import read_response, remember
from tests.web.harness import serving
from wholesync.hub.apikeys import create_key
from wholesync.hub.models import (
    Address,
    Buyer,
    Customer,
    InventoryLevel,
    Product,
    SyncRecord,
    SyncRun,
    Variant,
    Warehouse,
)
from wholesync.hub.models.types import utcnow
from wholesync.runtime.models import InboxEntry
from wholesync.runtime.service import Runtime
from wholesync.sync.tenants import add_tenant
from wholesync.web.app import create_app

SHIP_TO = {"address1": "1 Main St", "address2": "Suite 4", "city": "Brooklyn", "country_code": "US"}


@dataclass
class Tenant:
    """One tenant's API key and the ids of its seeded rows."""

    id: int
    key: str
    ids: dict[str, int] = field(default_factory=dict)


@dataclass
class Hub:
    """The app served at ``url`` over two tenants: ``acme`` (the caller) and ``other``."""

    url: str
    runtime: Runtime
    acme: Tenant
    other: Tenant

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key or self.acme.key}"}
        return httpx.Client(
            base_url=f"{self.url}/api/v1",
            headers=headers,
            timeout=30,
            event_hooks={"response": [read_response]},
        )


def seed(session: Session, name: str) -> Tenant:
    """A tenant with a product of two variants, stock, a customer with addresses and a
    buyer, a finished sync run with a rejected record, and a processed webhook delivery."""
    tenant = add_tenant(session, name, shop=f"{name}.myshopify.com", token_env="T", secret_env="S")
    product = Product(tenant_id=tenant.id, title="Linen Shirt", handle="linen-shirt")
    variants = [
        Variant(
            tenant_id=tenant.id,
            upc=f"LS-{size}",
            sku=f"LS-{size}",
            barcode=f"00000000{position}",
            title=size,
            position=position,
            retail_price=Decimal("40.00"),
            wholesale_price=Decimal("20.00"),
        )
        for position, size in enumerate(("S", "M"), start=1)
    ]
    product.variants = variants
    warehouse = Warehouse(tenant_id=tenant.id, code="MAIN", name="Main")
    customer = Customer(
        tenant_id=tenant.id, customer_code="C1", company="Boutique One", email="buy@one.example"
    )
    customer.addresses = [
        Address(tenant_id=tenant.id, kind="shipping", is_default=True, **SHIP_TO),
        Address(tenant_id=tenant.id, kind="billing", is_default=True, address1="PO Box 9"),
    ]
    buyer = Buyer(tenant_id=tenant.id, code="B1", email="ann@one.example", first_name="Ann")
    customer.buyers = [buyer]
    run = SyncRun(tenant_id=tenant.id, flow="products", status="succeeded", counts={"create": 1})
    record = SyncRecord(
        tenant_id=tenant.id,
        entity="variant",
        key="LS-L",
        action="reject",
        code="MISSING_REQUIRED_FIELD",
        message="Give the variant a SKU.",
    )
    run.records = [record]
    session.add_all([product, warehouse, customer, run])
    session.flush()
    level = InventoryLevel(
        tenant_id=tenant.id,
        variant_id=variants[0].id,
        warehouse_id=warehouse.id,
        bucket="ats",
        quantity=7,
    )
    delivery = InboxEntry(
        tenant_id=tenant.id,
        webhook_id=f"{name}-seed",
        topic="products/update",
        body=b"{}",
        status="processed",
        processed_at=utcnow(),
    )
    session.add_all([level, delivery])
    session.flush()
    _, key = create_key(session, tenant.id, "tests")
    remember(key)
    ids = {
        "product": product.id,
        "variant": variants[0].id,
        "variant_m": variants[1].id,
        "warehouse": warehouse.id,
        "customer": customer.id,
        "buyer": buyer.id,
        "run": run.id,
        "level": level.id,
        "webhook": delivery.id,
    }
    return Tenant(tenant.id, key, ids)


@pytest.fixture
def hub(runtime: Runtime) -> Iterator[Hub]:
    with runtime.sessions.begin() as session:
        acme, other = seed(session, "acme"), seed(session, "other")
    with serving(create_app(runtime)) as url:
        yield Hub(url, runtime, acme, other)


@pytest.fixture
def client(hub: Hub) -> Iterator[httpx.Client]:
    with hub.client() as client:
        yield client


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The body of a problem response, after checking its status, type and code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert (body["status"], body["code"]) == (status, code), body
    assert len(body["detail"]) > 20
    return body


def new_order(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = client.post("/orders", json=fields)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
