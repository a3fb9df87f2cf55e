"""F4: wholesale orders from the hub to Shopify, each exactly once.

A run takes the tenant's exportable orders (or the ones asked for) a batch at a time. For a
batch it searches Shopify for the orders' export keys (an order found is taken, not sent
again), then resolves customers, variants and stock in a few batched lookups
(fetch_orders_export), maps each order (map_orders_export, pure) and creates it
(load_orders_export). An order sent before whose key the search does not find yet is only
trusted to be absent once ``orders.search_lag_seconds`` have passed since that attempt: it
waits at the end of the run, while the others go ahead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from wholesync.hub.models import Customer, Order, OrderOrigin, OrderStatus, Tenant
from wholesync.hub.models.types import utcnow
from wholesync.hub.orders import exportable_statuses, new_export_key
from wholesync.shopify import ShopifyClient
from wholesync.sync.errors import render
from wholesync.sync.fetch_orders_export import (
    find_customers,
    find_exported,
    find_location,
    find_variants,
)
from wholesync.sync.flows import OutboundFlow, in_batches, run_recorded
from wholesync.sync.load_orders_export import Writer
from wholesync.sync.map_orders_export import (
    Location,
    Problem,
    Resolved,
    VariantFacts,
    customer_label,
    draft_input,
    line_key,
    missing_variants,
    note,
    order_input,
    stock_shortfall,
)
from wholesync.sync.matching import gids_of
from wholesync.sync.runs import RunRecorder, RunResult
from wholesync.sync.settings import FlowName, TenantSettings
from wholesync.sync.tenants import tenant_settings

FLOW: FlowName = "orders_export"
BATCH = 50
SHOPIFY_UNAVAILABLE = "SHOPIFY_UNAVAILABLE"


@dataclass(frozen=True)
class Refs:
    """Hub id -> linked Shopify GID, of customers and of variants."""

    customers: dict[int, str]
    variants: dict[int, str]


@dataclass(frozen=True)
class Deferred:
    order_id: int
    due: datetime


def exportable(tenant_id: int, settings: TenantSettings) -> tuple[ColumnElement[bool], ...]:
    """The conditions of an order the run exports: a hub order in an exportable status, or
    failed only because Shopify was unavailable (retried automatically)."""
    statuses = sorted(exportable_statuses(settings.orders.exportable_statuses))
    return (
        Order.tenant_id == tenant_id,
        Order.origin == OrderOrigin.HUB,
        or_(
            Order.status.in_(statuses),
            and_(Order.status == OrderStatus.FAILED, Order.error_code == SHOPIFY_UNAVAILABLE),
        ),
    )


def _not_exportable(order: Order | None, order_id: int, settings: TenantSettings) -> Problem:
    if order is None:
        return Problem(
            "ORDER_NOT_EXPORTABLE",
            render(
                "ORDER_NOT_EXPORTABLE",
                order=order_id,
                status="not an order of this tenant",
                fix="Check the order id.",
            ),
        )
    if order.status == OrderStatus.PROCESSED:
        return Problem(
            "ALREADY_EXPORTED",
            render("ALREADY_EXPORTED", order=order.number, shopify_order=order.shopify_order_name),
        )
    if order.origin != OrderOrigin.HUB:
        fix = "It came from Shopify; only wholesale orders taken in the hub are exported."
    elif order.status == OrderStatus.FAILED:
        fix = "Fix what its error names, then set it to re-export."
    elif order.status == OrderStatus.CANCELLED:
        fix = "A cancelled order is never exported."
    else:
        allowed = ", ".join(sorted(exportable_statuses(settings.orders.exportable_statuses)))
        fix = f"Orders are exported in status {allowed} (setting orders.exportable_statuses)."
    return Problem(
        "ORDER_NOT_EXPORTABLE",
        render("ORDER_NOT_EXPORTABLE", order=order.number, status=order.status, fix=fix),
    )


class Exporter:
    """One run's state: settings, lookups that hold for the whole run, the writer."""

    def __init__(
        self,
        session: Session,
        tenant: Tenant,
        client: ShopifyClient,
        writer: Writer,
        clock: Callable[[], datetime],
    ) -> None:
        self.session, self.tenant, self.client = session, tenant, client
        self.settings = writer.settings
        self.writer, self.clock = writer, clock
        self.preview = writer.preview
        self.lag = timedelta(seconds=self.settings.orders.search_lag_seconds)
        self._location: Location | Problem | None = None

    def select(self, order_ids: Sequence[int] | None) -> list[int]:
        """The ids to export, in order; ids asked for that may not be exported are refused."""
        conditions = exportable(self.tenant.id, self.settings)
        query = select(Order.id).where(*conditions).order_by(Order.id)
        if order_ids is None:
            return list(self.session.scalars(query))
        wanted = list(dict.fromkeys(order_ids))
        chosen = set(self.session.scalars(query.where(Order.id.in_(wanted))))
        for order_id in wanted:
            if order_id not in chosen:
                order = self.session.get(Order, order_id)
                if order is not None and order.tenant_id != self.tenant.id:
                    order = None
                problem = _not_exportable(order, order_id, self.settings)
                self.writer.refuse(order.number if order else str(order_id), problem)
        return [order_id for order_id in wanted if order_id in chosen]

    def location(self) -> Location | Problem | None:
        """The fulfillment location, looked up once per run."""
        wanted = self.settings.orders.fulfillment_location
        if wanted is None or self.settings.orders.fulfillment != "fulfilled":
            return None
        if self._location is None:
            self._location = find_location(self.client, wanted) or Problem(
                "INVALID_SETTING",
                render(
                    "INVALID_SETTING",
                    key="orders.fulfillment_location",
                    value=repr(wanted),
                    detail="no Shopify location has that name or id; give one from "
                    "Settings > Locations in Shopify",
                ),
            )
        return self._location

    def _load(self, ids: Sequence[int]) -> list[Order]:
        query = (
            select(Order)
            .where(Order.id.in_(ids))
            .options(
                selectinload(Order.lines),
                selectinload(Order.customer).selectinload(Customer.addresses),
                selectinload(Order.buyer),
            )
            .order_by(Order.id)
        )
        return list(self.session.scalars(query))

    def batch(self, ids: Sequence[int]) -> list[Deferred]:
        """Export one batch; the orders that must wait for the search lag."""
        orders = self._load(ids)
        for order in orders:
            if order.export_key is None:
                order.export_key = new_export_key()
        refs = self._refs(orders)
        # Ends the transaction: no database lock is held over the Shopify calls that follow.
        self.writer.commit()
        drafts = self.settings.orders.export_as == "draft_order"
        exported = find_exported(self.client, [o.export_key or "" for o in orders], drafts=drafts)
        # An earlier attempt may have been made as the other kind (export_as changed since).
        retried = [
            o.export_key
            for o in orders
            if o.export_key and o.export_attempted_at and o.export_key not in exported
        ]
        if retried:
            exported.update(find_exported(self.client, retried, drafts=not drafts))
        now = self.clock()
        ready: list[Order] = []
        deferred: list[Deferred] = []
        for order in orders:
            found = exported.get(order.export_key or "")
            attempted = order.export_attempted_at
            if found is not None:
                self.writer.found(order, found)
            elif attempted is not None and now < attempted + self.lag and not self.preview:
                deferred.append(Deferred(order.id, attempted + self.lag))
            else:
                ready.append(order)
        if ready:
            self._export(ready, refs)
        if self.preview:
            self.session.rollback()
        return deferred

    def _refs(self, orders: list[Order]) -> Refs:
        """The Shopify GIDs the hub links to the orders' customers and variants."""
        customers = [o.customer_id for o in orders if o.customer_id is not None]
        variants = [line.variant_id for o in orders for line in o.lines if line.variant_id]
        return Refs(
            gids_of(self.session, self.tenant.id, "customer", customers),
            gids_of(self.session, self.tenant.id, "variant", variants),
        )

    def _export(self, orders: list[Order], refs: Refs) -> None:
        customers = {o.customer.id: o.customer.email for o in orders if o.customer is not None}
        keys = {line_key(line): line.variant_id for o in orders for line in o.lines}
        keys.pop("", None)
        customer_gids = find_customers(self.client, customers, refs.customers)
        variants = find_variants(self.client, keys, refs.variants, self.settings.upc_key)
        location = self.location()
        claimed: dict[tuple[str, str | None], int] = {}
        for order in orders:
            if isinstance(location, Problem):
                self.writer.fail(order, location)
                continue
            self._one(order, customer_gids, variants, location, claimed)

    def _one(
        self,
        order: Order,
        customer_gids: dict[int, str],
        variants: dict[str, VariantFacts],
        location: Location | None,
        claimed: dict[tuple[str, str | None], int],
    ) -> None:
        """Check, map and create one order; a customer to create is made last, once every
        other check passed."""
        note_text = note(order, self.settings)
        customer = order.customer
        customer_gid = customer_gids.get(customer.id) if customer is not None else None
        create_customer = (
            customer is not None
            and customer_gid is None
            and self.settings.orders.unknown_customer == "create"
        )
        problem = note_text if isinstance(note_text, Problem) else None
        if problem is None and customer_gid is None and not create_customer:
            problem = Problem(
                "CUSTOMER_NOT_FOUND",
                render(
                    "CUSTOMER_NOT_FOUND",
                    customer=customer_label(order),
                    sync_tag=self.settings.sync_tag or "any tag",
                ),
            )
        problem = problem or missing_variants(
            order, variants, self.settings.upc_key, self.tenant.name
        )
        if problem is None and not self.settings.orders.bypass_stock_check:
            problem = stock_shortfall(order, variants, location, claimed, self.tenant.name)
        message = None
        if problem is None and create_customer and customer is not None:
            if self.preview:
                customer_gid = "(created on export)"
                message = f"Customer '{customer_label(order)}' would be created in Shopify first."
            else:
                made = self.writer.customer(customer)
                problem, customer_gid = (made, None) if isinstance(made, Problem) else (None, made)
        if problem is not None:
            self.writer.fail(order, problem)
            return
        assert customer_gid is not None and isinstance(note_text, str)
        resolved = Resolved(customer_gid, variants, location)
        mapper = draft_input if self.settings.orders.export_as == "draft_order" else order_input
        variables = mapper(order, resolved, self.settings, note_text)
        if self.preview:
            self.writer.would_create(order, variables, message)
            return
        if self.writer.create(order, variables) and not self.settings.orders.bypass_stock_check:
            where = location.gid if location is not None else None
            for line in order.lines:
                slot = (variants[line_key(line)].gid, where)
                claimed[slot] = claimed.get(slot, 0) + line.quantity


