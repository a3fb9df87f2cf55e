"""Orders: the list (filter by status and origin, search by number, PO or customer), an
order's page (lines, customer, addresses, export state and error), and its actions: status
changes (submit, approve, ...), export now and re-export, with the export's progress."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from wholesync.hub.errors import HubError
from wholesync.hub.models import Order, OrderOrigin, OrderStatus, Tenant
from wholesync.hub.orders import LIFECYCLE, TRANSITIONS, exportable_statuses
from wholesync.runtime.jobs import JobError
from wholesync.sync.order_actions import EXPORT_FLOW, move_order, set_to_export
from wholesync.web.api.order_models import TransitionIn

from .listing import FormText, Pages, RowId, choice, search_text
from .order_form import Refusal, Refused, checked, refusal_of, text
from .order_queries import export_progress, order_list, total
from .page import Page, SignedIn

log = logging.getLogger(__name__)
router = APIRouter()
ORDER = "/orders/{order_id:int}"
JobId = Annotated[int | None, Query(ge=1, le=2**53)]
EXPORT_UNAVAILABLE = "EXPORT_UNAVAILABLE"
# What each requestable status is called on its button.
ACTIONS = {
    OrderStatus.PENDING: "Submit",
    OrderStatus.IN_REVIEW: "Put in review",
    OrderStatus.APPROVED: "Approve",
    OrderStatus.DRAFT: "Back to draft",
    OrderStatus.CANCELLED: "Cancel order",
}


@router.get("/orders")
def orders_page(
    page: SignedIn, paging: Pages, status: FormText = "", origin: FormText = "", q: FormText = ""
) -> HTMLResponse:
    chosen = choice(status, OrderStatus, "Status")
    source = choice(origin, OrderOrigin, "Origin")
    found = search_text(q)
    with page.reading() as session:
        query = order_list(page.tenant_id, status=chosen, origin=source, text=found)
        listed = paging.slice(session, query, Order.id.desc())
        return page.render(
            "orders/list.html",
            orders=listed,
            statuses=list(OrderStatus),
            origins=list(OrderOrigin),
            status=chosen or "",
            origin=source or "",
            q=found or "",
            total=total,
        )


@router.get(ORDER)
def order_page(page: SignedIn, order_id: RowId, job: JobId = None) -> HTMLResponse:
    return show(page, order_id, job=job)


@router.get(ORDER + "/export-progress")
def progress_fragment(page: SignedIn, order_id: RowId, job: JobId = None) -> Response:
    """The export's progress, polled every second while it runs; once it is done the page
    reloads to show the outcome."""
    with page.reading() as session:
        order = _order(page, session, order_id)
        progress = export_progress(page, order, job)
        response = page.render("orders/_progress.html", order=order, progress=progress)
    if progress is None or progress.finished:
        response.headers["HX-Refresh"] = "true"
    return response


@router.post(ORDER + "/transition")
async def change_status(page: SignedIn, order_id: RowId) -> Response:
    """Move the order on (submit, approve, back to draft, cancel); reaching an exportable
    status queues its export, and the order's page follows it."""
    form = await page.request.form()
    try:
        with page.writing() as session:
            _order(page, session, order_id)  # another tenant's order: 404 first
            asked = checked(
                {"to": text(form, "to"), "reason": text(form, "reason") or None}, TransitionIn
            )
            to = asked["to"]
            _, export = move_order(session, page.tenant_id, order_id, to, reason=asked["reason"])
    except Refused as exc:
        return show(page, order_id, refusal=exc.refusal)
    except HubError as exc:
        return show(page, order_id, refusal=refusal_of(exc))
    return after_move(page, order_id, to, export)


def after_move(page: Page, order_id: int, to: str, export: bool) -> Response:
    """Back to the order's page once it moved; following its export when one is due."""
    done = f"Order is now {to.replace('_', ' ')}."
    if not export:
        return page.redirect(f"/orders/{order_id}", notice=done)
    try:
        job = page.runtime.request_run(page.tenant_id, EXPORT_FLOW, trigger="order")
    except JobError as exc:
        log.warning("export of order %s not requested: %s", order_id, exc)
        return page.redirect(
            f"/orders/{order_id}", notice=f"{done} The next scheduled export sends it."
        )
    return page.redirect(f"/orders/{order_id}?job={job.id}", notice=f"{done} Export queued.")


@router.post(ORDER + "/export")
def export_now(page: SignedIn, order_id: RowId) -> Response:
    """Export now (a failed order is tried again with its export key kept)."""
    return _export(page, order_id, again=False, confirmed=False)


@router.post(ORDER + "/reexport")
async def reexport_order(page: SignedIn, order_id: RowId) -> Response:
    """Send the order again: a processed one as a new Shopify order once the person confirms
    the old one was cancelled (CONFIRMATION_REQUIRED otherwise)."""
    form = await page.request.form()
    confirmed = text(form, "confirm_previous_cancelled") in ("on", "true", "1")
    return _export(page, order_id, again=True, confirmed=confirmed)


def _export(page: Page, order_id: int, *, again: bool, confirmed: bool) -> Response:
    try:
        with page.writing() as session:
            _order(page, session, order_id)
            set_to_export(session, page.tenant_id, order_id, again=again, confirmed=confirmed)
    except HubError as exc:
        return show(page, order_id, refusal=refusal_of(exc))
    try:
        job = page.runtime.request_run(page.tenant_id, EXPORT_FLOW, trigger="manual")
    except JobError as exc:
        refusal = Refusal(
            503,
            EXPORT_UNAVAILABLE,
            f"The export could not be queued ({exc.code}: {exc.message}). The order is set to "
            "export and the next scheduled export sends it; or try again shortly.",
        )
        return show(page, order_id, refusal=refusal)
    return page.redirect(f"/orders/{order_id}?job={job.id}", notice="Export queued.")


def show(
    page: Page, order_id: int, *, refusal: Refusal | None = None, job: int | None = None
) -> HTMLResponse:
    """The order's page, with a refusal (and its status code) when an action was refused."""
    with page.reading() as session:
        order = _order(page, session, order_id)
        tenant = session.get_one(Tenant, page.tenant_id)
        settings = page.settings(session)
        exportable = exportable_statuses(settings.orders.exportable_statuses)
        hub = order.origin == OrderOrigin.HUB
        # Past approval only cancelling is a person's to do; export moves the order on.
        moves = [
            to
            for to in ACTIONS
            if hub
            and to in TRANSITIONS.get(order.status, ())
            and (order.status in LIFECYCLE or to == OrderStatus.CANCELLED)
        ]
        return page.render(
            "orders/detail.html",
            status_code=refusal.status if refusal else 200,
            order=order,
            refusal=refusal,
            moves=[(to, ACTIONS[to]) for to in moves],
            can_export=hub and order.status in exportable,
            export_on=settings.flow_active(EXPORT_FLOW),
            shopify_url=_admin_url(tenant.shop_domain, order),
            progress=export_progress(page, order, job),
            total=total(order),
        )


def _order(page: Page, session: Session, order_id: int) -> Order:
    return page.owned(session, Order, order_id, "order")


def _admin_url(shop: str, order: Order) -> str | None:
    """The order in the Shopify admin (a draft order when export made one)."""
    if not order.shopify_order_gid:
        return None
    kind = "draft_orders" if order.shopify_kind == "draft_order" else "orders"
    return f"https://{shop}/admin/{kind}/{order.shopify_order_gid.rsplit('/', 1)[-1]}"
