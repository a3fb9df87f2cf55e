"""Order actions that lead to an export: a status change, "export now" and "re-export".

The REST API and the integration center both call these inside a transaction, then, once it
is committed, ask the runtime for an ``orders_export`` run (the worker must see the order)."""

from __future__ import annotations

from typing import Final

from sqlalchemy.orm import Session

from wholesync.hub.models import Order, Tenant
from wholesync.hub.orders import (
    OrderError,
    exportable_statuses,
    get_order,
    prepare_export,
    reexport,
    transition,
)
from wholesync.sync.settings import FlowName
from wholesync.sync.tenants import tenant_settings

EXPORT_FLOW: Final[FlowName] = "orders_export"
FLOW_DISABLED = "FLOW_DISABLED"


def move_order(
    session: Session, tenant_id: int, order_id: int, to: str, *, reason: str | None = None
) -> tuple[Order, bool]:
    """Move the tenant's order to status ``to``; also whether an export is now due (it
    reached an exportable status and the export flow is on)."""
    order = get_order(session, tenant_id, order_id)
    settings = tenant_settings(session.get_one(Tenant, tenant_id))
    exportable = exportable_statuses(settings.orders.exportable_statuses)
    transition(order, to, exportable=exportable, reason=reason)
    session.flush()
    due = order.export_key is not None and order.status in exportable
    return order, due and settings.flow_active(EXPORT_FLOW)


def set_to_export(
    session: Session, tenant_id: int, order_id: int, *, again: bool = False, confirmed: bool = False
) -> Order:
    """Make the order exportable now: "export now", or with ``again`` "re-export" (a
    processed order needs ``confirmed``: its Shopify order was cancelled). FLOW_DISABLED when
    the tenant does not export orders."""
    order = get_order(session, tenant_id, order_id)
    settings = tenant_settings(session.get_one(Tenant, tenant_id))
    if not settings.flow_active(EXPORT_FLOW):
        raise OrderError(
            FLOW_DISABLED,
            "Order export is disabled for this tenant.",
            "Enable it with `wholesync tenants set NAME flows.orders_export.enabled true` (or "
            "in Settings), then ask again.",
        )
    if again:
        reexport(order, confirm_previous_cancelled=confirmed)
    else:
        prepare_export(order, exportable=exportable_statuses(settings.orders.exportable_statuses))
    session.flush()
    return order
