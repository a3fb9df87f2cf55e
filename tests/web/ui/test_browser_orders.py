"""In Chromium, against a tenant synced from a simulated Shopify store with a worker running:
take a wholesale order through order entry (search items as you type, stock per warehouse),
submit and approve it, and watch it become Shopify order #...; then an order whose customer
Shopify does not know fails with CUSTOMER_NOT_FOUND, the customer is created in Shopify, and
the order is re-exported from its page and processed."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import ConsoleMessage, Page, Response, expect
from sqlalchemy import select

from tests.web.harness import Shop, consuming, open_shop
from tests.web.ui.conftest import PASSWORD, UiHub, shoot
from wholesync.hub.customer_entry import save_customer
from wholesync.hub.models import Customer, InventoryLevel, Order, Variant
from wholesync.hub.users import create_user
from wholesync.simulator.server import RunningSimulator
from wholesync.sync.customers import CUSTOMERS
from wholesync.sync.flows import run_for_tenant
from wholesync.sync.inventory import INVENTORY
from wholesync.sync.products import PRODUCTS

BRAND_USER = "orders@brand.example"
GHOST_EMAIL = "ghost7@boutique.example"
EXPORT_SECONDS = 60_000  # milliseconds for Playwright: a worker run against the simulator
SHIP_TO = {
    "ship_company": "Corner Boutique",
    "ship_address1": "1 Main Street",
    "ship_city": "Toronto",
    "ship_province_code": "ON",
    "ship_country_code": "CA",
    "ship_zip": "M5V 2T6",
}


@pytest.fixture
def shop(ui: UiHub, simulator: RunningSimulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    """A brand whose simulated store was synced into the hub, with an operator, and a worker
    consuming the queue."""
    opened = open_shop(simulator, ui.runtime, monkeypatch, products=3, customers=4, locations=1)
    for result in run_for_tenant(
        ui.runtime.sessions, opened.tenant, [PRODUCTS, CUSTOMERS, INVENTORY]
    ):
        assert result.status == "succeeded", result.error
    with ui.runtime.sessions.begin() as session:
        create_user(session, opened.tenant_id, BRAND_USER, "operator", PASSWORD)
    with consuming(ui.runtime, monkeypatch):
        yield opened
    httpx.delete(f"{simulator.url}/__sim/shops/{opened.handle}", timeout=30)


@pytest.fixture(autouse=True)
def no_refusals(page: Page) -> Iterator[None]:
    """The pages run without the browser refusing anything (Content-Security-Policy), without
    a script error, and without a failed request (the browser's own favicon guess aside)."""
    problems: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        loading = message.text.startswith("Failed to load resource")
        if "Content Security Policy" in message.text or (message.type == "error" and not loading):
            problems.append(message.text)

    def answered(response: Response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            problems.append(f"{response.status} {response.url}")

    page.on("console", watch)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", answered)
    yield
    assert not problems


def stocked_sku(shop: Shop) -> str:
    """The SKU of the variant with the most stock available to sell."""
    with shop.runtime.sessions() as session:
        sku = session.scalar(
            select(Variant.sku)
            .join(InventoryLevel, InventoryLevel.variant_id == Variant.id)
            .where(Variant.tenant_id == shop.tenant_id, InventoryLevel.bucket == "ats")
            .order_by(InventoryLevel.quantity.desc())
            .limit(1)
        )
    assert sku
    return sku


def synced_customer(shop: Shop) -> int:
    with shop.runtime.sessions() as session:
        found = session.scalar(
            select(Customer.id)
            .where(Customer.tenant_id == shop.tenant_id, Customer.archived_at.is_(None))
            .order_by(Customer.id)
            .limit(1)
        )
    assert found
    return found


def sign_in(page: Page, ui: UiHub) -> None:
    page.goto(f"{ui.url}/login")
    page.fill("input[name=email]", BRAND_USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/dashboard.*"))


def start_order(page: Page, ui: UiHub, customer_id: int, po_number: str) -> None:
    """Fill the new-order form and create the draft (the edit page opens)."""
    page.goto(f"{ui.url}/orders/new")
    page.select_option("select[name=customer_id]", str(customer_id))
    page.fill("input[name=po_number]", po_number)
    page.fill("input[name=ship_start]", "2027-02-01")
    page.fill("input[name=ship_complete]", "2027-02-28")
    page.fill("input[name=payment_terms]", "Net 30")
    page.fill("textarea[name=notes]", "Deliver before the spring launch")
    page.click("summary:has-text('Ship to')")
    for name, value in SHIP_TO.items():
        page.fill(f"input[name={name}]", value)
    page.click("button:has-text('Create draft')")
    page.wait_for_url(re.compile(r".*/orders/\d+/edit.*"))


def submit_and_approve(page: Page, shot: str | None = None) -> None:
    page.click("button:has-text('Save and submit')")
    page.wait_for_url(re.compile(r".*/orders/\d+\?notice=.*"))
    expect(page.locator(".order-status")).to_have_text("pending")
    if shot:
        shoot(page, shot)
    page.click("button:has-text('Approve')")


def test_enter_an_order_submit_approve_and_see_it_in_shopify(
    page: Page, ui: UiHub, shop: Shop
) -> None:
    sku = stocked_sku(shop)
    sign_in(page, ui)
    start_order(page, ui, synced_customer(shop), "PO-SPRING-1")
    expect(page.locator(".notice")).to_contain_text("Add its lines below")

    # Search as you type: the fragment lists the item with its stock per warehouse.
    page.fill("input[name=q]", sku[:-1])
    row = page.locator("#search-results tr", has_text=sku).first
    expect(row.locator(".stock .ats").first).not_to_have_text("0")
    row.locator("input[name=quantity]").fill("2")
    row.locator("button:has-text('Add')").click()
    expect(page.locator(".entry-lines tbody tr")).to_have_count(1)
    expect(page.locator(".entry-lines input[name=line_quantity]")).to_have_value("2")
    page.fill("input[name=q]", sku[:-1])
    expect(page.locator("#search-results tr", has_text=sku).first).to_be_visible()
    shoot(page, "order_entry")

    submit_and_approve(page, "order")
    expect(page.locator("#export-progress")).to_be_visible()
    expect(page.locator(".order-status")).to_have_text("processed", timeout=EXPORT_SECONDS)
    with shop.runtime.sessions() as session:
        order = session.scalars(select(Order).where(Order.po_number == "PO-SPRING-1")).one()
    assert order.shopify_order_name and order.shopify_order_gid
    expect(page.locator(".order-export")).to_contain_text(order.shopify_order_name)
    link = page.get_by_role("link", name=f"Open {order.shopify_order_name} in Shopify")
    expect(link).to_have_attribute("href", re.compile(r"https://.*/admin/orders/\d+$"))
    shoot(page, "order_processed")

    page.click("nav a:has-text('Orders')")
    page.fill("input[name=q]", "PO-SPRING")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results tbody tr")).to_contain_text(order.shopify_order_name)
    shoot(page, "orders")


def test_a_failed_order_is_fixed_in_shopify_and_re_exported(
    page: Page, ui: UiHub, shop: Shop
) -> None:
    with ui.runtime.sessions.begin() as session:
        ghost = save_customer(
            session,
            shop.tenant_id,
            {
                "customer_code": "GHOST-7",
                "company": "Ghost Boutique",
                "email": "ghost7@boutique.example",
            },
        )
        session.flush()
        ghost_id = ghost.id
    sign_in(page, ui)
    start_order(page, ui, ghost_id, "PO-GHOST-1")
    page.fill("input[name=key]", stocked_sku(shop))
    page.fill(".add-lines input[name=quantity]", "1")
    page.click("button:has-text('Add line')")
    expect(page.locator(".entry-lines tbody tr")).to_have_count(1)
    submit_and_approve(page)
    expect(page.locator(".order-status")).to_have_text("failed", timeout=EXPORT_SECONDS)
    expect(page.locator(".order-export")).to_contain_text("CUSTOMER_NOT_FOUND")
    expect(page.locator(".order-export")).to_contain_text("GHOST-7")
    shoot(page, "order_failed")

    # Found from the list of failed orders, with its error.
    page.goto(f"{ui.url}/orders?status=failed")
    expect(page.locator("#results tbody tr")).to_contain_text("CUSTOMER_NOT_FOUND")
    page.click("#results tbody tr a")

    shop.control("POST", "/customers", {"email": GHOST_EMAIL, "tags": ["wholesync"]})
    page.click("button:has-text('Re-export')")
    expect(page.locator(".order-status")).to_have_text("processed", timeout=EXPORT_SECONDS)
    expect(page.locator(".order-export")).not_to_contain_text("CUSTOMER_NOT_FOUND")
    with shop.runtime.sessions() as session:
        order = session.scalars(select(Order).where(Order.po_number == "PO-GHOST-1")).one()
    assert order.status == "processed" and order.shopify_order_name
    expect(page.locator(".order-export")).to_contain_text(order.shopify_order_name)
    shoot(page, "order_reexported")
