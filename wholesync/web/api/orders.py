"""``/orders``: create, read, list and edit wholesale orders (and read imported ones)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy.orm import Session, selectinload

from wholesync.hub import orders as hub_orders
from wholesync.hub.filters import where_contains, where_equal, where_since
from wholesync.hub.models import ErpStatus, Order, OrderOrigin, OrderStatus
from wholesync.hub.order_entry import apply_entry
from wholesync.hub.orders import get_order

from .access import ApiContext
from .errors import problems
from .order_models import OrderCreate, OrderFields, OrderOut, OrderPage, OrderPatch
from .paging import LISTED, Paging
from .types import MAX_ID, SearchText, Since, query_id

router = APIRouter(prefix="/orders", tags=["orders"])
LOCATION = {"Location": {"description": "The new order's URL.", "schema": {"type": "string"}}}
OrderId = Annotated[int, Path(ge=1, le=MAX_ID, description="The order's hub id.")]


@router.get(
    "",
    response_model=OrderPage,
    responses=LISTED,
)
def list_orders(
    api: ApiContext,
    paging: Paging,
    status: Annotated[list[OrderStatus] | None, Query(description="Any of these.")] = None,
    origin: OrderOrigin | None = None,
    erp_status: ErpStatus | None = None,
    customer_id: Annotated[int | None, query_id("Orders of this customer.")] = None,
    updated_since: Since = None,
    q: SearchText = None,
) -> OrderPage:
    """Orders in id order; filter by status, origin, ERP status, customer, change time, or
    ``q`` (part of the order number or PO number). ERP hand-off:
    ``?origin=shopify&erp_status=pending``."""
    query = where_equal(
        Order.for_tenant(api.tenant_id).options(selectinload(Order.lines)),
        (Order.origin, origin),
        (Order.erp_status, erp_status),
        (Order.customer_id, customer_id),
    )
    if status:
        query = query.where(Order.status.in_(status))
    query = where_since(query, Order.updated_at, updated_since)
    query = where_contains(query, q, Order.number, Order.po_number)
    return paging.page(api, query, Order.id, "orders", OrderPage, OrderOut.of)


@router.get("/{order_id}", response_model=OrderOut, responses=problems(404))
def read_order(api: ApiContext, order_id: OrderId) -> OrderOut:
    with api.reading() as session:
        return OrderOut.of(get_order(session, api.tenant_id, order_id))


@router.post(
    "",
    status_code=201,
    response_model=OrderOut,
    responses={201: {"headers": LOCATION}, **problems(400)},
)
def create_order(
    api: ApiContext, body: OrderCreate, request: Request, response: Response
) -> OrderOut:
    """Create a draft order. Lines name variants by ``upc`` or ``variant_id``; the customer
    is a hub customer (``customer_id`` or ``customer_code``) or a ``new_customer`` to link
    later."""
    with api.writing() as session:
        order = hub_orders.create_order(session, api.tenant_id, currency=body.currency)
        _apply(session, api.tenant_id, order, body)
        session.flush()
        created = OrderOut.of(order)
    response.headers["Location"] = str(request.url_for("read_order", order_id=created.id))
    return created


@router.patch("/{order_id}", response_model=OrderOut, responses=problems(400, 404, 409))
def edit_order(api: ApiContext, order_id: OrderId, body: OrderPatch) -> OrderOut:
    """Change the given fields. An order past draft must stay complete; an exported order
    is flagged ``modified_after_export`` and is not sent again unless re-exported."""
    with api.writing() as session:
        order = get_order(session, api.tenant_id, order_id)
        _apply(session, api.tenant_id, order, body)
        session.flush()
        return OrderOut.of(order)


def _apply(session: Session, tenant_id: int, order: Order, body: OrderFields) -> None:
    apply_entry(session, tenant_id, order, body.model_dump(include=body.model_fields_set))
