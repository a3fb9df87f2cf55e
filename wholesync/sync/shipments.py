"""F6: shipments posted by an ERP become Shopify fulfillments, each exactly once.

A run takes the tenant's pending shipments (and those failed only because Shopify was
unavailable) a batch at a time. For a batch it reads the Shopify orders in a few ``nodes``
calls (their lines, open fulfillment orders and the fulfillments already made), then for
each shipment: recognises a fulfillment already made for it (same tracking numbers and units,
not another shipment's), else maps it (map_shipments, pure) and creates it
(load_shipments). A fulfillment just made updates the order as read, so two shipments of one
order in a batch see each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from wholesync.hub.models import Order, Shipment, ShipmentStatus, Tenant
from wholesync.hub.models.types import utcnow
from wholesync.hub.shipments import RETRIED_CODE, shopify_order_of
from wholesync.shopify import ShopifyClient
from wholesync.sync.errors import render
from wholesync.sync.flows import OutboundFlow, fetch_by_ids, in_batches, run_recorded
from wholesync.sync.load_shipments import Writer
from wholesync.sync.map_orders_export import Problem
from wholesync.sync.map_shipments import (
    Made,
    ShopifyOrder,
    fulfillment_input,
    line_names,
    numbers,
    pair_lines,
    parse_order,
    picks,
    recognise,
    units_by_line_item,
)
from wholesync.sync.runs import RunRecorder, RunResult
from wholesync.sync.settings import FlowName

FLOW: FlowName = "shipments"
BATCH = 50
# Each order node asks for three pages of up to 250 items: five stay under 1,000 points.
ORDER_NODES_BATCH = 5


def to_ship(tenant_id: int) -> tuple[ColumnElement[bool], ...]:
    """The conditions of a shipment a run sends: pending, or failed only because Shopify was
    unavailable (retried automatically)."""
    return (
        Shipment.tenant_id == tenant_id,
        or_(
            Shipment.status == ShipmentStatus.PENDING,
            and_(Shipment.status == ShipmentStatus.FAILED, Shipment.error_code == RETRIED_CODE),
        ),
    )


def not_exported(order: Order, why: str) -> Problem:
    return Problem("ORDER_NOT_EXPORTED", render("ORDER_NOT_EXPORTED", order=order.number, why=why))


@dataclass
class Shipper:
    """One run's state: the session, the tenant, the Shopify client and the writer."""

    session: Session
    tenant: Tenant
    client: ShopifyClient
    writer: Writer

    def select(self, shipment_ids: Sequence[int] | None) -> list[int]:
        query = select(Shipment.id).where(*to_ship(self.tenant.id)).order_by(Shipment.id)
        if shipment_ids is not None:
            query = query.where(Shipment.id.in_(list(shipment_ids)))
        return list(self.session.scalars(query))

    def _load(self, ids: Sequence[int]) -> list[Shipment]:
        query = (
            select(Shipment)
            .where(Shipment.id.in_(ids))
            .options(
                selectinload(Shipment.lines),
                selectinload(Shipment.order).selectinload(Order.lines),
            )
            .order_by(Shipment.id)
        )
        return list(self.session.scalars(query))

    def _taken(self, order_ids: set[int]) -> dict[int, set[str]]:
        """Order id -> the fulfillments the hub's shipments of it already are."""
        query = select(Shipment.order_id, Shipment.shopify_fulfillment_gid).where(
            Shipment.order_id.in_(order_ids), Shipment.shopify_fulfillment_gid.is_not(None)
        )
        taken: dict[int, set[str]] = {order_id: set() for order_id in order_ids}
        for order_id, gid in self.session.execute(query):
            if gid is not None:
                taken[order_id].add(gid)
        return taken

    def batch(self, ids: Sequence[int]) -> None:
        shipments = self._load(ids)
        taken = self._taken({s.order_id for s in shipments})
        gids = list(dict.fromkeys(g for s in shipments if (g := shopify_order_of(s.order))))
        # Ends the transaction: no database lock is held over the Shopify calls that follow.
        self.writer.commit()
        nodes = fetch_by_ids(
            self.client, "shipment_orders", gids, batch=ORDER_NODES_BATCH, tombstones=True
        )
        orders = {node["id"]: parse_order(node) for node in nodes if "lineItems" in node}
        for shipment in shipments:
            gid = shopify_order_of(shipment.order)
            self._one(shipment, orders.get(gid) if gid else None, taken[shipment.order_id])
        if self.writer.preview:
            self.session.rollback()

    def _one(
        self, shipment: Shipment, shopify: ShopifyOrder | Problem | None, taken: set[str]
    ) -> None:
        order = shipment.order
        gid = shopify_order_of(order)
        if gid is None:
            why = (
                f"was exported as draft order {order.shopify_order_name}, which cannot be fulfilled"
                if order.shopify_kind == "draft_order"
                else f"is {order.status} and was never exported to Shopify"
            )
            self.writer.fail(shipment, not_exported(order, why))
            return
        if shopify is None:
            why = f"was exported as {order.shopify_order_name}, which Shopify no longer has"
            self.writer.fail(shipment, not_exported(order, why))
            return
        if isinstance(shopify, Problem):  # Shopify's order node could not be read
            self.writer.fail(shipment, shopify)
            return
        paired = pair_lines(order, shopify)
        if isinstance(paired, Problem):
            self.writer.fail(shipment, paired)
            return
        units = units_by_line_item(shipment, paired)
        made = recognise(shipment, units, shopify, taken)
        if made is not None:
            taken.add(made.gid)
            if self.writer.preview:
                self.writer.record(shipment, "unchanged", shopify_gid=made.gid)
            else:
                self.writer.found(shipment, made.gid, paired)
            return
        chosen = picks(shipment, units, shopify, line_names(order, paired))
        if isinstance(chosen, Problem):
            self.writer.fail(shipment, chosen)
            return
        variables = fulfillment_input(shipment, chosen, shopify)
        if self.writer.preview:
            self.writer.would_create(shipment, variables)
            created: str | None = f"(preview {shipment.external_id})"
        else:
            created = self.writer.create(shipment, variables, paired)
        if created is not None:
            taken.add(created)
            shopify.shipped(Made(created, frozenset(numbers(shipment)), units), chosen)


def ship(
    session: Session,
    tenant: Tenant,
    client: ShopifyClient,
    *,
    shipment_ids: Sequence[int] | None = None,
    preview: bool = False,
    trigger: str = "manual",
    on_progress: Callable[[int], None] | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> RunResult:
    """Fulfil the tenant's pending shipments (or ``shipment_ids`` of them) in Shopify,
    exactly once. ``preview`` runs every check and reports what would be created, writing
    and sending nothing."""
    recorder = RunRecorder(
        session,
        tenant.id,
        tenant.name,
        FLOW,
        preview=preview,
        full=False,
        trigger=trigger,
        now=clock,
    )
    writer = Writer(session, tenant.id, client, recorder, preview, clock)
    shipper = Shipper(session, tenant, client, writer)

    def work() -> None:
        in_batches(shipper.select(shipment_ids), BATCH, shipper.batch, on_progress)

    return run_recorded(session, recorder, client, work)


SHIPMENTS = OutboundFlow(FLOW, ship)
