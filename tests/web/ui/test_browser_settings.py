"""In Chromium: an admin edits a schedule and a custom-field mapping, is told how to fix a bad
JMESPath expression with the input kept, fixes it and saves; settings download and upload as
TOML; an operator neither sees nor opens settings."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.web.ui.conftest import OPERATOR, UiHub, shoot, sign_in
from wholesync.hub.models import Tenant
from wholesync.sync.settings import TenantSettings
from wholesync.sync.tenants import tenant_settings


def stored(ui: UiHub) -> TenantSettings:
    with ui.runtime.sessions() as session:
        return tenant_settings(session.get_one(Tenant, ui.acme.id))


def test_an_admin_edits_a_schedule_and_a_mapping(page: Page, ui: UiHub) -> None:
    sign_in(page, ui)
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    expect(page.locator("body")).to_contain_text("from the environment variable T")
    shoot(page, "settings")

    page.get_by_role("link", name="Schedules").first.click()
    page.get_by_label("products: schedule (cron)").fill("*/15 * * * *")
    page.get_by_role("button", name="Save schedules").click()
    expect(page.get_by_role("status")).to_have_text("Schedules: saved.")
    expect(page.get_by_label("products: schedule (cron)")).to_have_value("*/15 * * * *")

    page.get_by_role("link", name="Custom fields").first.click()
    mapping = page.get_by_label("Product fields")
    mapping.fill("season = meta.custom.season\nfit = meta.[[")
    page.get_by_role("button", name="Save custom fields").click()
    error = page.locator("#f-custom_fields-product-error")
    expect(error).to_contain_text("fit: 'meta.[[' is not a valid JMESPath expression")
    expect(error).to_contain_text("Allowed: a JMESPath expression over the Shopify node")
    expect(page.get_by_label("Product fields")).to_have_value(
        "season = meta.custom.season\nfit = meta.[["
    )
    expect(page.get_by_label("Product fields")).to_have_attribute("aria-invalid", "true")
    shoot(page, "settings_error")
    assert stored(ui).custom_fields.product == {}

    page.get_by_label("Product fields").fill("season = meta.custom.season\nfit = meta.custom.fit")
    page.get_by_role("button", name="Save custom fields").click()
    expect(page.get_by_role("status")).to_have_text("Custom fields: saved.")
    expect(page.locator(".field-error")).to_have_count(0)
    shoot(page, "settings_saved")

    settings = stored(ui)
    assert settings.custom_fields.product == {
        "season": "meta.custom.season",
        "fit": "meta.custom.fit",
    }
    assert settings.flows.products.schedule == "*/15 * * * *"


def test_settings_download_and_upload_in_the_browser(page: Page, ui: UiHub, tmp_path: Path) -> None:
    sign_in(page, ui)
    page.goto(f"{ui.url}/settings")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download settings (TOML)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "wholesync-acme.toml"
    saved.write_text(saved.read_text().replace('image_mode = "product"', 'image_mode = "variant"'))

    page.set_input_files("#settings-file", str(saved))
    page.get_by_role("button", name="Import settings").click()

    expect(page.get_by_role("status")).to_have_text("Settings imported from wholesync-acme.toml.")
    assert stored(ui).image_mode == "variant"


def test_an_operator_cannot_open_settings(page: Page, ui: UiHub) -> None:
    sign_in(page, ui, OPERATOR)
    expect(page.get_by_role("link", name="Settings")).to_have_count(0)

    response = page.goto(f"{ui.url}/settings/schedules")

    assert response is not None and response.status == 403
    expect(page.get_by_role("alert")).to_contain_text(re.compile("ADMIN_ONLY.*Only an admin"))
