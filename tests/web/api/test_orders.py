"""An order's life over the REST API, on SQLite and PostgreSQL: create a draft, edit it,
move it through its statuses, export it, re-export it, and the ERP's answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from tests.web.api.conftest import SHIP_TO, Hub, new_order, problem
from wholesync.hub.models import Customer, Order
from wholesync.hub.models import Tenant as TenantRow
from wholesync.hub.models.types import utcnow
from wholesync.hub.orders import export_succeeded
from wholesync.runtime.models import Job


def move(client: httpx.Client, order_id: int, to: str, **extra: Any) -> httpx.Response:
    return client.post(f"/orders/{order_id}/transitions", json={"to": to, **extra})


def export_jobs(hub: Hub) -> list[Job]:
    with hub.runtime.sessions() as session:
        query = select(Job).where(Job.tenant_id == hub.acme.id, Job.flow == "orders_export")
        return list(session.scalars(query))


def test_create_edit_submit_approve(hub: Hub, client: httpx.Client) -> None:
    ids = hub.acme.ids
    response = client.post(
        "/orders",
        json={
            "customer_code": "C1",
            "buyer_id": ids["buyer"],
            "po_number": "PO-77",
            "ship_start": "2027-02-01",
            "ship_complete": "2027-02-28",
            "payment_terms": "Net 30",
            "lines": [
                {"upc": "LS-S", "quantity": 3},
                {"variant_id": ids["variant_m"], "quantity": 2, "unit_price": "18.50"},
            ],
        },
    )
    assert response.status_code == 201, response.text
    order = response.json()
    assert response.headers["location"].endswith(f"/api/v1/orders/{order['id']}")
    assert (order["status"], order["origin"], order["number"]) == (
        "draft",
        "hub",
        f"WS{order['id']:06d}",
    )
    assert (order["customer_id"], order["buyer_id"]) == (ids["customer"], ids["buyer"])
    assert [(line["upc"], line["unit_price"]) for line in order["lines"]] == [
        ("LS-S", "20.00"),
        ("LS-M", "18.50"),
    ]
    assert order["total"] == "97.00"
    # The customer's default addresses are filled in, address line 2 kept on its own.
    assert order["shipping_address"]["address2"] == "Suite 4"
    assert order["billing_address"]["address1"] == "PO Box 9"

    edited = client.patch(
        f"/orders/{order['id']}",
        json={"po_number": "PO-78", "lines": [{"upc": "LS-M", "quantity": 5}], "notes": "Rush"},
    ).json()
    assert (edited["po_number"], edited["notes"], edited["total"]) == ("PO-78", "Rush", "100.00")
    assert edited["ship_start"] == "2027-02-01"  # absent fields are kept

    problem(move(client, order["id"], "approved"), 409, "INVALID_TRANSITION")
    submitted = move(client, order["id"], "pending").json()
    assert submitted["status"] == "pending" and submitted["submitted_at"] is not None
    # A submitted order must stay complete.
    problem(
        client.patch(f"/orders/{order['id']}", json={"shipping_address": None}),
        422,
        "ORDER_INCOMPLETE",
    )
    assert move(client, order["id"], "in_review").json()["status"] == "in_review"
    approved = move(client, order["id"], "approved").json()
    assert approved["status"] == "approved" and approved["approved_at"] is not None
    assert approved["shopify"]["export_key"].startswith("ws-")
    # Reaching an exportable status asks for an export run.
    [job] = export_jobs(hub)
    assert (job.trigger, job.status) == ("order", "queued")


def test_what_a_status_needs_is_enforced(hub: Hub, client: httpx.Client) -> None:
    named = new_order(client, new_customer={"company": "New Shop", "email": "a@new.example"})
    body = problem(move(client, named["id"], "pending"), 422, "CUSTOMER_NOT_LINKED")
    assert "New Shop" in body["detail"]
    assert named["new_customer"] == {"company": "New Shop", "name": None, "email": "a@new.example"}
    linked = client.patch(f"/orders/{named['id']}", json={"customer_id": hub.acme.ids["customer"]})
    assert linked.json()["customer_id"] == hub.acme.ids["customer"]
    problem(move(client, named["id"], "pending"), 422, "ORDER_INCOMPLETE")  # no lines yet
    problem(client.post(f"/orders/{named['id']}/export"), 409, "NOT_EXPORTABLE")
    cancelled = move(client, named["id"], "cancelled", reason="duplicate").json()
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "duplicate")
    problem(client.patch(f"/orders/{named['id']}", json={"notes": "x"}), 409, "ORDER_CLOSED")
    problem(move(client, named["id"], "pending"), 409, "INVALID_TRANSITION")


def test_bad_order_input_is_refused_with_the_field(client: httpx.Client) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"lines": [{"upc": "NOPE", "quantity": 1}]}, "VARIANT_NOT_FOUND"),
        ({"customer_code": "NOPE"}, "CUSTOMER_NOT_FOUND"),
        ({"ship_start": "2027-03-01", "ship_complete": "2027-02-01"}, "INVALID_SHIP_WINDOW"),
        ({"lines": [{"upc": "LS-S", "variant_id": 1, "quantity": 1}]}, "INVALID_REQUEST"),
        ({"lines": [{"upc": "LS-S", "quantity": 0}]}, "INVALID_REQUEST"),
        ({"customer_code": "C1", "new_customer": {"company": "X"}}, "INVALID_REQUEST"),
        ({"currency": "usd"}, "INVALID_REQUEST"),
        ({"po_number": "x" * 101}, "INVALID_REQUEST"),
        ({"notes": "a\u0000b"}, "INVALID_REQUEST"),
        ({"unknown_field": 1}, "INVALID_REQUEST"),
    ]
    for body, code in cases:
        found = problem(client.post("/orders", json=body), 422, code)
        if code == "INVALID_REQUEST":
            assert found["errors"] and found["errors"][0]["field"].startswith("body"), found
    problem(
        client.post(
            "/orders", content=b'{"po_number": ', headers={"Content-Type": "application/json"}
        ),
        400,
        "MALFORMED_JSON",
    )
    problem(client.patch("/orders/1", json={"currency": None}), 422, "INVALID_REQUEST")


def test_export_edit_after_export_and_reexport(hub: Hub, client: httpx.Client) -> None:
    order = new_order(
        client, customer_id=hub.acme.ids["customer"], lines=[{"upc": "LS-S", "quantity": 1}]
    )
    for status in ("pending", "approved"):
        assert move(client, order["id"], status).status_code == 200
    exported = client.post(f"/orders/{order['id']}/export", params={"wait": 0.3})
    assert exported.status_code == 202, exported.text
    [job] = export_jobs(hub)
    assert exported.json()["job"] == {"id": job.id, "status": "queued"}
    assert exported.json()["order"]["status"] == "approved"

    with hub.runtime.sessions.begin() as session:
        stored = session.get_one(Order, order["id"])
        first_key = stored.export_key
        export_succeeded(stored, gid="gid://shopify/Order/1", name="#1001", kind="order")
    edited = client.patch(f"/orders/{order['id']}", json={"notes": "call first"}).json()
    assert edited["modified_after_export"] is True
    assert edited["shopify"]["name"] == "#1001"
    problem(client.post(f"/orders/{order['id']}/export"), 409, "ALREADY_EXPORTED")
    body = problem(client.post(f"/orders/{order['id']}/reexport"), 409, "CONFIRMATION_REQUIRED")
    assert "#1001" in body["detail"]
    again = client.post(
        f"/orders/{order['id']}/reexport", json={"confirm_previous_cancelled": True}
    )
    assert again.status_code == 202, again.text
    result = again.json()["order"]
    assert result["status"] == "approved" and result["modified_after_export"] is False
    assert result["shopify"]["export_key"] not in (None, first_key)
    assert [e["name"] for e in result["shopify"]["previous_exports"]] == ["#1001"]


def test_erp_status_and_backlog(hub: Hub, client: httpx.Client) -> None:
    with hub.runtime.sessions.begin() as session:
        rows = [
            Order(
                tenant_id=hub.acme.id,
                number=f"#{number}",
                origin="shopify",
                status="approved",
                erp_status="pending",
                created_at=utcnow() - timedelta(minutes=age),
            )
            for number, age in ((2001, 120), (2002, 90), (2003, 1))
        ]
        session.add_all(rows)
        session.flush()
        old, older, fresh = (row.id for row in rows)
    handed = client.get("/orders", params={"origin": "shopify", "erp_status": "pending"}).json()
    assert [o["id"] for o in handed["items"]] == [old, older, fresh]
    backlog = client.get("/erp/backlog", params={"older_than_minutes": 30}).json()
    assert [o["id"] for o in backlog["items"]] == [old, older]
    assert (backlog["waiting"], backlog["rejected"]) == (2, 0)

    problem(
        client.post(f"/orders/{old}/erp-status", json={"status": "failed"}),
        422,
        "ERP_MESSAGE_REQUIRED",
    )
    rejected = client.post(
        f"/orders/{old}/erp-status", json={"status": "failed", "message": "Unknown terms NET99"}
    ).json()
    assert (rejected["erp_status"], rejected["erp_message"]) == ("failed", "Unknown terms NET99")
    assert rejected["erp_updated_at"] is not None
    imported = client.post(f"/orders/{older}/erp-status", json={"status": "imported"}).json()
    assert imported["erp_status"] == "imported" and imported["erp_message"] is None
    backlog = client.get("/erp/backlog", params={"older_than_minutes": 30}).json()
    assert [o["id"] for o in backlog["items"]] == [old]
    assert (backlog["waiting"], backlog["rejected"]) == (0, 1)
    problem(
        client.post(f"/orders/{old}/erp-status", json={"status": "pending"}),
        422,
        "INVALID_REQUEST",
    )


def test_shipping_address_given_whole_is_kept(client: httpx.Client) -> None:
    address = {**SHIP_TO, "company": "Shop", "zip": "11201", "province_code": "NY"}
    order = new_order(client, shipping_address=address)
    kept = order["shipping_address"]
    assert {name: value for name, value in kept.items() if value is not None} == address
    assert set(kept) >= {"address1", "address2", "city", "country_code", "zip", "phone"}


def test_broken_tenant_settings_are_a_503_that_names_them(hub: Hub, client: httpx.Client) -> None:
    order = new_order(client, customer_id=hub.acme.ids["customer"])
    with hub.runtime.sessions.begin() as session:
        session.get_one(TenantRow, hub.acme.id).settings = {"upc_key": "colour"}
    body = problem(move(client, order["id"], "pending"), 503, "INVALID_SETTING")
    assert "wholesync tenants set" in body["detail"]
    assert client.get(f"/orders/{order['id']}").json()["status"] == "draft"


def test_a_buyer_orders_for_its_own_customer(hub: Hub, client: httpx.Client) -> None:
    with hub.runtime.sessions.begin() as session:
        second = Customer(tenant_id=hub.acme.id, customer_code="C2", company="Second")
        session.add(second)
        session.flush()
        second_id = second.id
    by_buyer = new_order(client, buyer_id=hub.acme.ids["buyer"])
    assert by_buyer["customer_id"] == hub.acme.ids["customer"]  # the buyer's customer
    assert by_buyer["shipping_address"]["address2"] == "Suite 4"
    moved = client.patch(f"/orders/{by_buyer['id']}", json={"customer_id": second_id})
    problem(moved, 422, "BUYER_MISMATCH")
    problem(
        client.post("/orders", json={"customer_id": second_id, "buyer_id": hub.acme.ids["buyer"]}),
        422,
        "BUYER_MISMATCH",
    )
    unlinked = client.patch(
        f"/orders/{by_buyer['id']}", json={"buyer_id": None, "customer_id": second_id}
    )
    assert (unlinked.json()["customer_id"], unlinked.json()["buyer_id"]) == (second_id, None)
