"""Order entry: take a wholesale order in the hub. Create a draft (customer and buyer, or a
new customer named until it is linked; PO number, ship window, terms, notes, ship-to), add
lines by SKU, UPC or style with their stock per warehouse, edit them, and submit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, Response

from wholesync.hub import orders as hub_orders
from wholesync.hub.customers import ADDRESS_FIELDS
from wholesync.hub.errors import HubError
from wholesync.hub.models import Order, OrderStatus
from wholesync.hub.order_entry import VARIANT_NOT_FOUND, apply_entry
from wholesync.sync.order_actions import move_order

from .listing import FormText, RowId, search_text
from .order_form import (
    PAGE_FIXES,
    Refusal,
    Refused,
    checked,
    header_values,
    line_values,
    quantity,
    refusal_of,
    stored_lines,
    text,
)
from .order_queries import customer_choices, find_variants, total, variant_by_key, warehouse_codes
from .orders import ORDER, after_move
from .page import Page, PageError, SignedIn

router = APIRouter()
ORDER_NOT_EDITABLE = "ORDER_NOT_EDITABLE"


@router.get("/orders/new")
def new_order_page(page: SignedIn) -> HTMLResponse:
    with page.reading() as session:
        return _entry(page, session, None)


@router.post("/orders/new")
async def create_draft(page: SignedIn) -> Response:
    form = await page.request.form()
    try:
        values = checked(header_values(form))
        with page.writing() as session:
            order = hub_orders.create_order(session, page.tenant_id)
            apply_entry(session, page.tenant_id, order, values)
            session.flush()
            order_id, number = order.id, order.number
    except (Refused, HubError) as exc:
        with page.reading() as session:
            return _entry(page, session, None, refusal=_refusal(exc), form=form)
    return page.redirect(
        f"/orders/{order_id}/edit", notice=f"Draft {number} saved. Add its lines below."
    )


@router.get(ORDER + "/edit")
def edit_page(page: SignedIn, order_id: RowId, q: FormText = "") -> HTMLResponse:
    with page.reading() as session:
        return _entry(page, session, _draft(page, session, order_id), q=search_text(q))


@router.post(ORDER + "/edit")
async def save_draft(page: SignedIn, order_id: RowId) -> Response:
    """Save the draft's fields and lines; with "Save and submit", then submit it."""
    form = await page.request.form()
    try:
        with page.writing() as session:
            order = _draft(page, session, order_id)
            values = checked({**header_values(form), "lines": line_values(form)})
            apply_entry(session, page.tenant_id, order, values)
    except (Refused, HubError) as exc:
        return _refused(page, order_id, exc, form)
    if text(form, "then") != "submit":
        return page.redirect(f"/orders/{order_id}/edit", notice="Draft saved.")
    try:
        with page.writing() as session:
            _, export = move_order(session, page.tenant_id, order_id, OrderStatus.PENDING)
    except HubError as exc:
        return _refused(page, order_id, exc)
    return after_move(page, order_id, OrderStatus.PENDING, export)


@router.post(ORDER + "/lines")
async def add_line(page: SignedIn, order_id: RowId) -> Response:
    """Add a line by the variant picked in the search or by a typed SKU or UPC; a variant
    already on the order gets the quantity added to its line."""
    form = await page.request.form()
    try:
        with page.writing() as session:
            order = _draft(page, session, order_id)
            added = quantity(text(form, "quantity"), "The new line")
            wanted = _variant_id(session, page.tenant_id, form)
            lines = stored_lines(order)
            same = next((line for line in lines if line.get("variant_id") == wanted), None)
            if same is None:
                lines.append({"variant_id": wanted, "quantity": added})
            else:
                same["quantity"] += added
            apply_entry(session, page.tenant_id, order, checked({"lines": lines}))
    except (Refused, HubError) as exc:
        return _refused(page, order_id, exc, form)
    return page.redirect(f"/orders/{order_id}/edit", notice="Line added.")


