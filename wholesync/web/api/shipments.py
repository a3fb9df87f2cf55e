"""``/shipments``: an ERP posts what shipped; the ``shipments`` flow (in a worker) makes each
one a Shopify fulfillment. Posting the same external id again returns the shipment posted
before and never fulfils twice."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from starlette.concurrency import run_in_threadpool

from wholesync.hub import shipments as hub_shipments
from wholesync.hub.filters import where_equal, where_since
from wholesync.hub.models import Shipment, ShipmentStatus
from wholesync.runtime.jobs import JobError

from .access import Api, ApiContext
from .errors import problems
from .paging import LISTED, Paging
from .shipment_models import ShipmentCreate, ShipmentOut, ShipmentPage
from .types import MAX_ID, Since, query_id, query_text

log = logging.getLogger(__name__)
router = APIRouter(prefix="/shipments", tags=["shipments"])
FLOW: Final = "shipments"
POLL_SECONDS = 0.2
ShipmentId = Annotated[int, Path(ge=1, le=MAX_ID, description="The shipment's hub id.")]
Wait = Annotated[
    float,
    Query(
        ge=0,
        le=60,
        description="Seconds (up to 60) to wait for the shipment to be fulfilled or to fail.",
    ),
]
LOCATION = {"Location": {"description": "The shipment's URL.", "schema": {"type": "string"}}}
CREATE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": ShipmentOut, "description": "Posted before under this external_id: as it is."},
    201: {"headers": LOCATION},
    **problems(400, 404, 409),
}


@router.get("", response_model=ShipmentPage, responses=LISTED)
def list_shipments(
    api: ApiContext,
    paging: Paging,
    order_id: Annotated[int | None, query_id("Shipments of this order.")] = None,
    status: ShipmentStatus | None = None,
    external_id: Annotated[str | None, query_text(255, "The sender's shipment id.")] = None,
    updated_since: Since = None,
) -> ShipmentPage:
    """Shipments in id order; filter by order, status, external id or change time."""
    query = where_equal(
        Shipment.for_tenant(api.tenant_id).options(selectinload(Shipment.lines)),
        (Shipment.order_id, order_id),
        (Shipment.status, status),
        (Shipment.external_id, external_id),
    )
    query = where_since(query, Shipment.updated_at, updated_since)
    return paging.page(api, query, Shipment.id, "shipments", ShipmentPage, ShipmentOut.of)


@router.get("/{shipment_id}", response_model=ShipmentOut, responses=problems(404))
def read_shipment(api: ApiContext, shipment_id: ShipmentId) -> ShipmentOut:
    with api.reading() as session:
        return ShipmentOut.of(api.owned(session, Shipment, shipment_id, "shipment"))


@router.post("", status_code=201, response_model=ShipmentOut, responses=CREATE_RESPONSES)
async def create_shipment(
    api: ApiContext, body: ShipmentCreate, request: Request, response: Response, wait: Wait = 0
) -> ShipmentOut:
    """Take a shipment of an order exported to Shopify (409 ORDER_NOT_EXPORTED otherwise):
    tracking numbers with their links, and the lines shipped (by order line id or UPC; left
    out, everything not shipped yet). 422 names a line shipped beyond what remains. The
    shipment is stored pending and fulfilled in Shopify by a worker; ``wait`` waits for that.
    The same ``external_id`` again: 200 with the shipment as it is, 409 if the content
    differs."""
    shipment_id, created = await run_in_threadpool(_accept, api, body)
    if created:
        url = request.url_for("read_shipment", shipment_id=shipment_id)
        response.headers["Location"] = str(url)
    else:
        response.status_code = 200
    deadline = time.monotonic() + wait
    while True:
        shown = await run_in_threadpool(read_shipment, api, shipment_id)
        if shown.status != ShipmentStatus.PENDING or time.monotonic() >= deadline:
            return shown
        await asyncio.sleep(POLL_SECONDS)


def _accept(api: Api, body: ShipmentCreate) -> tuple[int, bool]:
    """The shipment's id and whether it is new; a new or retried one requests the flow."""
    try:
        shipment_id, created, run = _store(api, body)
    except IntegrityError:
        # The same external id, posted at the same moment, was stored first: it is that one.
        shipment_id, created, run = _store(api, body)
    if run:
        try:
            api.runtime.request_run(api.tenant_id, FLOW, trigger="shipment")
        except JobError as exc:
            # The shipment stays pending: the scheduled sweep sends it.
            log.warning("shipments run not requested for shipment %s: %s", shipment_id, exc)
    return shipment_id, created


def _store(api: Api, body: ShipmentCreate) -> tuple[int, bool, bool]:
    with api.writing() as session:
        order = hub_shipments.find_order(
            session,
            api.tenant_id,
            order_id=body.order_id,
            number=body.order_number,
            shopify_name=body.shopify_order_name,
        )
        settings = api.settings(session)
        shipment, created = hub_shipments.accept(
            session, api.tenant_id, order, body.as_input(), settings.shipments.notify_customer
        )
        run = shipment.status == ShipmentStatus.PENDING and settings.flow_active(FLOW)
        return shipment.id, created, run
