"""In Chromium: browse the catalog, a product, the customers, a customer, the inventory and
the webhook inbox through the menu, searching and filtering as a person does (the lists
refresh as one types or picks), with a screenshot of each page."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import orjson
import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.web.ui.conftest import OPERATOR, UiHub, shoot, sign_in
from wholesync.hub.models import (
    Customer,
    ExternalRef,
    InventoryLevel,
    Order,
    Product,
    Variant,
    Warehouse,
)
from wholesync.hub.models.types import utcnow
from wholesync.runtime import inbox
from wholesync.runtime.inbox import Delivery
from wholesync.runtime.models import InboxStatus


@pytest.fixture
def store(ui: UiHub) -> UiHub:
    """A small brand: a few products with stock in two warehouses, customers with an order,
    and webhook deliveries in each outcome."""
    tenant, ids = ui.acme.id, ui.acme.ids
    with ui.runtime.sessions.begin() as session:
        east = Warehouse(tenant_id=tenant, code="EAST", name="East Coast")
        products = []
        for title, sku, sizes in (
            ("Wool Coat", "WC", ("S", "M", "L")),
            ("Canvas Tote", "CT", ("One size",)),
        ):
            product = Product(tenant_id=tenant, title=title, handle=title.lower().replace(" ", "-"))
            product.variants = [
                Variant(
                    tenant_id=tenant,
                    upc=f"{sku}-{size[0]}",
                    sku=f"{sku}-{size[0]}",
                    title=size,
                    position=position,
                    retail_price=Decimal("120.00"),
                    wholesale_price=Decimal("60.00"),
                )
                for position, size in enumerate(sizes, start=1)
            ]
            products.append(product)
        session.add_all(
            [
                east,
                *products,
                Customer(
                    tenant_id=tenant,
                    customer_code="C2",
                    company="Corner Store",
                    email="a@c.example",
                ),
                Order(
                    tenant_id=tenant, number="W-1001", customer_id=ids["customer"], po_number="PO-7"
                ),
                ExternalRef(
                    tenant_id=tenant,
                    entity="product",
                    hub_id=ids["product"],
                    shopify_gid="gid://shopify/Product/4242",
                ),
            ]
        )
        session.flush()
        for variant in (*products[0].variants, session.get_one(Variant, ids["variant_m"])):
            for warehouse, bucket, quantity in ((east.id, "ats", 5), (east.id, "incoming", 20)):
                session.add(
                    InventoryLevel(
                        tenant_id=tenant,
                        variant_id=variant.id,
                        warehouse_id=warehouse,
                        bucket=bucket,
                        quantity=quantity,
                    )
                )
        at = utcnow() - timedelta(minutes=5)
        body = orjson.dumps({"id": 4242, "title": "Linen Shirt", "variants": [{"sku": "LS-S"}]})
        inbox.store(
            session,
            [
                Delivery(tenant, f"browse-{topic}", topic, body, at)
                for topic in ("inventory_levels/update", "customers/update", "products/update")
            ],
        )
    with ui.runtime.sessions.begin() as session:
        first, second = inbox.claim(session, tenant, now=at, limit=2)
        inbox.finish(
            session,
            [first.id],
            InboxStatus.FAILED,
            now=utcnow(),
            error="WAREHOUSE_UNMAPPED: location Depot maps to no warehouse; map it.",
        )
        inbox.finish(session, [second.id], InboxStatus.PROCESSED, now=utcnow())
    return ui


def test_browse_catalog_customers_inventory_and_webhooks(store: UiHub, page: Page) -> None:
    blocked: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            blocked.append(message.text)

    page.on("console", watch)
    sign_in(page, store, OPERATOR)

    # Catalog: every product, then a search as one types.
    page.get_by_role("link", name="Catalog", exact=True).click()
    expect(page.locator("h1")).to_have_text("Catalog")
    results = page.locator("#results")
    expect(results).to_contain_text("1\N{EN DASH}3 of 3 products")
    shoot(page, "catalog")
    page.get_by_role("searchbox").fill("ls-m")
    expect(page).to_have_url(re.compile(r"/catalog\?q=ls-m"))
    expect(results).to_contain_text("1\N{EN DASH}1 of 1 products")
    expect(results.get_by_role("link")).to_have_text(["Linen Shirt"])

    # The product: variants, stock per warehouse, the Shopify admin link.
    results.get_by_role("link", name="Linen Shirt").click()
    expect(page.locator("h1")).to_have_text("Linen Shirt")
    admin = page.get_by_role("link", name="Open in Shopify admin")
    expect(admin).to_have_attribute("href", "https://acme.myshopify.com/admin/products/4242")
    stock = page.locator("table").nth(1)
    expect(stock.locator("tbody tr")).to_have_count(2)
    expect(stock.locator("tbody tr").nth(1)).to_contain_text("East Coast (EAST)")
    shoot(page, "product")

    # Customers: the list, a search, then a customer with addresses, buyers and orders.
    page.get_by_role("link", name="Customers", exact=True).click()
    expect(results).to_contain_text("1\N{EN DASH}2 of 2 customers")
    shoot(page, "customers")
    page.get_by_role("searchbox").fill("buy@one")
    expect(results.get_by_role("link")).to_have_text(["Boutique One"])
    results.get_by_role("link", name="Boutique One").click()
    expect(page.locator("h1")).to_have_text("Boutique One")
    expect(page.locator("address").first).to_contain_text("1 Main St")
    expect(page.get_by_role("link", name="W-1001")).to_have_attribute(
        "href", re.compile(r"^/orders/\d+$")
    )
    shoot(page, "customer")

    # Inventory: pick a warehouse and a bucket; the list follows.
    page.get_by_role("link", name="Inventory", exact=True).click()
    expect(results).to_contain_text("of 9 stock levels")
    page.get_by_label("Warehouse").select_option("EAST")
    expect(results).to_contain_text("of 8 stock levels")
    page.get_by_label("Bucket").select_option("incoming")
    expect(results).to_contain_text("1\N{EN DASH}4 of 4 stock levels")
    expect(page).to_have_url(re.compile(r"warehouse=EAST&bucket=incoming"))
    shoot(page, "inventory")

    # Webhooks: counts per status, the failed ones, one delivery with its payload.
    page.get_by_role("link", name="Webhooks", exact=True).click()
    counts = page.get_by_label("Deliveries per status")
    expect(counts).to_contain_text("Failed 1")
    expect(counts).to_contain_text("Received 1")
    counts.get_by_role("link", name=re.compile("^Failed")).click()
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results).to_contain_text("WAREHOUSE_UNMAPPED")
    shoot(page, "webhooks")
    results.locator("tbody a").first.click()
    expect(page.locator("h1")).to_have_text("inventory_levels/update")
    expect(page.locator("pre.payload")).to_contain_text('"title": "Linen Shirt"')
    shoot(page, "webhook")
    assert blocked == [], blocked
