"""In Chromium: sign in through the form, and an operator does not see or reach settings."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.web.ui.conftest import OPERATOR, UiHub, shoot, sign_in


def test_sign_in_in_the_browser(page: Page, ui: UiHub) -> None:
    page.goto(f"{ui.url}/dashboard")
    expect(page).to_have_url(f"{ui.url}/login?next=/dashboard")
    shoot(page, "login")
    sign_in(page, ui)
    expect(page.locator("nav")).to_contain_text("acme")
    expect(page.get_by_role("link", name="Settings")).to_be_visible()
    shoot(page, "dashboard")


def test_an_operator_cannot_open_settings(page: Page, ui: UiHub) -> None:
    sign_in(page, ui, OPERATOR)
    expect(page.get_by_role("link", name="Settings")).to_have_count(0)
    response = page.goto(f"{ui.url}/settings")
    assert response is not None and response.status in (403, 404)
