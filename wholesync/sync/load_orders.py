"""Loading online orders into the hub: the order, its lines and, when unknown, its customer.

Same plan / prepare / apply steps as the other loaders (see load_products). An order is matched
by its GID (external reference, else the hub order holding that ``shopify_order_gid``); a hub
order that Wholesync exported is never overwritten by its Shopify copy. Lines are replaced as
a whole on update; each is linked to the hub variant with its key, or kept as a custom line.

The ERP owns ``erp_status`` once an order is handed off: a create sets it to pending (an
order that arrives already cancelled is never handed off), and updates leave it alone, except
that a cancellation of an order handed off before puts it back to pending with a message, so
the ERP's next pull of pending orders sees the cancellation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from wholesync.hub.models import ErpStatus, OrderOrigin
from wholesync.hub.models.types import utcnow
from wholesync.sync.bulk_write import insert_returning_ids, insert_rows
from wholesync.sync.diff import field_diff
from wholesync.sync.matching import RefIndex, SourceCheck, plan_record, stale
from wholesync.sync.order_customers import OrderCustomers
from wholesync.sync.pipeline import Plan
from wholesync.sync.product_rows import bind, stamp, update_by_id
from wholesync.sync.records import Archive, OrderLineRecord, OrderRecord, Rejection, Skipped
from wholesync.sync.tables import CUSTOMERS, ORDER_LINES, ORDERS, VARIANTS

ENTITY = "order"
# Written on create and update: what Shopify owns.
ORDER_COLUMNS = (
    "number",
    "status",
    "customer_id",
    "email",
    "po_number",
    "currency",
    "operator_comment",
    "shipping_address",
    "billing_address",
    "cancelled_at",
    "cancel_reason",
    "shopify_order_name",
    "shopify_updated_at",
)
LINE_COLUMNS = ("upc", "sku", "title", "quantity", "unit_price", "shopify_line_gid")
GONE = (
    "Shopify no longer finds this order. The hub order is kept: orders are never deleted, "
    "and the ERP may hold it already."
)
REOPENED = (
    "Cancelled in Shopify on {at:%Y-%m-%d %H:%M} UTC after the hand-off to the ERP: take the "
    "cancellation into the ERP, then mark the order imported again."
)


# What the diff compares: the order's columns, its customer's code and its lines.
VIEW_COLUMNS = tuple(c for c in ORDER_COLUMNS if c not in ("customer_id", "shopify_updated_at"))


def record_view(record: OrderRecord, customer_code: str | None) -> dict[str, Any]:
    values = _order_values(record, None)
    view = {c: values[c] for c in VIEW_COLUMNS}
    view["customer"] = customer_code
    view["lines"] = {str(n): _line_values(line) for n, line in enumerate(record.lines, start=1)}
    return view


def hub_view(row: dict[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
    view = {c: row[c] for c in VIEW_COLUMNS}
    view["customer"] = row["customer_code"]
    ordered = sorted(lines, key=lambda line: line["position"])
    view["lines"] = {str(line["position"]): {c: line[c] for c in LINE_COLUMNS} for line in ordered}
    return view


class OrderLoader:
    """Plans and writes online orders for one tenant."""

    def __init__(
        self,
        session: Session,
        tenant_id: int,
        *,
        salt: bytes = b"",
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        """``salt`` is fingerprint.settings_salt of the tenant's settings."""
        self.session, self.tenant_id, self.now = session, tenant_id, now
        self.refs = RefIndex(session, tenant_id, ENTITY)
        self.sources = SourceCheck(self.refs, salt)
        self.customers = OrderCustomers(session, tenant_id)

    def precheck(self, node: dict[str, Any]) -> Plan | None:
        ref = self.sources.unchanged(node)
        if ref is None:
            return None
        return Plan("unchanged", ENTITY, node["id"], hub_id=ref.hub_id)

    def plan(self, item: OrderRecord | Skipped | Archive | Rejection) -> Plan | None:
        if isinstance(item, Rejection):
            return Plan(
                "reject", ENTITY, item.shopify_gid, item.key, code=item.code, message=item.message
            )
        if isinstance(item, Skipped):
            return Plan("unchanged", ENTITY, item.shopify_gid, item.key, message=item.reason)
        ref = self.refs.get(item.shopify_gid)
        if isinstance(item, Archive):
            return Plan("unchanged", ENTITY, item.shopify_gid, message=GONE) if ref else None
        plan = plan_record(ENTITY, ref, self.sources, item, item.name)
        if plan.action == "create" and plan.hub_id is not None:
            plan.action = "update"
        return plan

    def prepare(self, plans: list[Plan], *, preview: bool) -> None:
        changed = [p for p in plans if p.action in ("create", "update")]
        if not changed:
            return
        self._match_hub_orders(changed)
        known = [p for p in changed if p.action == "update"]
        rows, lines = self._hub_orders({p.hub_id for p in known if p.hub_id is not None})
        for plan in known:
            row = rows.get(plan.hub_id or 0)
            if row is None:  # deleted in the hub meanwhile: bring it back
                plan.action, plan.hub_id = "create", None
                continue
            record: OrderRecord = plan.record
            stored = row["shopify_updated_at"]
            if stored is not None and record.updated_at < stored:
                plan.action, plan.message = "unchanged", stale(record.updated_at, stored)
                continue
            plan.extra["row"] = row
        self._refuse_taken_numbers([p for p in changed if p.action == "create"])
        variants = self._variant_ids(changed)
        for plan in changed:
            if plan.action not in ("create", "update"):
                continue
            record = plan.record
            customer_id, code = (
                self.customers.find(record.customer) if record.customer else (None, None)
            )
            plan.extra.update(customer_id=customer_id, variants=variants)
            new_view = record_view(record, code)
            row = plan.extra.get("row")
            if row is None:
                plan.diff = field_diff(None, new_view) if preview else None
                continue
            plan.diff = field_diff(hub_view(row, lines.get(row["id"], [])), new_view)
            if record.status == "cancelled" and row["status"] != "cancelled":
                if row["erp_status"] not in (None, ErpStatus.PENDING):
                    plan.diff["erp_status"] = [row["erp_status"], ErpStatus.PENDING]
                plan.extra["reopen"] = row["erp_status"] is not None
            if not plan.diff:
                plan.action, plan.touch_ref = "unchanged", True

    def _match_hub_orders(self, plans: list[Plan]) -> None:
        """Link orders without a reference to the hub order holding their GID, and leave out
        every order the hub exported (by GID, or by a tag that is a hub order's export key)."""
        gids = [p.gid for p in plans if p.gid is not None]
        tags = {tag for p in plans for tag in p.record.export_tags}
        found = self.session.execute(
            select(
                ORDERS.c.id,
                ORDERS.c.number,
                ORDERS.c.origin,
                ORDERS.c.shopify_order_gid,
                ORDERS.c.export_key,
            )
            .where(ORDERS.c.tenant_id == self.tenant_id)
            .where(ORDERS.c.shopify_order_gid.in_(gids) | ORDERS.c.export_key.in_(tags))
        ).all()
        by_gid = {row.shopify_order_gid: row for row in found if row.shopify_order_gid}
        keys = {row.export_key: row.number for row in found if row.export_key in tags}
        for plan in plans:
            row = by_gid.get(plan.gid)
            key = next((t for t in plan.record.export_tags if t in keys), None)
            if (row is not None and row.origin == OrderOrigin.HUB) or key is not None:
                number = row.number if row is not None else keys[key]
                plan.action, plan.touch_ref = "unchanged", False
                plan.message = (
                    f"Exported by Wholesync from hub order {number}: the hub order is its "
                    "record, so it is not imported back."
                )
            elif row is not None and plan.hub_id is None:
                plan.action, plan.hub_id = "update", row.id

    def _hub_orders(
        self, ids: set[int]
    ) -> tuple[dict[int, dict[str, Any]], dict[int, list[dict[str, Any]]]]:
        if not ids:
            return {}, {}
        statement = (
            select(ORDERS, CUSTOMERS.c.customer_code)
            .outerjoin(CUSTOMERS, CUSTOMERS.c.id == ORDERS.c.customer_id)
            .where(ORDERS.c.id.in_(ids))
        )
        rows = {row["id"]: dict(row) for row in self.session.execute(statement).mappings()}
        lines: dict[int, list[dict[str, Any]]] = {}
        found = self.session.execute(select(ORDER_LINES).where(ORDER_LINES.c.order_id.in_(ids)))
        for line in found.mappings():
            lines.setdefault(line["order_id"], []).append(dict(line))
        return rows, lines

    def _refuse_taken_numbers(self, creates: list[Plan]) -> None:
        names = {p.record.name for p in creates}
        if not names:
            return
        taken = dict(
            self.session.execute(
                select(ORDERS.c.number, ORDERS.c.id).where(
                    ORDERS.c.tenant_id == self.tenant_id, ORDERS.c.number.in_(names)
                )
            ).all()
        )
        for plan in creates:
            holder = taken.get(plan.record.name)
            if holder is not None:
                plan.reject(
                    "INVALID_PAYLOAD",
                    f"Hub order {holder} already has the number {plan.record.name}, which is the "
                    f"name of Shopify order {plan.gid}. Renumber the hub order; the Shopify "
                    "order is imported on the next run.",
                )

    def _variant_ids(self, plans: Sequence[Plan]) -> dict[str, int]:
        upcs = {line.upc for p in plans for line in p.record.lines if line.upc}
        if not upcs:
            return {}
        rows = self.session.execute(
            select(VARIANTS.c.upc, VARIANTS.c.id).where(
                VARIANTS.c.tenant_id == self.tenant_id, VARIANTS.c.upc.in_(upcs)
            )
        )
        return dict(rows.all())

    def apply(self, plans: list[Plan]) -> None:
        now = self.now()
        changed = [p for p in plans if p.action in ("create", "update")]
        self.customers.create((p.record.customer for p in changed if p.record.customer), now)
        for plan in changed:
            customer = plan.record.customer
            plan.extra["customer_id"] = self.customers.find(customer)[0] if customer else None
        creates = [p for p in changed if p.action == "create"]
        updates = [p for p in changed if p.action == "update"]
        if creates:
            rows = [
                stamp(self._created(p.record, p.extra["customer_id"]), self.tenant_id, now)
                for p in creates
            ]
            ids = insert_returning_ids(self.session, ORDERS, rows)
            for plan, order_id in zip(creates, ids, strict=True):
                plan.hub_id = order_id
        if updates:
            statement = update_by_id(ORDERS, ORDER_COLUMNS, now)
            params = [
                bind(_order_values(p.record, p.extra["customer_id"]), ORDER_COLUMNS)
                | {"b_id": p.hub_id}
                for p in updates
            ]
            self.session.execute(statement, params)
            self._reopen([p for p in updates if p.extra.get("reopen")], now)
        self._write_lines(changed, now)
        for plan in plans:
            if plan.gid is not None and plan.hub_id is not None and plan.record is not None:
                self.refs.put(plan.gid, plan.hub_id, plan.fingerprint, plan.record.updated_at)
        self.refs.flush()

    def _created(self, record: OrderRecord, customer_id: int | None) -> dict[str, Any]:
        erp = record.erp
        return _order_values(record, customer_id) | {
            "origin": OrderOrigin.SHOPIFY,
            "shopify_order_gid": record.shopify_gid,
            "payment_terms": erp.payment_terms,
            "sales_rep": erp.sales_rep,
            "division": erp.division,
            "order_type": erp.order_type,
            "tax_schedule": erp.tax_schedule,
            "hold_code": erp.hold_code,
            "erp_status": None if record.status == "cancelled" else ErpStatus.PENDING,
            "previous_exports": [],
            "modified_after_export": False,
        }

    def _reopen(self, plans: list[Plan], now: datetime) -> None:
        if not plans:
            return
        statement = (
            update(ORDERS)
            .where(ORDERS.c.id == bindparam("b_id"))
            .values(erp_status=ErpStatus.PENDING, erp_message=bindparam("b_message"))
            .values(erp_updated_at=now)
        )
        params = [
            {"b_id": p.hub_id, "b_message": REOPENED.format(at=p.record.cancelled_at or now)}
            for p in plans
        ]
        self.session.execute(statement, params)

    def _write_lines(self, plans: list[Plan], now: datetime) -> None:
        replaced = [p.hub_id for p in plans if p.action == "update"]
        if replaced:
            self.session.execute(delete(ORDER_LINES).where(ORDER_LINES.c.order_id.in_(replaced)))
        rows = []
        for plan in plans:
            variants: dict[str, int] = plan.extra.get("variants", {})
            for position, line in enumerate(plan.record.lines, start=1):
                values = _line_values(line) | {
                    "order_id": plan.hub_id,
                    "position": position,
                    "variant_id": variants.get(line.upc) if line.upc else None,
                }
                rows.append(stamp(values, self.tenant_id, now))
        insert_rows(self.session, ORDER_LINES, rows)

    def sweep(self, seen: set[str]) -> list[Plan]:
        """Orders are never archived for missing from a read (a full read is a window)."""
        return []

    def discard(self) -> None:
        self.refs.discard_staged()
        self.customers.reset()


def _order_values(record: OrderRecord, customer_id: int | None) -> dict[str, Any]:
    return {
        "number": record.name,
        "status": record.status,
        "customer_id": customer_id,
        "email": record.email,
        "po_number": record.po_number,
        "currency": record.currency,
        "operator_comment": record.note,
        "shipping_address": dict(record.shipping_address) if record.shipping_address else None,
        "billing_address": dict(record.billing_address) if record.billing_address else None,
        "cancelled_at": record.cancelled_at,
        "cancel_reason": record.cancel_reason,
        "shopify_order_name": record.name,
        "shopify_updated_at": record.updated_at,
    }


def _line_values(line: OrderLineRecord) -> dict[str, Any]:
    return {
        "upc": line.upc,
        "sku": line.sku,
        "title": line.title,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "shopify_line_gid": line.shopify_gid,
    }
