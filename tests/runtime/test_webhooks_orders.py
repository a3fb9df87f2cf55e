"""Order webhooks end to end, on SQLite and PostgreSQL: the simulator's shopper places and the
merchant cancels an online order, its signed webhooks reach the intake, the drain fetches the
order by id and the hub follows; Shopify's documented orders/create body, signed and posted
as is, names its order by the exact ``admin_graphql_api_id``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select

from tests.conftest import shared_path
from tests.runtime.test_webhooks_e2e import Service, running_service
from tests.sync.order_nodes import node_from_rest
from tests.web.harness import eventually
from wholesync.hub.models import Customer, Order, SyncRecord, SyncRun, Tenant
from wholesync.runtime.models import InboxStatus
from wholesync.simulator.server import RunningSimulator
from wholesync.sync.flows import run_flow
from wholesync.sync.load_orders import GONE
from wholesync.sync.registry import FLOW_SPECS

EXAMPLE = "gid://shopify/Order/820982911946154508"


@pytest.fixture
def orders_service(
    simulator: RunningSimulator,
    fast_simulator: None,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Service]:
    with running_service(simulator, database_url, tmp_path, monkeypatch) as service:
        service.shop.subscribe(service.url, ("ORDERS_UPDATED", "ORDERS_CANCELLED"))
        yield service


@pytest.fixture
def fast_simulator(simulator: RunningSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulator.sim.dispatcher, "retry_base_seconds", 0.2)


def hub_order(service: Service, gid: str) -> Order | None:
    with service.sessions() as session:
        return session.scalars(select(Order).where(Order.shopify_order_gid == gid)).one_or_none()


def test_an_online_order_and_its_cancellation_reach_the_hub(orders_service: Service) -> None:
    shop = orders_service.shop
    sku = next(
        v["sku"]
        for p in shop.control("GET", "/products")
        for v in p["variants"]
        if v["inventoryQuantity"] >= 5
    )
    placed = shop.control(
        "POST",
        "/orders",
        {"email": "web.shopper@example.com", "lineItems": [{"sku": sku}], "note": "Ring twice"},
    )
    eventually(lambda: hub_order(orders_service, placed["id"]) is not None, what="the order")
    order = hub_order(orders_service, placed["id"])
    assert order is not None
    assert (order.number, order.status, order.operator_comment) == (
        placed["name"],
        "processed",
        "Ring twice",
    )
    with orders_service.sessions() as session:
        customer = session.get_one(Customer, order.customer_id)
        assert customer.email == "web.shopper@example.com"

    shop.control("POST", f"/orders/{placed['id'].rsplit('/', 1)[1]}/cancel", {"reason": "FRAUD"})

    def cancelled() -> bool:
        found = hub_order(orders_service, placed["id"])
        return found is not None and found.status == "cancelled"

    eventually(cancelled, what="the cancellation")
    order = hub_order(orders_service, placed["id"])
    assert order is not None and order.cancel_reason == "fraud"
    orders_service.drained()
    assert {r.status for r in shop.inbox()} == {InboxStatus.PROCESSED}


def test_the_documented_body_names_its_order_by_the_exact_id(orders_service: Service) -> None:
    shop = orders_service.shop
    path = shared_path("shopify", "webhooks", "orders", "create", "docs_example_2026-01.json")
    body = orjson.loads(path.read_bytes())["response"]
    # The hub already holds that order (imported earlier), so the drain has something to say.
    with orders_service.sessions() as session, shop.client() as client:
        tenant = session.get_one(Tenant, shop.tenant_id)
        result = run_flow(
            FLOW_SPECS["orders_import"], session, tenant, client, nodes=[node_from_rest(body)]
        )
    assert result.counts["created"] == 1

    raw = orjson.dumps(body)
    response = shop.signed_post(orders_service.url, raw, topic="orders/create")
    assert response.status_code == 200

    def processed() -> bool:
        return [r.status for r in shop.inbox()] == [InboxStatus.PROCESSED]

    eventually(processed, what="the delivery processed")
    with orders_service.sessions() as session:
        said = session.execute(
            select(SyncRecord.action, SyncRecord.message)
            .join(SyncRun, SyncRun.id == SyncRecord.run_id)
            .where(SyncRun.trigger == "webhook", SyncRecord.shopify_gid == EXAMPLE)
        ).all()
    # The simulator has no such order: it is gone from Shopify, and the hub keeps it.
    assert [tuple(r) for r in said] == [("unchanged", GONE)]
    kept = hub_order(orders_service, EXAMPLE)
    assert kept is not None and kept.status == "cancelled"
