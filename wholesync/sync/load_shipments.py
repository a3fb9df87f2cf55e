"""F6 load: create the fulfillment in Shopify and write the outcome back to the hub.

Every write-back commits at once, with the shipment's run record and, on failure, its alert.
``attempted_at`` is committed just before ``fulfillmentCreate`` goes out (it has no
idempotency key): a run that died after sending left a fulfillment that the next run
recognises among the order's fulfillments before it would send again. A preview writes
nothing and sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from wholesync.hub import shipments as hub_shipments
from wholesync.hub.models import AlertEvent, Shipment
from wholesync.shopify import ShopifyClient
from wholesync.shopify.errors import InvalidQueryError, UnavailableError
from wholesync.sync.errors import render
from wholesync.sync.map_orders_export import Problem, as_diff, user_error_problem
from wholesync.sync.runs import Outcome, RunRecorder

ENTITY = "shipment"
ALERT_KIND = "shipment_failed"


@dataclass
class Writer:
    """Carries out the shipment decisions of one run."""

    session: Session
    tenant_id: int
    client: ShopifyClient
    recorder: RunRecorder
    preview: bool
    clock: Callable[[], datetime]

    def commit(self) -> None:
        if not self.preview:
            self.recorder.flush()
            self.session.commit()

    def record(self, shipment: Shipment, action: str, **fields: Any) -> None:
        self.recorder.add(Outcome(ENTITY, action, key=shipment.external_id, **fields))

    def fail(self, shipment: Shipment, problem: Problem) -> None:
        """The shipment becomes failed with the problem, and people are alerted."""
        hub_shipments.failed(shipment, problem.code, problem.message)
        self.record(shipment, "reject", code=problem.code, message=problem.message)
        if not self.preview:
            number = shipment.order.number
            self.session.add(
                AlertEvent(
                    tenant_id=self.tenant_id,
                    kind=ALERT_KIND,
                    code=problem.code,
                    subject=f"Shipment {shipment.external_id} of order {number} was not "
                    f"fulfilled in Shopify ({problem.code})"[:255],
                    message=problem.message,
                    order_id=shipment.order_id,
                    run_id=self.recorder.run_id,
                    details={"shipment_id": shipment.id, "external_id": shipment.external_id},
                    created_at=self.clock(),
                )
            )
        self.commit()

    def fulfilled(self, shipment: Shipment, gid: str, paired: Mapping[int, str]) -> None:
        """The shipment is fulfillment ``gid``; the order's lines keep their Shopify GIDs."""
        order = shipment.order
        for line in order.lines:
            if line.shopify_line_gid is None and line.id in paired:
                line.shopify_line_gid = paired[line.id]
        hub_shipments.fulfilled(shipment, order, gid, self.clock())

    def found(self, shipment: Shipment, gid: str, paired: Mapping[int, str]) -> None:
        """A fulfillment made for this shipment is in Shopify already: take it."""
        self.fulfilled(shipment, gid, paired)
        message = "Already fulfilled in Shopify (same tracking and units); not sent again."
        self.record(shipment, "unchanged", shopify_gid=gid, message=message)
        self.commit()

    def would_create(self, shipment: Shipment, variables: Mapping[str, Any]) -> None:
        self.record(shipment, "create", diff=as_diff(variables))

    def create(
        self, shipment: Shipment, variables: Mapping[str, Any], paired: Mapping[int, str]
    ) -> str | None:
        """Send ``fulfillmentCreate``; the shipment ends fulfilled or failed. The new
        fulfillment's GID, or None."""

        def attempting() -> None:
            shipment.attempted_at = self.clock()
            self.commit()

        try:
            data = self.client.execute(
                "fulfillment_create", {"fulfillment": dict(variables)}, before_send=attempting
            )
        except UnavailableError as exc:
            # It may exist: the next run looks for it among the order's fulfillments first.
            attempts = 1 if exc.outcome_unknown else self.client.retry.max_retries + 1
            detail = render("SHOPIFY_UNAVAILABLE", attempts=attempts, detail=exc.message)
            self.fail(shipment, Problem("SHOPIFY_UNAVAILABLE", detail))
            return None
        except InvalidQueryError as exc:
            shipment.attempted_at = None  # refused before it ran: nothing was created
            detail = render("SHOPIFY_USER_ERROR", detail=exc.message)
            self.fail(shipment, Problem("SHOPIFY_USER_ERROR", detail))
            return None
        payload = data.get("fulfillmentCreate") or {}
        made = payload.get("fulfillment")
        if payload.get("userErrors") or not made:
            shipment.attempted_at = None
            self.fail(shipment, user_error_problem(payload.get("userErrors") or []))
            return None
        gid: str = made["id"]
        self.fulfilled(shipment, gid, paired)
        self.record(shipment, "create", shopify_gid=gid, message=f"Fulfilled as {made['name']}.")
        self.commit()
        return gid
