"""Order actions: status transitions, export now, re-export, and the ERP's answer.

Export runs in a worker (flow ``orders_export``); these routes only make the order
exportable and request that run, then optionally wait for its outcome."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from wholesync.hub.erp import set_erp_status
from wholesync.hub.models import Order, OrderStatus
from wholesync.hub.orders import get_order
from wholesync.runtime.jobs import JobError, get_job
from wholesync.sync.order_actions import EXPORT_FLOW, move_order, set_to_export

from .access import Api, ApiContext
from .errors import EXPORT_UNAVAILABLE, ApiError, problems
from .order_models import ErpStatusIn, ExportOut, JobOut, OrderOut, ReexportIn, TransitionIn
from .orders import OrderId

log = logging.getLogger(__name__)
router = APIRouter(prefix="/orders", tags=["orders"])
FINISHED = (OrderStatus.PROCESSED, OrderStatus.FAILED)
POLL_SECONDS = 0.2
Wait = Annotated[
    float,
    Query(
        ge=0,
        le=60,
        description="Seconds (up to 60) to wait for the export to finish; 200 if it did.",
    ),
]
EXPORT_RESPONSES = {
    200: {"model": ExportOut, "description": "With wait: the order is processed or failed."},
    **problems(400, 404, 409, 503),
}


@router.post("/{order_id}/transitions", response_model=OrderOut, responses=problems(400, 404, 409))
def transition_order(api: ApiContext, order_id: OrderId, body: TransitionIn) -> OrderOut:
    """Move the order to another status, as the hub's lifecycle allows (409
    INVALID_TRANSITION otherwise; 422 ORDER_INCOMPLETE or CUSTOMER_NOT_LINKED when the order
    lacks what the status needs). Reaching an exportable status requests an export."""
    with api.writing() as session:
        order, export = move_order(session, api.tenant_id, order_id, body.to, reason=body.reason)
        moved = OrderOut.of(order)
    if export:
        try:
            api.runtime.request_run(api.tenant_id, EXPORT_FLOW, trigger="order")
        except JobError as exc:
            # The order stays exportable: the scheduled sweep sends it.
            log.warning("export of order %s not requested: %s", order_id, exc)
    return moved


@router.post(
    "/{order_id}/export", status_code=202, response_model=ExportOut, responses=EXPORT_RESPONSES
)
async def export_order(
    api: ApiContext, order_id: OrderId, response: Response, wait: Wait = 0
) -> ExportOut:
    """Export the order now: it must be in an exportable status (a failed one is retried
    with its export key kept). 202 with the queued job; with ``wait``, 200 once the order is
    processed or failed."""

    def prepare(session: Session) -> Order:
        return set_to_export(session, api.tenant_id, order_id)

    return await _export(api, order_id, prepare, response, wait)


@router.post(
    "/{order_id}/reexport", status_code=202, response_model=ExportOut, responses=EXPORT_RESPONSES
)
async def reexport_order(
    api: ApiContext,
    order_id: OrderId,
    response: Response,
    body: Annotated[ReexportIn | None, Body()] = None,
    wait: Wait = 0,
) -> ExportOut:
    """Send a processed order again as a new Shopify order, with a new export key, once its
    first Shopify order was cancelled: confirm with ``confirm_previous_cancelled: true``
    (409 CONFIRMATION_REQUIRED otherwise). A failed order is simply retried."""
    confirmed = body is not None and body.confirm_previous_cancelled

    def prepare(session: Session) -> Order:
        return set_to_export(session, api.tenant_id, order_id, again=True, confirmed=confirmed)

    return await _export(api, order_id, prepare, response, wait)


@router.post("/{order_id}/erp-status", response_model=OrderOut, responses=problems(400, 404))
def report_erp_status(api: ApiContext, order_id: OrderId, body: ErpStatusIn) -> OrderOut:
    """The ERP reports that it imported the order, or failed to (with a message saying why)."""
    with api.writing() as session:
        order = get_order(session, api.tenant_id, order_id)
        set_erp_status(order, body.status, body.message)
        session.flush()
        return OrderOut.of(order)


async def _export(
    api: Api,
    order_id: int,
    prepare: Callable[[Session], Order],
    response: Response,
    wait: float,
) -> ExportOut:
    job_id = await run_in_threadpool(_request_export, api, prepare)
    deadline = time.monotonic() + wait
    while True:
        result = await run_in_threadpool(_read, api, order_id, job_id)
        if result.order.status in FINISHED and wait > 0:
            response.status_code = 200
            return result
        if time.monotonic() >= deadline:
            return result
        await asyncio.sleep(POLL_SECONDS)


def _request_export(api: Api, prepare: Callable[[Session], Order]) -> int:
    with api.writing() as session:
        prepare(session)
    try:
        job = api.runtime.request_run(api.tenant_id, EXPORT_FLOW, trigger="manual")
    except JobError as exc:
        raise ApiError(
            503,
            EXPORT_UNAVAILABLE,
            f"The export could not be queued ({exc.code}: {exc.message}). The order is set to "
            "export and the next scheduled export sends it; or ask again shortly.",
        ) from exc
    return job.id


def _read(api: Api, order_id: int, job_id: int) -> ExportOut:
    job = get_job(api.runtime.sessions, job_id)
    with api.reading() as session:
        order = OrderOut.of(get_order(session, api.tenant_id, order_id))
    return ExportOut(order=order, job=JobOut(id=job_id, status=job.status if job else "unknown"))
