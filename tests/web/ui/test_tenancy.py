"""Tenant isolation of every integration center route, from a table: a route missing from the
table fails this test, so a new page cannot ship without saying how it keeps brands apart.

Three kinds of route:
- ``PUBLIC``: answers before sign-in (the sign-in form);
- ``OWN``: a page of the viewer's tenant; it answers and shows none of the other tenant's rows;
- ``OTHER``: a route about one row; asked for the other tenant's row, it is 404 and changes
  nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import update

from tests.web.ui.conftest import ADMIN, UiHub
from wholesync.hub.models import Customer, Product
from wholesync.web.ui import PAGES

Ids = dict[str, int]
# Marks every row of the other tenant that a page could list.
MARK = "Otherbrand"


@dataclass(frozen=True)
class Other:
    """Ask for a row of the other tenant: ``path`` builds the URL from that tenant's ids."""

    path: Callable[[Ids], str]


PUBLIC = "public"
OWN = "own"
Case = str | Other

# (method, route path) -> how to check it. Keep in the order of the menu.
ROUTES: dict[tuple[str, str], Case] = {
    ("GET", "/"): OWN,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): OWN,
    # Dashboard, runs and previews
    ("POST", "/dashboard/run"): OWN,
    ("POST", "/dashboard/preview"): OWN,
    ("GET", "/runs"): OWN,
    ("GET", "/runs/{run_id}"): Other(lambda ids: f"/runs/{ids['run']}"),
    ("GET", "/runs/{run_id}/progress"): Other(lambda ids: f"/runs/{ids['run']}/progress"),
    ("GET", "/runs/{run_id}/records.csv"): Other(lambda ids: f"/runs/{ids['run']}/records.csv"),
    ("POST", "/runs/{run_id}/apply"): Other(lambda ids: f"/runs/{ids['run']}/apply"),
    ("GET", "/jobs"): OWN,
    ("GET", "/jobs/progress"): OWN,
    ("GET", "/dashboard"): OWN,
    # Orders and order entry
    ("GET", "/orders"): OWN,
    ("GET", "/orders/new"): OWN,
    ("POST", "/orders/new"): OWN,
    ("GET", "/orders/{order_id:int}"): Other(lambda ids: f"/orders/{ids['order']}"),
    ("GET", "/orders/{order_id:int}/export-progress"): Other(
        lambda ids: f"/orders/{ids['order']}/export-progress"
    ),
    ("POST", "/orders/{order_id:int}/transition"): Other(
        lambda ids: f"/orders/{ids['order']}/transition"
    ),
    ("POST", "/orders/{order_id:int}/export"): Other(lambda ids: f"/orders/{ids['order']}/export"),
    ("POST", "/orders/{order_id:int}/reexport"): Other(
        lambda ids: f"/orders/{ids['order']}/reexport"
    ),
    ("GET", "/orders/{order_id:int}/edit"): Other(lambda ids: f"/orders/{ids['order']}/edit"),
    ("POST", "/orders/{order_id:int}/edit"): Other(lambda ids: f"/orders/{ids['order']}/edit"),
    ("POST", "/orders/{order_id:int}/lines"): Other(lambda ids: f"/orders/{ids['order']}/lines"),
    ("GET", "/orders/{order_id:int}/lines/search"): Other(
        lambda ids: f"/orders/{ids['order']}/lines/search?q=LS"
    ),
    # Catalog, customers, inventory and webhooks
    ("GET", "/catalog"): OWN,
    ("GET", "/catalog/{product_id}"): Other(lambda ids: f"/catalog/{ids['product']}"),
    ("GET", "/customers"): OWN,
    ("GET", "/customers/{customer_id}"): Other(lambda ids: f"/customers/{ids['customer']}"),
    ("GET", "/inventory"): OWN,
    ("GET", "/webhooks"): OWN,
    ("GET", "/webhooks/{entry_id}"): Other(lambda ids: f"/webhooks/{ids['webhook']}"),
    # Settings
    ("GET", "/settings"): OWN,
    ("GET", "/settings/sync"): OWN,
    ("POST", "/settings/sync"): OWN,
    ("GET", "/settings/pricing"): OWN,
    ("POST", "/settings/pricing"): OWN,
    ("GET", "/settings/custom-fields"): OWN,
    ("POST", "/settings/custom-fields"): OWN,
    ("GET", "/settings/stock"): OWN,
    ("POST", "/settings/stock"): OWN,
    ("GET", "/settings/orders"): OWN,
    ("POST", "/settings/orders"): OWN,
    ("GET", "/settings/note"): OWN,
    ("POST", "/settings/note"): OWN,
    ("GET", "/settings/erp"): OWN,
    ("POST", "/settings/erp"): OWN,
    ("GET", "/settings/schedules"): OWN,
    ("POST", "/settings/schedules"): OWN,
    ("GET", "/settings/notifications"): OWN,
    ("POST", "/settings/notifications"): OWN,
    ("POST", "/settings/test-email"): OWN,
    ("GET", "/settings/export.toml"): OWN,
    ("POST", "/settings/import"): OWN,
}


def _routes() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for module in PAGES:
        for route in module.router.routes:
            for method in getattr(route, "methods", set()) - {"HEAD"}:
                found.add((method, getattr(route, "path", "")))
    return found


def test_every_route_is_in_the_table() -> None:
    missing = sorted(_routes() - set(ROUTES))
    stale = sorted(set(ROUTES) - _routes())
    assert not missing, f"add these routes to ROUTES with their tenancy check: {missing}"
    assert not stale, f"these routes are gone; remove them from ROUTES: {stale}"


@pytest.fixture
def marked(ui: UiHub) -> UiHub:
    """The other tenant's rows carry :data:`MARK`, so a page that leaks them shows it."""
    with ui.runtime.sessions.begin() as session:
        session.execute(
            update(Product)
            .where(Product.tenant_id == ui.other.id)
            .values(title=f"{MARK} Parka", handle="otherbrand-parka")
        )
        session.execute(
            update(Customer)
            .where(Customer.tenant_id == ui.other.id)
            .values(company=f"{MARK} Store", email="buyer@otherbrand.example")
        )
    return ui


@pytest.mark.parametrize(("method", "path"), sorted(ROUTES))
def test_route_keeps_tenants_apart(marked: UiHub, method: str, path: str) -> None:
    case = ROUTES[(method, path)]
    client = marked.client(ADMIN)
    if case == PUBLIC:
        return
    if case == OWN:
        if method != "GET":
            return  # a form of one's own session: covered by the page's own tests
        response = client.get(path)
        assert response.status_code in (200, 303), response.text[:500]
        assert MARK not in response.text and "otherbrand" not in response.text
        return
    assert isinstance(case, Other)
    url = case.path(marked.other.ids)
    response = client.get(url) if method == "GET" else client.post(url, {})
    assert response.status_code == 404, f"{method} {url}: {response.status_code}"
