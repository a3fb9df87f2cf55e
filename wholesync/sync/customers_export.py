"""F8: customers changed in the hub, to Shopify (two-way customers, off unless the tenant
turns it on).

A customer is due when the hub changed it (``hub_modified_at``, set by the API, never by
customers sync F2) after its last push (``pushed_at``). A run takes the due customers a batch
at a time: it confirms their linked Shopify customers and looks the unlinked ones up by email
(fetch_orders_export.find_customers), so a customer Shopify already has is linked and updated,
not created twice. Each is then sent (load_customers_export): ``customerUpdate`` of the linked
GID, else ``customerCreate``. Shopify's userErrors become catalogue problems
(map_customers_export). A preview looks up but sends and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, selectinload

from wholesync.hub.models import AlertEvent, Customer, Tenant
from wholesync.hub.models.types import utcnow
from wholesync.shopify import ShopifyClient
from wholesync.shopify.errors import UnavailableError
from wholesync.sync.errors import render
from wholesync.sync.fetch_orders_export import find_customers
from wholesync.sync.flows import OutboundFlow, in_batches, run_recorded
from wholesync.sync.load_customers_export import ENTITY, mark_pushed, send_customer
from wholesync.sync.map_customers_export import customer_input, customer_label
from wholesync.sync.map_orders_export import Problem, as_diff
from wholesync.sync.matching import gids_of
from wholesync.sync.runs import Outcome, RunRecorder, RunResult
from wholesync.sync.settings import FlowName, TenantSettings
from wholesync.sync.tables import REFS
from wholesync.sync.tenants import tenant_settings

FLOW: FlowName = "customers_export"
BATCH = 50
ALERT_KIND = "customer_export_failed"


def due(tenant_id: int) -> tuple[ColumnElement[bool], ...]:
    """The conditions of a customer whose hub change has not reached Shopify yet."""
    return (
        Customer.tenant_id == tenant_id,
        Customer.archived_at.is_(None),
        Customer.hub_modified_at.is_not(None),
        or_(Customer.pushed_at.is_(None), Customer.hub_modified_at > Customer.pushed_at),
    )


@dataclass
class Pusher:
    """One run's state and its decisions, customer by customer."""

    session: Session
    tenant: Tenant
    settings: TenantSettings
    client: ShopifyClient
    recorder: RunRecorder
    preview: bool
    clock: Callable[[], datetime]

    def commit(self) -> None:
        if self.preview:
            self.session.rollback()
        else:
            self.recorder.flush()
            self.session.commit()

    def select(self, customer_ids: Sequence[int] | None) -> list[int]:
        query = select(Customer.id).where(*due(self.tenant.id)).order_by(Customer.id)
        if customer_ids is not None:
            query = query.where(Customer.id.in_(list(customer_ids)))
        return list(self.session.scalars(query))

    def batch(self, ids: Sequence[int]) -> None:
        customers = list(
            self.session.scalars(
                select(Customer)
                .where(Customer.id.in_(ids))
                .options(selectinload(Customer.addresses))
                .order_by(Customer.id)
            )
        )
        sent = {c.id: c.hub_modified_at for c in customers}
        linked = gids_of(self.session, self.tenant.id, ENTITY, ids)
        # Ends the transaction: no database lock is held over the Shopify calls that follow.
        self.commit()
        found = find_customers(self.client, {c.id: c.email for c in customers}, linked)
        owners = self._owners({gid for hub_id, gid in found.items() if linked.get(hub_id) != gid})
        for customer in customers:
            gid = found.get(customer.id)
            owner = owners.get(gid) if gid is not None else None
            if owner is not None and owner[0] != customer.id:
                self.fail(customer, self._taken(customer, owner[1]))
                continue
            by_email = gid is not None and linked.get(customer.id) != gid
            self.push(customer, gid, by_email, sent[customer.id])

    def _owners(self, gids: set[str]) -> dict[str, tuple[int, str]]:
        """Shopify GID -> (hub id, customer code) of the hub customer already linked to it."""
        if not gids:
            return {}
        rows = self.session.execute(
            select(REFS.c.shopify_gid, Customer.id, Customer.customer_code)
            .join(Customer, Customer.id == REFS.c.hub_id)
            .where(
                REFS.c.tenant_id == self.tenant.id,
                REFS.c.entity == ENTITY,
                REFS.c.shopify_gid.in_(sorted(gids)),
            )
        )
        owners = {gid: (hub_id, code) for gid, hub_id, code in rows}
        self.commit()
        return owners

    def _taken(self, customer: Customer, other: str) -> Problem:
        message = render(
            "DUPLICATE_CUSTOMER",
            first=f"'{other}'",
            second=f"'{customer_label(customer)}'",
            field="email",
            value=customer.email,
        )
        return Problem("DUPLICATE_CUSTOMER", message)

    def push(
        self, customer: Customer, gid: str | None, by_email: bool, sent: datetime | None
    ) -> None:
        """Send one customer; record what became of it."""
        linked_note = (
            f"Linked to Shopify customer {gid}, which has the same email; not created again."
            if by_email
            else None
        )
        if self.preview:
            variables = customer_input(customer, self.settings, gid=gid)
            action = "update" if gid else "create"
            self.record(customer, action, gid, linked_note, as_diff(variables))
            return
        try:
            made = send_customer(self.client, customer, self.settings, gid)
        except UnavailableError as exc:
            # A create may have run: the next run finds it by email before creating again.
            attempts = 1 if exc.outcome_unknown else self.client.retry.max_retries + 1
            detail = exc.message
            problem = Problem(
                "SHOPIFY_UNAVAILABLE",
                render("SHOPIFY_UNAVAILABLE", attempts=attempts, detail=detail),
            )
            self.fail(customer, problem)
            return
        if isinstance(made, Problem):
            self.fail(customer, made)
            return
        mark_pushed(self.session, customer, made, sent)
        verb = "Created" if made.created else "Updated"
        message = linked_note or f"{verb} in Shopify as {made.gid}."
        self.record(customer, "create" if made.created else "update", made.gid, message)
        self.commit()

    def record(
        self,
        customer: Customer,
        action: str,
        gid: str | None,
        message: str | None,
        diff: dict[str, list[Any]] | None = None,
    ) -> None:
        key = customer_label(customer)
        self.recorder.add(
            Outcome(ENTITY, action, key=key, shopify_gid=gid, message=message, diff=diff)
        )

    def fail(self, customer: Customer, problem: Problem) -> None:
        """The customer stays due (retried next run); people are alerted."""
        self.recorder.add(
            Outcome(
                ENTITY,
                "reject",
                key=customer_label(customer),
                code=problem.code,
                message=problem.message,
            )
        )
        if not self.preview:
            self.session.add(
                AlertEvent(
                    tenant_id=self.tenant.id,
                    kind=ALERT_KIND,
                    code=problem.code,
                    subject=f"Customer {customer_label(customer)} was not sent to Shopify "
                    f"({problem.code})",
                    message=problem.message,
                    run_id=self.recorder.run_id,
                    details={"customer_id": customer.id},
                    created_at=self.clock(),
                )
            )
        self.commit()


def export_customers(
    session: Session,
    tenant: Tenant,
    client: ShopifyClient,
    *,
    customer_ids: Sequence[int] | None = None,
    preview: bool = False,
    trigger: str = "manual",
    on_progress: Callable[[int], None] | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> RunResult:
    """Send the tenant's customers changed in the hub (or those of ``customer_ids`` that are
    due) to Shopify. ``preview`` reports what would be created or updated, sending and
    writing nothing."""
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
    pusher = Pusher(session, tenant, tenant_settings(tenant), client, recorder, preview, clock)

    def work() -> None:
        in_batches(pusher.select(customer_ids), BATCH, pusher.batch, on_progress)

    return run_recorded(session, recorder, client, work)


CUSTOMERS_EXPORT = OutboundFlow(FLOW, export_customers)
