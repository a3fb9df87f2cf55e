"""The orders pages over HTTP: the list's filters and search, an order's page, its status
changes, export now and re-export (refused until the person confirms the old Shopify order
was cancelled), the export's progress, and another tenant's order (404)."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.web.api.conftest import SHIP_TO
from tests.web.ui.conftest import ADMIN, OPERATOR, UiHub
from wholesync.hub.models import Order, Variant
from wholesync.hub.orders import LineInput, create_order, export_failed, export_succeeded, set_lines
from wholesync.runtime.models import Job
from wholesync.sync.tenants import set_setting


def place(ui: UiHub, status: str = "draft", **fields: object) -> int:
    """An order of acme for its customer, with one line, in ``status`` (set as it is)."""
    with ui.runtime.sessions.begin() as session:
        order = create_order(
            session,
            ui.acme.id,
            customer_id=ui.acme.ids["customer"],
            shipping_address=dict(SHIP_TO),
            **fields,
        )
        set_lines(
            order, [LineInput(3, None, variant=session.get_one(Variant, ui.acme.ids["variant"]))]
        )
        order.status = status
        if status in ("approved", "processed", "failed"):
            order.export_key = f"ws-test-{order.id}"
        return order.id


def export_jobs(ui: UiHub) -> list[Job]:
    with ui.runtime.sessions() as session:
        query = select(Job).where(Job.tenant_id == ui.acme.id, Job.flow == "orders_export")
        return list(session.scalars(query))


def stored(ui: UiHub, order_id: int) -> Order:
    with ui.runtime.sessions() as session:
        return session.get_one(Order, order_id)


def numbers(html: str) -> list[str]:
    return re.findall(r'href="/orders/\d+">(WS\d+)</a>', html)


def test_the_list_filters_by_status_and_finds_by_po_number_or_customer(ui: UiHub) -> None:
    pending = place(ui, "pending", po_number="SPRING-77")
    failed = place(ui, "failed", po_number="FALL-12")
    with ui.runtime.sessions.begin() as session:
        export_failed(
            session.get_one(Order, failed),
            "CUSTOMER_NOT_FOUND",
            "Customer 'C1' was not found in Shopify. Create the customer in Shopify.",
        )
    client = ui.client(ADMIN)
    everything = client.get("/orders")
    assert everything.status_code == 200
    assert len(numbers(everything.text)) == 3
    assert "CUSTOMER_NOT_FOUND" in everything.text and "was not found in Shopify" in everything.text

    def listed(**params: str) -> list[int]:
        response = client.get("/orders", params=params)
        assert response.status_code == 200, response.text
        return [int(found) for found in re.findall(r'href="/orders/(\d+)">WS', response.text)]

    assert listed(status="pending") == [pending]
    assert listed(status="failed") == [failed]
    assert listed(q="spring") == [pending]
    assert listed(q="Boutique One") == [failed, pending]  # newest first
    assert listed(q=stored(ui, pending).number) == [pending]
    assert listed(q="PO-SEED") == [ui.acme.ids["order"]]
    assert listed(origin="shopify") == []
    refused = client.get("/orders", params={"status": "delivered"})
    assert refused.status_code == 422 and "INVALID_FILTER" in refused.text
    assert client.get("/orders", params={"page": "0"}).status_code == 422


def test_an_order_page_shows_lines_customer_address_and_its_shopify_order(ui: UiHub) -> None:
    order_id = place(ui, "approved", po_number="PO-9", payment_terms="Net 30")
    client = ui.client(ADMIN)
    page = client.get(f"/orders/{order_id}")
    assert page.status_code == 200
    for shown in (
        "PO-9",
        "Net 30",
        "Boutique One",
        "Linen Shirt - S",
        "1 Main St",
        "Suite 4",
        "60.00",
    ):
        assert shown in page.text, shown
    assert "Export now" in page.text
    with ui.runtime.sessions.begin() as session:
        export_succeeded(
            session.get_one(Order, order_id),
            gid="gid://shopify/Order/4321",
            name="#1042",
            kind="order",
        )
    exported = client.get(f"/orders/{order_id}").text
    assert "#1042" in exported
    assert 'href="https://acme.myshopify.com/admin/orders/4321"' in exported
    assert "Export now" not in exported and 'name="confirm_previous_cancelled"' in exported


def test_another_tenants_order_is_not_found(ui: UiHub) -> None:
    client = ui.client(ADMIN)
    theirs = ui.other.ids["order"]
    for path in (
        f"/orders/{theirs}",
        f"/orders/{theirs}/edit",
        f"/orders/{theirs}/export-progress",
    ):
        response = client.get(path)
        assert response.status_code == 404 and "NOT_FOUND" in response.text, path
    moved = client.post(f"/orders/{theirs}/transition", {"to": "cancelled"})
    assert moved.status_code == 404
    assert stored(ui, theirs).status == "draft"
    assert client.get("/orders/99999999").status_code == 404


def test_submit_and_approve_queue_the_export_and_the_page_follows_it(ui: UiHub) -> None:
    order_id = place(ui)
    client = ui.client(OPERATOR)  # operators take orders through to export
    early = client.post(f"/orders/{order_id}/transition", {"to": "approved"})
    assert early.status_code == 409 and "INVALID_TRANSITION" in early.text
    assert "From draft it may go to" in early.text
    for form in ({"to": "shipped"}, {"to": "cancelled", "reason": "x" * 300}):
        bad = client.post(f"/orders/{order_id}/transition", form)
        assert bad.status_code == 422 and "INVALID_INPUT" in bad.text, form
    assert stored(ui, order_id).status == "draft"
    submitted = client.post(f"/orders/{order_id}/transition", {"to": "pending"})
    assert submitted.status_code == 303 and submitted.headers["location"].startswith(
        f"/orders/{order_id}?notice="
    )
    approved = client.post(f"/orders/{order_id}/transition", {"to": "approved"})
    [job] = export_jobs(ui)
    assert approved.status_code == 303
    assert approved.headers["location"].startswith(f"/orders/{order_id}?job={job.id}&notice=")
    page = client.get(approved.headers["location"])
    assert "Export queued" in page.text
    assert f'hx-get="/orders/{order_id}/export-progress?job={job.id}"' in page.text
    fragment = client.get(f"/orders/{order_id}/export-progress", params={"job": job.id})
    assert fragment.status_code == 200 and "queued" in fragment.text
    assert "HX-Refresh" not in fragment.headers
    # Another tenant's job id tells nothing and stops the polling.
    assert stored(ui, order_id).status == "approved"
    bogus = client.get(f"/orders/{order_id}/export-progress", params={"job": job.id + 99})
    assert bogus.headers.get("HX-Refresh") == "true"
    # Once the worker has exported it, the fragment says so and the page reloads.
    with ui.runtime.sessions.begin() as session:
        export_succeeded(
            session.get_one(Order, order_id),
            gid="gid://shopify/Order/7",
            name="#1007",
            kind="order",
        )
    done = client.get(f"/orders/{order_id}/export-progress", params={"job": job.id})
    assert done.headers.get("HX-Refresh") == "true" and "Shopify order #1007" in done.text
    assert "hx-trigger" not in done.text


def test_export_now_queues_a_run_and_follows_it(ui: UiHub) -> None:
    order_id = place(ui, "approved")
    client = ui.client(OPERATOR)
    response = client.post(f"/orders/{order_id}/export")
    [job] = export_jobs(ui)
    assert (job.trigger, job.status) == ("manual", "queued")
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/orders/{order_id}?job={job.id}&notice=")
    page = client.get(response.headers["location"]).text
    assert "Export queued" in page and 'hx-trigger="every 1s"' in page


def test_reexport_needs_the_old_shopify_order_cancelled_first(ui: UiHub) -> None:
    order_id = place(ui, "approved")
    with ui.runtime.sessions.begin() as session:
        order = session.get_one(Order, order_id)
        first_key = order.export_key
        export_succeeded(order, gid="gid://shopify/Order/1", name="#1001", kind="order")
    client = ui.client(OPERATOR)
    again = client.post(f"/orders/{order_id}/export")
    assert again.status_code == 409 and "ALREADY_EXPORTED" in again.text
    refused = client.post(f"/orders/{order_id}/reexport", {})
    assert refused.status_code == 409
    assert "CONFIRMATION_REQUIRED" in refused.text and "#1001" in refused.text
    assert "tick the box" in refused.text
    assert stored(ui, order_id).status == "processed" and not export_jobs(ui)

    confirmed = client.post(f"/orders/{order_id}/reexport", {"confirm_previous_cancelled": "on"})
    [job] = export_jobs(ui)
    assert confirmed.status_code == 303
    assert confirmed.headers["location"].startswith(f"/orders/{order_id}?job={job.id}")
    order = stored(ui, order_id)
    assert order.status == "approved" and order.export_key not in (None, first_key)
    assert [before["name"] for before in order.previous_exports] == ["#1001"]
    assert "Sent before as #1001" in client.get(f"/orders/{order_id}").text


def test_a_failed_order_is_sent_again_without_confirmation(ui: UiHub) -> None:
    order_id = place(ui, "failed")
    with ui.runtime.sessions.begin() as session:
        export_failed(session.get_one(Order, order_id), "VARIANT_NOT_FOUND", "No Shopify variant.")
    client = ui.client(ADMIN)
    page = client.get(f"/orders/{order_id}").text
    assert "VARIANT_NOT_FOUND" in page and "Re-export" in page
    assert client.post(f"/orders/{order_id}/reexport", {}).status_code == 303
    order = stored(ui, order_id)
    assert (order.status, order.error_code, order.export_key) == (
        "approved",
        None,
        f"ws-test-{order_id}",
    )


def test_export_is_refused_when_the_order_is_not_exportable_or_export_is_off(ui: UiHub) -> None:
    order_id = place(ui)
    client = ui.client(ADMIN)
    draft = client.post(f"/orders/{order_id}/export")
    assert draft.status_code == 409 and "NOT_EXPORTABLE" in draft.text
    approved = place(ui, "approved")
    with ui.runtime.sessions.begin() as session:
        set_setting(session, "acme", "flows.orders_export.enabled", "false")
    off = client.post(f"/orders/{approved}/export")
    assert off.status_code == 409 and "FLOW_DISABLED" in off.text
    assert "Order export is off" in client.get(f"/orders/{approved}").text
    assert not export_jobs(ui)
