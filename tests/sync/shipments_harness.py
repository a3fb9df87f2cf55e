"""Helpers for the shipment tests: an exported order, shipments taken the way the API takes
them, the shipments run against the simulator, and the Shopify order's fulfillments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tests.sync.orders_harness import Orders
from wholesync.hub import shipments as hub_shipments
from wholesync.hub.models import AlertEvent, Shipment
from wholesync.sync.runs import RunResult
from wholesync.sync.shipments import ship
from wholesync.sync.tenants import build_client, get_tenant

Lines = Sequence[tuple[int, int]] | None


@dataclass
class Shipping:
    """An order exported to the simulated shop, and its shipments."""

    orders: Orders
    order_id: int

    def post(
        self,
        external_id: str,
        lines: Lines = None,
        numbers: Sequence[str] = ("1Z999",),
        carrier: str = "UPS",
        notify: bool | None = None,
    ) -> tuple[int, bool]:
        """Take a shipment of ``lines`` ((order line id, units); None: all that remains)."""
        given = hub_shipments.ShipmentInput(
            external_id=external_id,
            carrier=carrier,
            tracking=[hub_shipments.Tracking(n, f"https://track.example/{n}") for n in numbers],
            notify_customer=notify,
            lines=None
            if lines is None
            else [hub_shipments.LineRef(units, order_line_id=i) for i, units in lines],
        )
        harness = self.orders.harness
        with harness.sessions.begin() as session:
            tenant_id = get_tenant(session, harness.tenant).id
            order = hub_shipments.find_order(session, tenant_id, order_id=self.order_id)
            shipment, created = hub_shipments.accept(session, tenant_id, order, given, False)
            return shipment.id, created

    def run(self, transport: httpx.BaseTransport | None = None, **options: Any) -> RunResult:
        harness = self.orders.harness
        with harness.sessions() as session:
            tenant = get_tenant(session, harness.tenant)
            quick: dict[str, Any] = {"sleep": lambda _: None, "max_retries": 2}
            with build_client(tenant, transport=transport, **quick) as client:
                return ship(session, tenant, client, **options)

    def shipment(self, shipment_id: int) -> Shipment:
        with self.orders.harness.sessions() as session:
            query = select(Shipment).options(selectinload(Shipment.lines))
            return session.scalars(query.where(Shipment.id == shipment_id)).one()

    def alerts(self) -> list[AlertEvent]:
        return [a for a in self.orders.alerts(self.order_id) if a.kind == "shipment_failed"]

    def fulfillments(self) -> list[dict[str, Any]]:
        """The Shopify order's fulfillments, as the Admin API shows them."""
        gid = self.orders.order(self.order_id).shopify_order_gid
        data = self.orders.graphql("order_fulfillments", {"id": gid})
        found: list[dict[str, Any]] = data["order"]["fulfillments"]
        return found


def exported(orders: Orders, quantities: Sequence[int] = (3, 2)) -> Shipping:
    """A hub order of stocked variants in ``quantities``, exported to Shopify."""
    variants = orders.variants(len(quantities))
    order_id = orders.place([(v.upc, q) for v, q in zip(variants, quantities, strict=True)])
    assert orders.export().counts["created"] == 1
    return Shipping(orders, order_id)
