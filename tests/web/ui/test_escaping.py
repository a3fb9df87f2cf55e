"""Markup in synced data shows as text: a product title holding a script tag and a customer
company holding an image tag with an event handler, on every page that shows them, over HTTP
(the HTML holds only the escaped form) and in Chromium (the text is seen, no dialog opens)."""

from __future__ import annotations

import orjson
import pytest
from playwright.sync_api import Dialog, Page, expect
from sqlalchemy import update

from tests.web.ui.conftest import UiHub, sign_in
from wholesync.hub.models import Address, Customer, Product, Variant
from wholesync.hub.models.types import utcnow
from wholesync.runtime import inbox
from wholesync.runtime.inbox import Delivery
from wholesync.runtime.models import InboxStatus

TITLE = "Shirt <script>alert(1)</script>"
COMPANY = "<img src=x onerror=alert(2)>Evil & Co"
ESCAPED = {
    TITLE: "Shirt &lt;script&gt;alert(1)&lt;/script&gt;",
    COMPANY: "&lt;img src=x onerror=alert(2)&gt;Evil &amp; Co",
}
RAW = ("<script>alert(1)</script>", "<img src=x onerror")


@pytest.fixture
def hostile(ui: UiHub) -> dict[str, list[str]]:
    """Markup in the acme shirt, one of its variants, the customer, its addresses and a
    webhook delivery; returns each page that shows it -> the texts it must show."""
    ids = ui.acme.ids
    with ui.runtime.sessions.begin() as session:
        session.execute(update(Product).where(Product.id == ids["product"]).values(title=TITLE))
        session.execute(
            update(Variant).where(Variant.id == ids["variant"]).values(title="<b>S</b>")
        )
        session.execute(
            update(Customer).where(Customer.id == ids["customer"]).values(company=COMPANY)
        )
        session.execute(
            update(Address).where(Address.customer_id == ids["customer"]).values(company=COMPANY)
        )
        body = orjson.dumps({"title": TITLE, "vendor": COMPANY})
        inbox.store(session, [Delivery(ui.acme.id, "evil-1", "products/update", body, utcnow())])
        [entry] = session.scalars(inbox.entries(ui.acme.id, status=InboxStatus.RECEIVED))
    return {
        "/catalog": [TITLE],
        "/catalog?q=script": [TITLE],
        f"/catalog/{ids['product']}": [TITLE, "<b>S</b>"],
        "/inventory": [TITLE, "<b>S</b>"],
        "/customers": [COMPANY],
        "/customers?q=evil": [COMPANY],
        f"/customers/{ids['customer']}": [COMPANY],
        f"/webhooks/{entry.id}": [TITLE, COMPANY],
    }


def test_markup_in_data_is_escaped_in_the_html(ui: UiHub, hostile: dict[str, list[str]]) -> None:
    client = ui.client()
    for path, texts in hostile.items():
        response = client.get(path)
        assert response.status_code == 200, path
        for raw in (*RAW, "<b>S</b>"):
            assert raw not in response.text, f"{path} holds {raw!r} unescaped"
        for text in texts:
            # In the payload's JSON the quotes around it are escaped too.
            escaped = ESCAPED.get(text, "&lt;b&gt;S&lt;/b&gt;")
            assert escaped in response.text, f"{path} lacks {escaped!r}"


def test_markup_in_data_shows_as_text_in_chromium(
    ui: UiHub, hostile: dict[str, list[str]], page: Page
) -> None:
    dialogs: list[str] = []

    def refuse(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    sign_in(page, ui)
    for path, texts in hostile.items():
        page.goto(f"{ui.url}{path}")
        for text in texts:
            expect(page.get_by_text(text).first).to_be_visible()
        # Nothing in the data became an element: no script or image in the page's content.
        assert page.locator("main script, main img").count() == 0, path
    expect(page.locator("pre.payload")).to_contain_text(f'"title": "{TITLE}"')
    page.goto(f"{ui.url}/customers/{ui.acme.ids['customer']}")
    expect(page.locator("h1")).to_have_text(COMPANY)
    assert dialogs == [], f"a dialog opened: {dialogs}"
