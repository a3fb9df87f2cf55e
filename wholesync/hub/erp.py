"""The ERP hand-off: the ERP takes orders from the hub and reports back whether it imported
them. The backlog is what it has not taken: orders waiting too long, and those it rejected."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, and_, or_

from .models import ErpStatus, Order, OrderOrigin, OrderStatus
from .models.types import utcnow
from .orders import OrderError

ERP_MESSAGE_REQUIRED = "ERP_MESSAGE_REQUIRED"


def set_erp_status(
    order: Order, status: str, message: str | None = None, *, now: datetime | None = None
) -> None:
    """Record the ERP's answer; a rejection must say why, so someone can fix the order."""
    ErpStatus(status)  # refuses an unknown status
    text = (message or "").strip() or None
    if status == ErpStatus.FAILED and text is None:
        raise OrderError(
            ERP_MESSAGE_REQUIRED,
            f"Order {order.number}: a failed ERP import needs a message.",
            "Say what the ERP refused (e.g. 'unknown customer code C123') in message.",
        )
    order.erp_status, order.erp_message = status, text
    order.erp_updated_at = now or utcnow()


def backlog(
    tenant_id: int, *, waiting_longer_than: timedelta, now: datetime | None = None
) -> Select[Order]:
    """Orders from Shopify the ERP has not taken: pending longer than the given time (and not
    cancelled), or rejected."""
    cutoff = (now or utcnow()) - waiting_longer_than
    return Order.for_tenant(tenant_id).where(
        Order.origin == OrderOrigin.SHOPIFY,
        or_(
            and_(
                Order.erp_status == ErpStatus.PENDING,
                Order.created_at <= cutoff,
                Order.status != OrderStatus.CANCELLED,
            ),
            Order.erp_status == ErpStatus.FAILED,
        ),
    )
