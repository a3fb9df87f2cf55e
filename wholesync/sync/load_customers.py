"""Loading customer records into the hub: customers, their addresses and their buyer.

Same plan / prepare / apply steps as products (see load_products). A customer is matched by
GID, else by the tenant's ``customer_match`` keys (customer code, then email) among hub
customers no Shopify customer is linked to yet. A customer code that another Shopify customer
holds is a DUPLICATE_CUSTOMER rejection. Addresses are replaced as a whole on update; a buyer
is updated in place and archived (never deleted) when the customer stops being a buyer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from wholesync.hub.customers import ADDRESS_FIELDS
from wholesync.hub.models.types import utcnow
from wholesync.sync import errors
from wholesync.sync.bulk_write import insert_returning_ids, insert_rows
from wholesync.sync.diff import field_diff
from wholesync.sync.fingerprint import to_plain
from wholesync.sync.matching import RefIndex, SourceCheck, archive_unseen, plan_record
from wholesync.sync.pipeline import Plan
from wholesync.sync.product_rows import bind, stamp, update_by_id
from wholesync.sync.records import Archive, CustomerRecord, Rejection
from wholesync.sync.tables import ADDRESSES, BUYERS, CUSTOMERS

ENTITY = "customer"
CUSTOMER_COLUMNS = (
    "customer_code",
    "company",
    "first_name",
    "last_name",
    "email",
    "phone",
    "tags",
    "active",
    "custom_fields",
)
ADDRESS_COLUMNS = ("kind", "is_default", *ADDRESS_FIELDS)
BUYER_COLUMNS = ("code", "first_name", "last_name", "email")


def customer_values(record: CustomerRecord) -> dict[str, Any]:
    return {
        "customer_code": record.customer_code,
        "company": record.company,
        "first_name": record.first_name,
        "last_name": record.last_name,
        "email": record.email,
        "phone": record.phone,
        "tags": list(record.tags),
        "active": record.active,
        "custom_fields": to_plain(record.custom_fields) if record.custom_fields else {},
    }


def record_view(record: CustomerRecord) -> dict[str, Any]:
    view = customer_values(record)
    view["archived"] = not record.active
    view["addresses"] = [{c: getattr(a, c) for c in ADDRESS_COLUMNS} for a in record.addresses]
    buyer = record.buyer
    view["buyer"] = {c: getattr(buyer, c) for c in BUYER_COLUMNS} if buyer else None
    return view


@dataclass
class HubCustomer:
    row: dict[str, Any]
    addresses: list[dict[str, Any]] = field(default_factory=list)
    buyers: list[dict[str, Any]] = field(default_factory=list)

    def live_buyer(self) -> dict[str, Any] | None:
        return next((b for b in self.buyers if b["archived_at"] is None), None)


def hub_view(customer: HubCustomer) -> dict[str, Any]:
    view = {c: customer.row[c] for c in CUSTOMER_COLUMNS}
    view["archived"] = customer.row["archived_at"] is not None
    addresses = sorted(customer.addresses, key=lambda a: a["id"])
    view["addresses"] = [{c: a[c] for c in ADDRESS_COLUMNS} for a in addresses]
    buyer = customer.live_buyer()
    view["buyer"] = {c: buyer[c] for c in BUYER_COLUMNS} if buyer else None
    return view


class CustomerLoader:
    """Plans and writes customer records for one tenant."""

    def __init__(
        self,
        session: Session,
        tenant_id: int,
        *,
        match_on: Sequence[str] = ("customer_code", "email"),
        salt: bytes = b"",
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        """``salt`` is fingerprint.settings_salt of the tenant's settings."""
        self.session, self.tenant_id, self.match_on, self.now = session, tenant_id, match_on, now
        self.refs = RefIndex(session, tenant_id, ENTITY)
        self.sources = SourceCheck(self.refs, salt)
        # key kind -> value -> (customer id or None while pending, GID of its Shopify customer)
        self._keys: dict[str, dict[str, tuple[int | None, str | None]]] | None = None

    def _key_index(self) -> dict[str, dict[str, tuple[int | None, str | None]]]:
        if self._keys is None:
            index: dict[str, dict[str, tuple[int | None, str | None]]] = {
                "customer_code": {},
                "email": {},
                "buyer": {},
            }
            rows = self.session.execute(
                select(CUSTOMERS.c.id, CUSTOMERS.c.customer_code, CUSTOMERS.c.email).where(
                    CUSTOMERS.c.tenant_id == self.tenant_id
                )
            )
            for customer_id, code, email in rows:
                owner = (customer_id, self.refs.gid_of(customer_id))
                index["customer_code"][code] = owner
                if email:
                    index["email"].setdefault(email.lower(), owner)
            buyers = self.session.execute(
                select(BUYERS.c.code, BUYERS.c.customer_id).where(
                    BUYERS.c.tenant_id == self.tenant_id
                )
            )
            for code, customer_id in buyers:
                index["buyer"][code] = (customer_id, self.refs.gid_of(customer_id))
            self._keys = index
        return self._keys

    def precheck(self, node: dict[str, Any]) -> Plan | None:
        ref = self.sources.unchanged(node)
        if ref is None:
            return None
        return Plan("unchanged", ENTITY, node["id"], hub_id=ref.hub_id)

    def plan(self, item: CustomerRecord | Archive | Rejection) -> Plan | None:
        if isinstance(item, Rejection):
            return Plan(
                "reject", ENTITY, item.shopify_gid, item.key, code=item.code, message=item.message
            )
        ref = self.refs.get(item.shopify_gid)
        if isinstance(item, Archive):
            return Plan("archive", ENTITY, item.shopify_gid, hub_id=ref.hub_id) if ref else None
        plan = plan_record(ENTITY, ref, self.sources, item, item.customer_code)
        if plan.action != "create":
            return plan
        self._claim(plan, item)
        if plan.action == "create" and plan.hub_id is not None:
            plan.action = "update"
        return plan

    def _claim(self, plan: Plan, record: CustomerRecord) -> None:
        index = self._key_index()
        gid = record.shopify_gid
        values = {"customer_code": record.customer_code, "email": (record.email or "").lower()}
        if plan.hub_id is None:
            for kind in self.match_on:
                owner = index[kind].get(values[kind]) if values[kind] else None
                if owner is not None and owner[0] is not None and owner[1] is None:
                    plan.hub_id = owner[0]  # an unlinked hub customer with the same key
                    break
        for kind, value in (("customer_code", record.customer_code), ("buyer", _buyer(record))):
            owner = index[kind].get(value) if value else None
            if owner is not None and not _same(owner, gid, plan.hub_id):
                plan.reject(
                    "DUPLICATE_CUSTOMER",
                    errors.render(
                        "DUPLICATE_CUSTOMER",
                        first=owner[1] or f"hub customer {owner[0]}",
                        second=gid,
                        field="customer code" if kind == "customer_code" else "buyer code",
                        value=value,
                    ),
                )
                return
        for kind, value in (
            ("customer_code", record.customer_code),
            ("email", values["email"]),
            ("buyer", _buyer(record)),
        ):
            if value:
                index[kind][value] = (plan.hub_id, gid)

    def prepare(self, plans: list[Plan], *, preview: bool) -> None:
        known = [p for p in plans if p.action in ("update", "archive") and p.hub_id is not None]
        state = self._hub_customers({p.hub_id for p in known if p.hub_id is not None})
        for plan in known:
            hub = state.get(plan.hub_id or 0)
            if hub is None:
                if plan.action == "archive":
                    plan.action = "unchanged"
                else:
                    plan.action, plan.hub_id = "create", None
                continue
            plan.extra["hub"] = hub
            if plan.action == "archive":
                if hub.row["archived_at"] is not None:
                    plan.action = "unchanged"
                else:
                    plan.diff = {"active": [hub.row["active"], False], "archived": [False, True]}
                continue
            plan.diff = field_diff(hub_view(hub), record_view(plan.record))
            if not plan.diff:
                plan.action, plan.touch_ref = "unchanged", True
        if preview:
            for plan in plans:
                if plan.action == "create":
                    plan.diff = field_diff(None, record_view(plan.record))

    def _hub_customers(self, ids: set[int]) -> dict[int, HubCustomer]:
        if not ids:
            return {}
        found = {
            row["id"]: HubCustomer(dict(row))
            for row in self.session.execute(select(CUSTOMERS).where(CUSTOMERS.c.id.in_(ids)))
            .mappings()
            .all()
        }
        for table, attribute in ((ADDRESSES, "addresses"), (BUYERS, "buyers")):
            rows = self.session.execute(select(table).where(table.c.customer_id.in_(ids)))
            for row in rows.mappings():
                getattr(found[row["customer_id"]], attribute).append(dict(row))
        return found

    def apply(self, plans: list[Plan]) -> None:
        now = self.now()
        creates = [p for p in plans if p.action == "create"]
        updates = [p for p in plans if p.action == "update"]
        if creates:
            rows = [
                stamp(customer_values(p.record), self.tenant_id, now)
                | {"archived_at": None if p.record.active else now}
                for p in creates
            ]
            ids = insert_returning_ids(self.session, CUSTOMERS, rows)
            for plan, customer_id in zip(creates, ids, strict=True):
                plan.hub_id = customer_id
        if updates:
            statement = update_by_id(CUSTOMERS, CUSTOMER_COLUMNS, now, "archived_at")
            params = []
            for plan in updates:
                values = bind(customer_values(plan.record), CUSTOMER_COLUMNS)
                values.update(b_id=plan.hub_id, b_archived_at=None if plan.record.active else now)
                params.append(values)
            self.session.execute(statement, params)
        changed = [*creates, *updates]
        self._write_addresses(changed, now)
        self._write_buyers(changed, now)
        archives = [p.hub_id for p in plans if p.action == "archive"]
        if archives:
            self.session.execute(
                update(CUSTOMERS)
                .where(CUSTOMERS.c.id.in_(archives))
                .values(active=False, archived_at=now, updated_at=now)
            )
            self.session.execute(
                update(BUYERS)
                .where(BUYERS.c.customer_id.in_(archives), BUYERS.c.archived_at.is_(None))
                .values(archived_at=now, updated_at=now)
            )
        for plan in plans:
            if plan.gid is None or plan.hub_id is None:
                continue
            ref = self.refs.get(plan.gid)
            if plan.action == "archive":
                self.refs.put(plan.gid, plan.hub_id, None, ref.updated_at if ref else None)
            else:
                self.refs.put(plan.gid, plan.hub_id, plan.fingerprint, plan.record.updated_at)
        self.refs.flush()

    def _write_addresses(self, plans: list[Plan], now: datetime) -> None:
        replaced = [p.hub_id for p in plans if "hub" in p.extra]
        if replaced:
            self.session.execute(delete(ADDRESSES).where(ADDRESSES.c.customer_id.in_(replaced)))
        rows = [
            stamp({c: getattr(a, c) for c in ADDRESS_COLUMNS}, self.tenant_id, now)
            | {"customer_id": plan.hub_id}
            for plan in plans
            for a in plan.record.addresses
        ]
        insert_rows(self.session, ADDRESSES, rows)

    def _write_buyers(self, plans: list[Plan], now: datetime) -> None:
        inserts, updates, retired = [], [], []
        for plan in plans:
            hub: HubCustomer | None = plan.extra.get("hub")
            current = hub.buyers[0] if hub is not None and hub.buyers else None
            buyer = plan.record.buyer
            if buyer is None:
                if current is not None and current["archived_at"] is None:
                    retired.append(current["id"])
                continue
            values = {c: getattr(buyer, c) for c in BUYER_COLUMNS}
            if current is None:
                inserts.append(stamp(values, self.tenant_id, now) | {"customer_id": plan.hub_id})
            else:
                updates.append(bind(values, BUYER_COLUMNS) | {"b_id": current["id"]})
        if retired:
            self.session.execute(
                update(BUYERS).where(BUYERS.c.id.in_(retired)).values(archived_at=now)
            )
        if updates:
            self.session.execute(
                update(BUYERS)
                .where(BUYERS.c.id == bindparam("b_id"))
                .values(
                    {
                        **{c: bindparam(f"b_{c}") for c in BUYER_COLUMNS},
                        "archived_at": None,
                        "updated_at": now,
                    }
                ),
                updates,
            )
        insert_rows(self.session, BUYERS, [r | {"archived_at": None} for r in inserts])

    def sweep(self, seen: set[str]) -> list[Plan]:
        return archive_unseen(ENTITY, self.refs, seen)

    def discard(self) -> None:
        self.refs.discard_staged()
        self._keys = None


def _buyer(record: CustomerRecord) -> str | None:
    return record.buyer.code if record.buyer else None


def _same(owner: tuple[int | None, str | None], gid: str, hub_id: int | None) -> bool:
    """Whether a key's holder is this customer (by GID, or the unlinked row it matched)."""
    held_id, held_gid = owner
    return held_gid == gid or (held_gid is None and held_id is not None and held_id == hub_id)
