"""F4 load: create the order in Shopify and write the outcome back to the hub.

Every write-back commits at once, with the order's run record and, on failure, its alert, so
the hub never forgets a decision taken in Shopify. ``export_attempted_at`` is committed
before a create is sent: a run that died after sending knows an order may exist, and
searches for it (allowing for search lag) before it sends again. A preview writes nothing,
sends nothing, and rolls its session back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from wholesync.hub import orders as hub_orders
from wholesync.hub.models import AlertEvent, Customer, Order
from wholesync.shopify import ShopifyClient
from wholesync.shopify.errors import InvalidQueryError, UnavailableError
from wholesync.sync.errors import render
from wholesync.sync.fetch_orders_export import Exported
from wholesync.sync.load_customers_export import mark_pushed, send_customer
from wholesync.sync.map_orders_export import Problem, as_diff, order_options, user_error_problem
from wholesync.sync.runs import Outcome, RunRecorder
from wholesync.sync.settings import TenantSettings

ENTITY = "order"
ALERT_KIND = "order_export_failed"


@dataclass
class Writer:
    """Carries out the export's decisions for one run."""

    session: Session
    tenant_id: int
    settings: TenantSettings
    client: ShopifyClient
    recorder: RunRecorder
    preview: bool
    clock: Callable[[], datetime]
    # Customers created in this run, by hub id, so two orders of one customer make one.
    created_customers: dict[int, str] = field(default_factory=dict)

    def commit(self) -> None:
        if not self.preview:
            self.recorder.flush()
            self.session.commit()

    def record(self, order: Order, action: str, **fields: Any) -> None:
        self.recorder.add(Outcome(ENTITY, action, key=order.number, **fields))

    def fail(self, order: Order, problem: Problem) -> None:
        """The order becomes failed with the problem, and people are alerted."""
        hub_orders.export_failed(order, problem.code, problem.message)
        self.record(order, "reject", code=problem.code, message=problem.message)
        if not self.preview:
            self.session.add(
                AlertEvent(
                    tenant_id=self.tenant_id,
                    kind=ALERT_KIND,
                    code=problem.code,
                    subject=f"Order {order.number} was not exported to Shopify ({problem.code})",
                    message=problem.message,
                    order_id=order.id,
                    run_id=self.recorder.run_id,
                    details={"export_key": order.export_key},
                    created_at=self.clock(),
                )
            )
        self.commit()

    def refuse(self, key: str, problem: Problem) -> None:
        """A reject that leaves the order as it is (it was not eligible for export)."""
        self.recorder.add(
            Outcome(ENTITY, "reject", key=key, code=problem.code, message=problem.message)
        )
        self.commit()

    def found(self, order: Order, exported: Exported) -> None:
        """A search found the order in Shopify: take it, create nothing."""
        hub_orders.export_succeeded(
            order, gid=exported.gid, name=exported.name, kind=exported.kind, now=self.clock()
        )
        message = f"Already in Shopify as {exported.name}, found by its export key; not sent again."
        self.record(order, "unchanged", shopify_gid=exported.gid, message=message)
        self.commit()

    def would_create(self, order: Order, variables: Mapping[str, Any], message: str | None) -> None:
        self.record(order, "create", diff=as_diff(variables), message=message)

    def customer(self, customer: Customer) -> str | Problem:
        """Create ``customer`` in Shopify; its GID, or the problem Shopify named. The
        reference is written too, so customers sync (F2) updates this hub customer."""
        known = self.created_customers.get(customer.id)
        if known is not None:
            return known
        sent = customer.hub_modified_at
        made = send_customer(self.client, customer, self.settings)
        if isinstance(made, Problem):
            return made
        mark_pushed(self.session, customer, made, sent)
        self.session.commit()
        self.created_customers[customer.id] = made.gid
        return made.gid

    def create(self, order: Order, variables: Mapping[str, Any]) -> bool:
        """Send the create; the order ends processed or failed. Whether it was created."""

        def attempting() -> None:
            # Stamped before every attempt that goes out, after any throttle wait or refused
            # attempt: the search-lag allowance of a later run counts from the last one.
            order.export_attempted_at = self.clock()
            self.commit()

        draft = self.settings.orders.export_as == "draft_order"
        try:
            if draft:
                data = self.client.execute(
                    "draft_order_create", {"input": dict(variables)}, before_send=attempting
                )
                payload = data.get("draftOrderCreate") or {}
                made = payload.get("draftOrder")
            else:
                options = order_options(self.settings)
                data = self.client.execute(
                    "order_create",
                    {"order": dict(variables), "options": options},
                    before_send=attempting,
                )
                payload = data.get("orderCreate") or {}
                made = payload.get("order")
        except UnavailableError as exc:
            # It may exist: keep the key and the attempt, so the next run searches first.
            attempts = 1 if exc.outcome_unknown else self.client.retry.max_retries + 1
            detail = exc.message
            self.fail(
                order,
                Problem(
                    "SHOPIFY_UNAVAILABLE",
                    render("SHOPIFY_UNAVAILABLE", attempts=attempts, detail=detail),
                ),
            )
            return False
        except InvalidQueryError as exc:
            order.export_attempted_at = None  # refused before it ran: nothing was created
            self.fail(
                order,
                Problem("SHOPIFY_USER_ERROR", render("SHOPIFY_USER_ERROR", detail=exc.message)),
            )
            return False
        if payload.get("userErrors") or not made:
            order.export_attempted_at = None
            self.fail(order, user_error_problem(payload.get("userErrors") or []))
            return False
        kind = "draft_order" if draft else "order"
        hub_orders.export_succeeded(
            order, gid=made["id"], name=made["name"], kind=kind, now=self.clock()
        )
        self.record(order, "create", shopify_gid=made["id"], message=f"Created {made['name']}.")
        self.commit()
        return True
