"""``/erp/backlog``: the orders from Shopify that the ERP has not taken."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from wholesync.hub.erp import backlog
from wholesync.hub.models import ErpStatus, Order

from .access import ApiContext
from .order_models import OrderOut, OrderPage
from .paging import LISTED, Paging

router = APIRouter(prefix="/erp", tags=["erp"])


class Backlog(OrderPage):
    waiting: int = Field(description="Orders pending longer than older_than_minutes.")
    rejected: int = Field(description="Orders the ERP failed to import.")


@router.get("/backlog", response_model=Backlog, responses=LISTED)
def erp_backlog(
    api: ApiContext,
    paging: Paging,
    older_than_minutes: Annotated[
        int, Query(ge=0, le=525_600, description="How long an order may wait for the ERP.")
    ] = 60,
) -> Backlog:
    """Orders from Shopify that the ERP has not imported within ``older_than_minutes``, and
    those it rejected (erp_status failed), oldest first."""
    query = backlog(api.tenant_id, waiting_longer_than=timedelta(minutes=older_than_minutes))
    found = query.subquery()
    counted = select(found.c.erp_status, func.count()).group_by(found.c.erp_status)
    with api.reading() as session:
        counts: dict[str | None, int] = {status: n for status, n in session.execute(counted)}
        rows, next_cursor = paging.rows(
            session, query.options(selectinload(Order.lines)), Order.id, "erp-backlog"
        )
        return Backlog(
            items=[OrderOut.of(order) for order in rows],
            next_cursor=next_cursor,
            waiting=counts.get(ErpStatus.PENDING, 0),
            rejected=counts.get(ErpStatus.FAILED, 0),
        )
