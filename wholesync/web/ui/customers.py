"""Wholesale customers, read-only here: found by company, e-mail or customer code, and a
customer's page with addresses, buyers and recent orders."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import HTMLResponse

from wholesync.hub import browse
from wholesync.hub.models import Customer

from .catalog import shopify_link, shown
from .listing import FormText, Pages, RowId, choice, search_text
from .page import SignedIn

router = APIRouter()
# The state filter's choices -> the query's archived argument.
STATES = {"active": False, "archived": True}
RECENT_ORDERS = 20


@router.get("/customers")
def customers(
    page: SignedIn, paging: Pages, q: FormText = "", state: FormText = ""
) -> HTMLResponse:
    chosen = choice(state, STATES, "state")
    archived = STATES[chosen] if chosen else None
    query = browse.customers(page.tenant_id, archived=archived, text=search_text(q))
    with page.reading() as session:
        found = paging.slice(session, query, Customer.company, Customer.customer_code)
        return page.render(
            "browse/customers.html", customers=found, q=q, state=chosen or "", states=list(STATES)
        )


@router.get("/customers/{customer_id}")
def customer(page: SignedIn, customer_id: RowId) -> HTMLResponse:
    with page.reading() as session:
        found = page.owned(session, Customer, customer_id, "customer")
        orders = session.scalars(
            browse.customer_orders(page.tenant_id, found.id).limit(RECENT_ORDERS)
        ).all()
        return page.render(
            "browse/customer.html",
            customer=found,
            **shopify_link(page, session, "customer", found.id),
            orders=orders,
            recent=RECENT_ORDERS,
            shown=shown,
        )