@router.get(ORDER + "/lines/search")
def search_lines(page: SignedIn, order_id: RowId, q: FormText = "") -> HTMLResponse:
    """Search-as-you-type: variants by SKU, UPC or style, with ATS and prebook stock per
    warehouse (an HTML fragment)."""
    found = search_text(q)
    with page.reading() as session:
        order = _draft(page, session, order_id)
        return page.render(
            "orders/_search.html", order=order, q=found, **_search(session, page, found)
        )


def _search(session: Session, page: Page, text_: str | None) -> dict[str, Any]:
    return {
        "results": find_variants(session, page.tenant_id, text_) if text_ else [],
        "warehouses": warehouse_codes(session, page.tenant_id),
    }


def _variant_id(session: Session, tenant_id: int, form: FormData) -> int:
    picked = text(form, "variant_id")
    if picked.isdigit():
        return int(picked)
    key = text(form, "key")
    if not key:
        raise Refused(
            422,
            "VARIANT_REQUIRED",
            "Type a SKU or UPC, or pick an item from the search, then add it.",
        )
    variant = variant_by_key(session, tenant_id, key)
    if variant is None:
        raise Refused(
            422,
            VARIANT_NOT_FOUND,
            f"No item has the SKU or UPC {key[:60]!r}. {PAGE_FIXES[VARIANT_NOT_FOUND]}",
        )
    return variant.id


def _draft(page: Page, session: Session, order_id: int) -> Order:
    order = page.owned(session, Order, order_id, "order")
    if order.status != OrderStatus.DRAFT:
        raise PageError(
            409,
            ORDER_NOT_EDITABLE,
            f"Order {order.number} is {order.status.replace('_', ' ')}; only a draft is edited "
            "here. Move it back to draft on its page first.",
        )
    return order


def _refusal(exc: Refused | HubError) -> Refusal:
    return exc.refusal if isinstance(exc, Refused) else refusal_of(exc)


def _refused(
    page: Page, order_id: int, exc: Refused | HubError, form: FormData | None = None
) -> HTMLResponse:
    """The draft as stored, with the refusal and the fields as they were typed."""
    with page.reading() as session:
        order = _draft(page, session, order_id)
        return _entry(page, session, order, refusal=_refusal(exc), form=form)


def _entry(
    page: Page,
    session: Session,
    order: Order | None,
    *,
    refusal: Refusal | None = None,
    form: FormData | None = None,
    q: str | None = None,
) -> HTMLResponse:
    fields = _fields(order)
    if form is not None:
        fields.update({k: v for k, v in form.items() if k in fields and isinstance(v, str)})
    return page.render(
        "orders/entry.html",
        status_code=refusal.status if refusal else 200,
        order=order,
        fields=fields,
        refusal=refusal,
        customers=customer_choices(session, page.tenant_id),
        total=total(order) if order else None,
        q=q or "",
        **_search(session, page, q),
    )


def _fields(order: Order | None) -> dict[str, str]:
    """The form's fields as the stored draft has them (empty for a new one)."""
    names = (
        "customer_id",
        "customer_code",
        "buyer_id",
        "new_company",
        "new_name",
        "new_email",
        "po_number",
        "ship_start",
        "ship_complete",
        "payment_terms",
        "shipping_method",
        "notes",
        "currency",
        *(f"ship_{name}" for name in ADDRESS_FIELDS),
    )
    fields = dict.fromkeys(names, "")
    if order is None:
        fields["currency"] = "USD"
        return fields
    stored = {
        "customer_id": order.customer_id,
        "buyer_id": order.buyer_id,
        "new_company": order.new_customer_company,
        "new_name": order.new_customer_name,
        "new_email": order.new_customer_email,
        "po_number": order.po_number,
        "ship_start": order.ship_start,
        "ship_complete": order.ship_complete,
        "payment_terms": order.payment_terms,
        "shipping_method": order.shipping_method,
        "notes": order.notes,
        "currency": order.currency,
        **{f"ship_{k}": v for k, v in (order.shipping_address or {}).items()},
    }
    fields.update({k: str(v) for k, v in stored.items() if v is not None and k in fields})
    return fields