def export_orders(
    session: Session,
    tenant: Tenant,
    client: ShopifyClient,
    *,
    order_ids: Sequence[int] | None = None,
    preview: bool = False,
    trigger: str = "manual",
    on_progress: Callable[[int], None] | None = None,
    clock: Callable[[], datetime] = utcnow,
    sleep: Callable[[float], None] = time.sleep,
) -> RunResult:
    """Export the tenant's exportable hub orders (or ``order_ids``) to Shopify, exactly once.

    ``preview`` runs every check and reports what would be created, writing and sending
    nothing. ``clock`` and ``sleep`` drive the wait for Shopify's search lag.
    """
    settings = tenant_settings(tenant)
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
    writer = Writer(session, tenant.id, settings, client, recorder, preview, clock)
    exporter = Exporter(session, tenant, client, writer, clock)

    def work() -> None:
        batches = in_batches(exporter.select(order_ids), BATCH, exporter.batch, on_progress)
        waiting: list[Deferred] = [deferred for batch in batches for deferred in batch]
        while waiting:
            pause = (min(d.due for d in waiting) - clock()).total_seconds()
            if pause > 0:
                sleep(pause)
            waiting = exporter.batch([d.order_id for d in waiting])

    return run_recorded(session, recorder, client, work)


ORDERS_EXPORT = OutboundFlow(FLOW, export_orders)
