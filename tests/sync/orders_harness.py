"""Helpers for the order export tests: hub orders placed the way the hub takes them, the
export run against the simulator, and both sides read back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tests.shopify.conftest import doc
from tests.sync.conftest import Harness, tagged
from wholesync.hub import orders as hub_orders
from wholesync.hub.models import AlertEvent, Customer, Order, Variant
from wholesync.hub.models.types import utcnow
from wholesync.sync.orders_export import export_orders
from wholesync.sync.runs import RunResult
from wholesync.sync.tenants import build_client, get_tenant

ADDRESS = {
    "first_name": "Ada",
    "last_name": "Buyer",
    "company": "Corner Boutique",
    "address1": "1 Main Street",
    "address2": "Suite 5",
    "city": "Toronto",
    "province_code": "ON",
    "country_code": "CA",
    "zip": "M5V 2T6",
    "phone": "+16135550142",
}


@dataclass
class Orders:
    """The hub and the shop of ``harness``, seen from the order export."""

    harness: Harness

    def prepare(self) -> None:
        """Bring the catalog, customers and stock into the hub, as a tenant does first."""
        for flow in ("products", "customers", "inventory"):
            assert self.harness.sync(flow).status in ("succeeded", "partial")

    def export(
        self,
        *,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], datetime] = utcnow,
        transport: httpx.BaseTransport | None = None,
        **options: Any,
    ) -> RunResult:
        """One export run; the client retries quickly, and ``sleep`` returns at once unless
        given (the search-lag wait)."""
        with self.harness.sessions() as session:
            tenant = get_tenant(session, self.harness.tenant)
            quick: dict[str, Any] = {"sleep": lambda _: None, "max_retries": 2}
            with build_client(tenant, transport=transport, **quick) as client:
                return export_orders(
                    session, tenant, client, clock=clock, sleep=sleep or (lambda _: None), **options
                )

    def customer(self, email: str | None = None) -> Customer:
        """A synced hub customer (the one with ``email``, else the first with an email)."""
        with self.harness.sessions() as session:
            query = select(Customer).where(Customer.email.is_not(None)).order_by(Customer.id)
            if email is not None:
                query = query.where(Customer.email == email)
            return session.scalars(query).first() or _missing("customer")

    def variants(self, count: int = 2) -> list[Variant]:
        """Hub variants with stock in Shopify, as many as asked."""
        stocked = {
            row["sku"]
            for row in self.harness.listing("inventory")
            if row.get("sku") and int(row["quantities"].get("available") or 0) >= 5
        }
        with self.harness.sessions() as session:
            rows = session.scalars(select(Variant).order_by(Variant.id)).all()
            found = [v for v in rows if v.upc in stocked][:count]
        assert len(found) == count, "the seeded shop has too few stocked variants"
        return found

    def place(
        self,
        lines: Sequence[tuple[str, int]],
        *,
        customer: Customer | None = None,
        status: str = "approved",
        **fields: Any,
    ) -> int:
        """A hub order for ``lines`` (key, quantity), moved to ``status`` like the hub does."""
        customer = customer or self.customer()
        with self.harness.sessions.begin() as session:
            tenant_id = get_tenant(session, self.harness.tenant).id
            fields.setdefault("shipping_address", dict(ADDRESS))
            order = hub_orders.create_order(session, tenant_id, customer_id=customer.id, **fields)
            given = []
            for key, quantity in lines:
                variant = session.scalars(select(Variant).where(Variant.upc == key)).first()
                price = None if variant is not None else Decimal("10.00")
                given.append(hub_orders.LineInput(quantity, price, upc=key, variant=variant))
            hub_orders.set_lines(order, given)
            order.customer = session.get(Customer, customer.id)
            for step in ("pending", "approved")[: ("pending", "approved").index(status) + 1]:
                hub_orders.transition(order, step, exportable={"approved"})
            return order.id

    def order(self, order_id: int) -> Order:
        with self.harness.sessions() as session:
            query = select(Order).where(Order.id == order_id).options(selectinload(Order.lines))
            return session.scalars(query).one()

    def alerts(self, order_id: int) -> list[AlertEvent]:
        with self.harness.sessions() as session:
            query = select(AlertEvent).where(AlertEvent.order_id == order_id)
            return list(session.scalars(query.order_by(AlertEvent.id)))

    def reexport(self, order_id: int) -> None:
        with self.harness.sessions.begin() as session:
            hub_orders.reexport(session.get_one(Order, order_id), confirm_previous_cancelled=True)

    def shopify_orders(self, key: str | None = None) -> list[dict[str, Any]]:
        """The shop's orders (those carrying ``key`` as their source identifier)."""
        found = self.harness.listing("orders")
        return [o for o in found if key is None or o["sourceIdentifier"] == key]

    def shopify_order(self, gid: str) -> dict[str, Any]:
        """One order as the Admin API shows it (tests/shopify/documents/exported_order)."""
        data = self.graphql("exported_order", {"id": gid})
        order: dict[str, Any] = data["order"]
        return order

    def graphql(self, document: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(
            f"{self.harness.sim.url}/admin/api/2026-07/graphql.json",
            json={"query": doc(document).text, "variables": variables},
            headers={"X-Shopify-Access-Token": f"shpat_{self.harness.shop}"},
            timeout=30,
        )
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    def faults(self, **faults: Any) -> None:
        self.harness.control("PUT", "/faults", faults)

    def synced_customers(self) -> list[dict[str, Any]]:
        return [c for c in self.harness.listing("customers") if tagged(c)]


class FakeTime:
    """A clock from now on that moves only when the exporter sleeps; records the sleeps."""

    def __init__(self) -> None:
        self.now = utcnow()
        self.sleeps: list[float] = []

    def clock(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)


class Crash(BaseException):
    """The process dies here (like a kill): no handler of the exporter may swallow it."""


class AroundCreate(httpx.HTTPTransport):
    """A real HTTP transport to the simulator that runs ``before`` just before the first
    request of ``operation`` is sent and ``after`` once its answer is back: to switch a
    fault on at that moment, or to crash there."""

    def __init__(
        self,
        before: Callable[[], None] | None = None,
        after: Callable[[], None] | None = None,
        operation: bytes = b"mutation OrderCreate",
    ) -> None:
        super().__init__()
        self.before, self.after, self.operation = before, after, operation

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        hit = self.operation in request.read()
        before, after = (self.before, self.after) if hit else (None, None)
        if hit:
            self.before = self.after = None
        if before is not None:
            before()
        response = super().handle_request(request)
        if after is not None:
            response.read()
            after()
        return response


def crash() -> None:
    raise Crash


def _missing(what: str) -> Any:
    raise AssertionError(f"the seeded shop has no {what} to use")
