"""Order entry over HTTP: create a draft, add lines by SKU, UPC or from the search (with ATS
and prebook stock per warehouse), edit and remove them, submit; and every bad input (a new
customer not linked yet, a bad ship window or date, a bad quantity, an unknown SKU, a field
too long) refused with its code and fix, never a 500, never half written."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from tests.web.ui.conftest import ADMIN, OPERATOR, SignedIn, UiHub
from wholesync.hub.inventory import set_level
from wholesync.hub.models import Order, Warehouse

HEADER = {
    "po_number": "PO-2027-1",
    "ship_start": "2027-02-01",
    "ship_complete": "2027-02-28",
    "payment_terms": "Net 30",
    "notes": "Deliver to the back door",
}


def stored(ui: UiHub, order_id: int) -> Order:
    with ui.runtime.sessions() as session:
        order = session.get_one(Order, order_id)
        assert order.lines is not None  # loaded before the session closes
        return order


def order_count(ui: UiHub) -> int:
    with ui.runtime.sessions() as session:
        return session.scalar(select(func.count(Order.id))) or 0


def create(client: SignedIn, **fields: str) -> int:
    response = client.post("/orders/new", fields)
    assert response.status_code == 303, response.text
    found = re.match(r"/orders/(\d+)/edit\?notice=", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


def add(client: SignedIn, order_id: int, **fields: Any) -> Any:
    return client.post(f"/orders/{order_id}/lines", {"quantity": "1", **fields})


def refused(response: Any, status: int, code: str, *said: str) -> None:
    assert response.status_code == status, response.text[:2000]
    assert f'<span class="code">{code}</span>' in response.text
    for words in said:
        assert words in response.text, words


def test_enter_a_draft_add_lines_edit_them_and_submit(ui: UiHub) -> None:
    client = ui.client(OPERATOR)
    form = client.get("/orders/new")
    assert form.status_code == 200 and "Boutique One (C1)" in form.text
    order_id = create(
        client,
        customer_id=str(ui.acme.ids["customer"]),
        buyer_id=str(ui.acme.ids["buyer"]),
        **HEADER,
    )
    order = stored(ui, order_id)
    assert (order.status, order.customer_id, order.buyer_id) == (
        "draft",
        ui.acme.ids["customer"],
        ui.acme.ids["buyer"],
    )
    assert (order.po_number, str(order.ship_start), order.payment_terms) == (
        "PO-2027-1",
        "2027-02-01",
        "Net 30",
    )
    assert order.shipping_address and order.shipping_address["address2"] == "Suite 4"

    assert add(client, order_id, key="LS-S", quantity="3").status_code == 303
    assert add(client, order_id, key="000000002", quantity="2").status_code == 303  # barcode
    assert (
        add(client, order_id, variant_id=str(ui.acme.ids["variant"]), quantity="1").status_code
        == 303
    )
    order = stored(ui, order_id)
    assert [(line.upc, line.quantity) for line in order.lines] == [("LS-S", 4), ("LS-M", 2)]

    page = client.get(f"/orders/{order_id}/edit").text
    assert 'value="PO-2027-1"' in page and "USD 120.00" in page
    edited = client.post(
        f"/orders/{order_id}/edit",
        {
            **HEADER,
            "customer_id": str(ui.acme.ids["customer"]),
            "po_number": "PO-2027-2",
            "line_ref": [f"v{ui.acme.ids['variant']}", f"v{ui.acme.ids['variant_m']}"],
            "line_quantity": ["5", "2"],
            "line_unit_price": ["18.50", "20.00"],
            "remove": ["2"],
        },
    )
    assert edited.status_code == 303, edited.text
    order = stored(ui, order_id)
    assert order.po_number == "PO-2027-2" and order.buyer_id is None
    assert [(line.upc, line.quantity, str(line.unit_price)) for line in order.lines] == [
        ("LS-S", 5, "18.50")
    ]

    submitted = client.post(
        f"/orders/{order_id}/edit",
        {
            **HEADER,
            "customer_id": str(ui.acme.ids["customer"]),
            "line_ref": f"v{ui.acme.ids['variant']}",
            "line_quantity": "5",
            "line_unit_price": "18.50",
            "then": "submit",
        },
    )
    assert submitted.status_code == 303
    assert submitted.headers["location"].startswith(f"/orders/{order_id}?notice=")
    assert stored(ui, order_id).status == "pending"
    closed = client.get(f"/orders/{order_id}/edit")
    refused(closed, 409, "ORDER_NOT_EDITABLE", "Move it back to draft")


def test_a_new_customer_must_be_linked_before_the_draft_is_submitted(ui: UiHub) -> None:
    client = ui.client(ADMIN)
    order_id = create(client, new_company="New Shop", new_email="buyer@newshop.example", **HEADER)
    add(client, order_id, key="LS-S")
    page = client.get(f"/orders/{order_id}")
    assert "New Shop" in page.text and "CUSTOMER_NOT_LINKED" in page.text
    attempt = {
        **HEADER,
        "new_company": "New Shop",
        "new_email": "buyer@newshop.example",
        "ship_address1": "5 Side St",
        "ship_city": "Austin",
        "ship_country_code": "US",
        "line_ref": f"v{ui.acme.ids['variant']}",
        "line_quantity": "1",
        "line_unit_price": "",
        "then": "submit",
    }
    response = client.post(f"/orders/{order_id}/edit", attempt)
    refused(
        response,
        422,
        "CUSTOMER_NOT_LINKED",
        "the new customer &#39;New Shop&#39; is not linked to a hub customer yet",
        "sync customers",
    )
    assert stored(ui, order_id).status == "draft"
    from_page = client.post(f"/orders/{order_id}/transition", {"to": "pending"})
    refused(from_page, 422, "CUSTOMER_NOT_LINKED")

    # Linking the customer (now in the hub) lets it through.
    linked = client.post(
        f"/orders/{order_id}/edit", {**attempt, "customer_id": str(ui.acme.ids["customer"])}
    )
    assert linked.status_code == 303, linked.text
    assert stored(ui, order_id).status == "pending"


def test_bad_input_is_refused_with_its_code_and_nothing_is_written(ui: UiHub) -> None:
    client = ui.client(ADMIN)
    before = order_count(ui)
    customer = str(ui.acme.ids["customer"])
    cases: list[tuple[dict[str, str], int, str, str]] = [
        (
            {"ship_start": "2027-03-01", "ship_complete": "2027-02-01"},
            422,
            "INVALID_SHIP_WINDOW",
            "ends on or after its start",
        ),
        ({"ship_start": "2027-02-31"}, 422, "INVALID_DATE", "YYYY-MM-DD"),
        ({"ship_complete": "soon"}, 422, "INVALID_DATE", "Ship complete"),
        ({"po_number": "x" * 101}, 422, "INVALID_INPUT", "PO number"),
        ({"new_email": "not-an-email"}, 422, "INVALID_INPUT", "New customer email"),
        ({"customer_code": "NOPE"}, 422, "CUSTOMER_NOT_FOUND", "Pick the customer"),
        ({"customer_id": "abc"}, 422, "INVALID_INPUT", "Customer"),
        ({"customer_id": str(ui.other.ids["customer"])}, 422, "CUSTOMER_NOT_FOUND", "No customer"),
        ({"notes": "a\x00b"}, 422, "INVALID_INPUT", "Notes"),
    ]
    for fields, status, code, said in cases:
        named = {"customer_code", "customer_id", "new_email"} & set(fields)
        response = client.post(
            "/orders/new", fields if named else {"customer_id": customer, **fields}
        )
        refused(response, status, code, said)
        # The form comes back as typed.
        if "po_number" in fields and len(fields["po_number"]) < 50:
            assert fields["po_number"] in response.text
    assert order_count(ui) == before

    order_id = create(client, customer_id=customer)
    add(client, order_id, key="LS-S", quantity="2")
    for quantity in ("abc", "0", "-1", "1.5", "1000001", ""):
        refused(add(client, order_id, key="LS-M", quantity=quantity), 422, "INVALID_QUANTITY")
    refused(add(client, order_id, key="NOPE-1"), 422, "VARIANT_NOT_FOUND", "NOPE-1")
    refused(add(client, order_id, key=""), 422, "VARIANT_REQUIRED")
    refused(
        add(client, order_id, variant_id=str(ui.other.ids["variant"])), 422, "VARIANT_NOT_FOUND"
    )
    bad_line = client.post(
        f"/orders/{order_id}/edit",
        {
            "customer_id": customer,
            "line_ref": f"v{ui.acme.ids['variant']}",
            "line_quantity": "zero",
            "line_unit_price": "",
        },
    )
    refused(bad_line, 422, "INVALID_QUANTITY", "Line 1")
    bad_price = client.post(
        f"/orders/{order_id}/edit",
        {
            "customer_id": customer,
            "line_ref": f"v{ui.acme.ids['variant']}",
            "line_quantity": "2",
            "line_unit_price": "cheap",
        },
    )
    refused(bad_price, 422, "INVALID_INPUT", "Line 1 unit price")
    order = stored(ui, order_id)
    assert [(line.upc, line.quantity) for line in order.lines] == [("LS-S", 2)]


def test_line_search_shows_ats_and_prebook_stock_per_warehouse(ui: UiHub) -> None:
    with ui.runtime.sessions.begin() as session:
        east = Warehouse(tenant_id=ui.acme.id, code="EAST", name="East")
        session.add(east)
        session.flush()
        for warehouse, bucket, quantity in ((east, "ats", 11), (east, "prebook", 40)):
            set_level(
                session,
                tenant_id=ui.acme.id,
                variant_id=ui.acme.ids["variant"],
                warehouse_id=warehouse.id,
                bucket=bucket,
                quantity=quantity,
            )
    client = ui.client(OPERATOR)
    order_id = ui.acme.ids["order"]
    response = client.get(
        f"/orders/{order_id}/lines/search", params={"q": "linen"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    fragment = response.text
    assert fragment.lstrip().startswith('<div id="search-results">') and "<html" not in fragment
    rows = re.findall(r"<tr>(.*?)</tr>", fragment.split("<tbody>")[1], re.S)
    assert len(rows) == 2  # LS-S and LS-M

    def stock(row: str, code: str) -> tuple[str, str]:
        cell = re.search(
            rf'data-warehouse="{code}"><span class="ats">(-?\d+)</span> · '
            r'<span class="prebook">(-?\d+)</span>',
            row,
        )
        assert cell, row
        return cell.group(1), cell.group(2)

    small = next(row for row in rows if "LS-S" in row)
    assert stock(small, "MAIN") == ("7", "0") and stock(small, "EAST") == ("11", "40")
    medium = next(row for row in rows if "LS-M" in row)
    assert stock(medium, "MAIN") == ("0", "0")
    by_sku = client.get(f"/orders/{order_id}/lines/search", params={"q": "ls-m"}).text
    assert "LS-M" in by_sku and "LS-S" not in by_sku
    assert (
        "Nothing matches"
        in client.get(f"/orders/{order_id}/lines/search", params={"q": "parka"}).text
    )
    # The edit page shows the same results for a browser without htmx.
    assert 'data-warehouse="EAST"' in client.get(f"/orders/{order_id}/edit?q=linen").text
