"""In Chromium, against a simulated shop and a worker: run a flow from the dashboard and
watch it finish, and preview a change, see its diff, apply it and see the hub updated."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Dialog, Page, expect
from sqlalchemy import select

from tests.web.harness import Shop, consuming, open_shop, serving
from tests.web.ui.conftest import PASSWORD, shoot
from wholesync.hub.models import ExternalRef, Product, SyncRun
from wholesync.hub.users import create_user
from wholesync.runtime.service import Runtime
from wholesync.simulator.server import RunningSimulator
from wholesync.sync.flows import run_for_tenant
from wholesync.sync.products import PRODUCTS
from wholesync.web.app import create_app

EMAIL = "ops@brand.example"
RUN_PAGE = re.compile(r".*/runs/(\d+)$")


@dataclass
class ShopUi:
    """The app at ``url`` over a tenant syncing from ``shop``, with an operator ``EMAIL``."""

    url: str
    shop: Shop


@pytest.fixture
def shop_ui(
    simulator: RunningSimulator, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ShopUi]:
    shop = open_shop(simulator, runtime, monkeypatch, products=3, customers=2, locations=1)
    with runtime.sessions.begin() as session:
        create_user(session, shop.tenant_id, EMAIL, "operator", PASSWORD)
    with serving(create_app(runtime)) as url:
        yield ShopUi(url, shop)
    httpx.delete(f"{simulator.url}/__sim/shops/{shop.handle}", timeout=30)


def open_dashboard(page: Page, shop_ui: ShopUi) -> None:
    page.goto(f"{shop_ui.url}/login")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{shop_ui.url}/dashboard")


def run_id(page: Page) -> int:
    found = RUN_PAGE.match(page.url)
    assert found, page.url
    return int(found.group(1))


def test_run_a_flow_from_the_dashboard_and_watch_it_finish(
    page: Page, shop_ui: ShopUi, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_dashboard(page, shop_ui)
    products = page.locator("#flow-products")
    expect(products).to_contain_text("never")
    # Slow Shopify down, so the run is seen going.
    shop_ui.shop.control("PUT", "/faults", {"latency": 0.7})
    with consuming(runtime, monkeypatch):
        products.get_by_role("button", name="Run now").click()
        expect(page).to_have_url(re.compile(r".*/jobs\?id=\d+"))
        expect(page.locator("#job-progress")).to_contain_text("running", timeout=30_000)
        shoot(page, "job")
        page.wait_for_url(RUN_PAGE, timeout=60_000)
    expect(page.locator("h1")).to_contain_text("products")
    expect(page.locator("main")).to_contain_text("succeeded")
    expect(page.locator(".run-counts")).to_contain_text("created 3")
    shoot(page, "run")
    page.get_by_role("link", name="Dashboard").first.click()
    expect(products).to_contain_text("succeeded")
    expect(products.locator(f'a[href="/runs/{run_id_of(runtime, shop_ui)}"]')).to_be_visible()
    shoot(page, "dashboard-flows")
    page.goto(f"{shop_ui.url}/runs")
    expect(page.locator("table.runs")).to_contain_text("products")
    shoot(page, "runs")


def run_id_of(runtime: Runtime, shop_ui: ShopUi) -> int:
    with runtime.sessions() as session:
        found = session.scalar(
            select(SyncRun.id).where(SyncRun.tenant_id == shop_ui.shop.tenant_id)
        )
    assert found is not None
    return found


def test_preview_a_change_then_apply_it(
    page: Page, shop_ui: ShopUi, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = shop_ui.shop
    for result in run_for_tenant(runtime.sessions, shop.tenant, [PRODUCTS]):
        assert result.status == "succeeded", result.error
    with runtime.sessions() as session:
        product, gid = session.execute(
            select(Product, ExternalRef.shopify_gid)
            .join(ExternalRef, ExternalRef.hub_id == Product.id)
            .where(Product.tenant_id == shop.tenant_id, ExternalRef.entity == "product")
            .order_by(Product.id)
            .limit(1)
        ).one()
    old_title = product.title
    shop.control("POST", f"/products/{gid.rsplit('/', 1)[1]}", {"title": "Renamed Parka"})
    open_dashboard(page, shop_ui)
    page.on("dialog", lambda dialog: accept(dialog))
    with consuming(runtime, monkeypatch):
        page.locator("#flow-products").get_by_role("button", name="Preview").click()
        page.wait_for_url(RUN_PAGE, timeout=60_000)
        preview = run_id(page)
        expect(page.locator("h1")).to_contain_text(f"Preview #{preview}: products")
        title = page.locator("table.diff tr", has_text="Renamed Parka")
        expect(title).to_contain_text("title")
        expect(title.locator(".diff-old")).to_have_text(old_title)
        expect(title.locator(".diff-new")).to_have_text("Renamed Parka")
        shoot(page, "preview")
        with runtime.sessions() as session:
            assert session.get_one(Product, product.id).title == old_title  # nothing written
        page.get_by_role("button", name="Apply").click()
        page.wait_for_url(re.compile(rf".*/runs/(?!{preview}$)\d+$"), timeout=60_000)
    expect(page.locator("h1")).to_contain_text("products")
    expect(page.locator("main")).to_contain_text("succeeded")
    expect(page.locator(".run-counts")).to_contain_text("updated 1")
    with runtime.sessions() as session:
        assert session.get_one(Product, product.id).title == "Renamed Parka"
    shoot(page, "applied")


def accept(dialog: Dialog) -> None:
    dialog.accept()
