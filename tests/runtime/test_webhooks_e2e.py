"""Webhooks end to end, on SQLite and PostgreSQL: the simulator delivers real signed webhooks to
the app served by uvicorn on loopback, a Huey consumer drains the inbox, and the hub follows
the merchant's edits, through retries, duplicates, drops, reordering and uninstalls."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tests.web.harness import (
    Shop,
    consuming,
    eventually,
    hub_product_title,
    hub_view,
    listing,
    make_runtime,
    open_shop,
    reference_view,
    serving,
    store_rows,
)
from wholesync.hub.models import SyncRun, Tenant
from wholesync.hub.models.types import utcnow
from wholesync.runtime import inbox
from wholesync.runtime.models import InboxStatus, JobStatus
from wholesync.runtime.service import Runtime
from wholesync.runtime.sweeper import sweep_inbox
from wholesync.shopify import ShopifyClient
from wholesync.simulator.server import RunningSimulator
from wholesync.sync.flows import run_for_tenant
from wholesync.sync.registry import FLOW_SPECS
from wholesync.sync.tenants import build_client
from wholesync.web.app import create_app

SYNCED = ("products", "customers", "inventory")


class LoseFirstAnswer:
    """Stores each delivery, then answers its first attempt 504, as if our 200 were lost on
    the way: Shopify sends the same webhook id again."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.seen: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/webhooks/shopify":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        webhook_id = headers.get(b"x-shopify-webhook-id", b"").decode()
        first = webhook_id not in self.seen
        self.seen.add(webhook_id)

        async def lose(message: Message) -> None:
            if first and message["type"] == "http.response.start":
                message = {**message, "status": 504}
            await send(message)

        await self.app(scope, receive, lose)


@dataclass
class Service:
    runtime: Runtime
    url: str
    shop: Shop

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.runtime.sessions

    def drained(self, timeout: float = 30) -> None:
        """Wait until every delivery the simulator made is stored and processed."""
        self.shop.settled(1, timeout)

        def quiet() -> bool:
            with self.sessions() as session:
                counts = inbox.counts(session, self.shop.tenant_id)
            jobs = self.shop.jobs()
            return (
                counts["received"] == 0
                and counts["processing"] == 0
                and all(j.status not in ("queued", "retrying", "running") for j in jobs)
            )

        eventually(quiet, timeout, "an empty inbox")

    def title(self, gid: str) -> str | None:
        return hub_product_title(self.sessions, self.shop.tenant_id, gid)


@pytest.fixture
def fast_simulator(simulator: RunningSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries and held-back deliveries in fractions of a second instead of minutes."""
    monkeypatch.setattr(simulator.sim.dispatcher, "retry_base_seconds", 0.2)
    monkeypatch.setattr(simulator.sim.dispatcher, "reorder_hold_seconds", 1.0)


@contextmanager
def running_service(
    simulator: RunningSimulator,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    wrap: Any = None,
    coalesce: float = 0.2,
) -> Iterator[Service]:
    runtime = make_runtime(database_url, tmp_path, webhook_coalesce_seconds=coalesce)
    app = create_app(runtime)
    shop = open_shop(simulator, runtime, monkeypatch, products=6, customers=4, locations=1)
    with serving(wrap(app) if wrap else app) as url, consuming(runtime, monkeypatch):
        shop.subscribe(url)
        yield Service(runtime, url, shop)
    runtime.close()


@pytest.fixture
def service(
    request: pytest.FixtureRequest,
    simulator: RunningSimulator,
    fast_simulator: None,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Service]:
    coalesce = getattr(request, "param", 0.2)
    with running_service(
        simulator, database_url, tmp_path, monkeypatch, coalesce=coalesce
    ) as running:
        yield running


def products(shop: Shop) -> list[dict[str, Any]]:
    return listing(shop.sim, shop.handle, "products")


def edit(shop: Shop, gid: str, **changes: Any) -> None:
    shop.control("POST", f"/products/{gid.rsplit('/', 1)[1]}", changes)


def synced_product(shop: Shop) -> str:
    for product in products(shop):
        if "wholesync" in product["tags"]:
            gid: str = product["id"]
            return gid
    raise AssertionError("the seed has no synced product")


def webhook_runs(service: Service, flow: str = "products") -> int:
    with service.sessions() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(SyncRun)
                .where(SyncRun.tenant_id == service.shop.tenant_id, SyncRun.flow == flow)
                .where(SyncRun.trigger == "webhook")
            )
            or 0
        )


def test_a_merchant_edit_reaches_the_hub(service: Service) -> None:
    gid = synced_product(service.shop)
    edit(service.shop, gid, title="Edited by the merchant")
    eventually(lambda: service.title(gid) == "Edited by the merchant", what="the hub title")
    service.drained()
    assert [r.status for r in service.shop.inbox()] == [InboxStatus.PROCESSED]


def test_a_retried_delivery_is_stored_and_processed_once(
    simulator: RunningSimulator,
    fast_simulator: None,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with running_service(
        simulator, database_url, tmp_path, monkeypatch, wrap=LoseFirstAnswer
    ) as service:
        gid = synced_product(service.shop)
        edit(service.shop, gid, title="Sent twice")
        service.drained()
        [delivery] = service.shop.deliveries()
        assert (delivery["attempts"], delivery["status"]) == (2, "delivered")
        [row] = service.shop.inbox()
        assert (row.webhook_id, row.status) == (delivery["webhook_id"], InboxStatus.PROCESSED)
        assert service.title(gid) == "Sent twice"
        assert webhook_runs(service) == 1


def test_duplicated_events_cost_one_run(service: Service) -> None:
    service.shop.faults(webhook_duplicate_rate=1.0)
    gid = synced_product(service.shop)
    edit(service.shop, gid, title="Duplicated")
    service.drained()
    deliveries = service.shop.deliveries()
    assert len(deliveries) == 2 and len({d["event_id"] for d in deliveries}) == 1
    assert len(service.shop.inbox()) == 2
    assert service.title(gid) == "Duplicated"
    assert webhook_runs(service) == 1


@pytest.mark.parametrize("service", [0.0], indirect=True)
def test_out_of_order_updates_end_at_the_newest_state(service: Service) -> None:
    service.shop.faults(webhook_reorder_rate=1.0)
    gid = synced_product(service.shop)
    edit(service.shop, gid, title="Older")
    edit(service.shop, gid, title="Newer")
    service.drained()
    # The first delivery was held back and arrived after the second.
    deliveries = service.shop.deliveries()
    assert [d["status"] for d in deliveries] == ["delivered", "delivered"]
    rows = service.shop.inbox()
    assert [r.webhook_id for r in rows] == [
        deliveries[1]["webhook_id"],
        deliveries[0]["webhook_id"],
    ]
    assert service.title(gid) == "Newer"


def test_after_drops_and_duplicates_one_reconcile_makes_the_hub_equal_the_shop(
    service: Service, tmp_path: Path
) -> None:
    shop = service.shop
    for result in run_for_tenant(service.sessions, shop.tenant, [FLOW_SPECS[f] for f in SYNCED]):
        assert result.status == "succeeded", result.error
    shop.faults(webhook_drop_rate=0.2, webhook_duplicate_rate=0.3)
    numbers = itertools.count()
    for product in products(shop):
        for _ in range(4):
            edit(shop, product["id"], title=f"Burst {next(numbers)}")
    for customer in listing(shop.sim, shop.handle, "customers"):
        shop.control("POST", f"/customers/{customer['id']}", {"firstName": f"C{next(numbers)}"})
    for row in listing(shop.sim, shop.handle, "inventory")[:6]:
        shop.control("POST", "/inventory", {"inventoryItemId": row["inventoryItemId"], "delta": 3})
    service.drained()
    deliveries = shop.deliveries()
    assert any(d["status"] == "dropped" for d in deliveries)
    assert any(d["duplicate"] for d in deliveries)

    for result in run_for_tenant(service.sessions, shop.tenant, [FLOW_SPECS[f] for f in SYNCED]):
        assert result.status == "succeeded", result.error
    assert hub_view(service.sessions, shop.tenant_id) == reference_view(
        service.sessions, shop.tenant_id, tmp_path
    )


def test_app_uninstalled_disables_the_tenant(service: Service) -> None:
    shop = service.shop
    waiting = service.runtime.request_run(shop.tenant_id, "products", delay=600)
    shop.control("POST", "/uninstall", {})

    def disabled() -> bool:
        with service.sessions() as session:
            return not session.get_one(Tenant, shop.tenant_id).enabled

    eventually(disabled, what="the tenant disabled")
    with service.sessions() as session:
        tenant = session.get_one(Tenant, shop.tenant_id)
        assert "uninstalled" in (tenant.disabled_reason or "")
    [job] = [j for j in shop.jobs("products") if j.id == waiting.id]
    assert job.status == JobStatus.CANCELLED


@pytest.mark.parametrize("service", [1.0], indirect=True)
def test_a_burst_of_edits_to_one_record_costs_at_most_two_fetches(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[ShopifyClient] = []

    def counting(tenant: Tenant) -> ShopifyClient:
        client = build_client(tenant)
        built.append(client)
        return client

    monkeypatch.setattr(service.runtime.runner, "client_for", counting)
    gid = synced_product(service.shop)
    for n in range(10):
        edit(service.shop, gid, title=f"Burst {n}")
    service.drained()
    assert service.title(gid) == "Burst 9"
    assert len(service.shop.inbox()) == 10
    assert 1 <= sum(client.calls for client in built) <= 2


def test_a_malformed_body_fails_its_row_without_a_500(service: Service) -> None:
    shop = service.shop
    gid = synced_product(shop)
    assert shop.signed_post(service.url, b"this is not json").status_code == 200
    assert shop.signed_post(service.url, b'{"title": "no id"}').status_code == 200
    edit(shop, gid, title="Still synced")
    service.drained()
    rows = {r.body: r for r in shop.inbox()}
    for body in (b"this is not json", b'{"title": "no id"}'):
        assert rows[body].status == InboxStatus.FAILED
        assert (rows[body].error or "").startswith("INVALID_PAYLOAD: ")
    assert service.title(gid) == "Still synced"


def test_the_sweeper_picks_up_rows_left_unprocessed(service: Service) -> None:
    shop = service.shop
    gid = synced_product(shop)
    number = int(gid.rsplit("/", 1)[1])
    shop.faults(webhook_drop_rate=1.0)  # only the stranded rows below tell of the change
    edit(shop, gid, title="Changed while nobody listened")
    long_ago = utcnow() - timedelta(minutes=5)
    body = {"id": number, "admin_graphql_api_id": gid}
    # One row stored but never enqueued, one claimed by a worker that then died.
    store_rows(service.sessions, shop.tenant_id, [("products/update", body)], received_at=long_ago)
    store_rows(service.sessions, shop.tenant_id, [("products/update", body)], received_at=long_ago)
    with service.sessions.begin() as session:
        [claimed] = inbox.claim(session, shop.tenant_id, now=long_ago, limit=1)

    def drain(tenant_id: int) -> object:
        return service.runtime.request_run(tenant_id, "webhooks", trigger="sweep")

    found = sweep_inbox(service.sessions, drain, stale_after=30, claim_ttl=60)
    assert found == 2
    service.drained()
    statuses = {r.id: r.status for r in shop.inbox()}
    assert statuses[claimed.id] == InboxStatus.PROCESSED
    assert set(statuses.values()) == {InboxStatus.PROCESSED}
    assert service.title(gid) == "Changed while nobody listened"
    assert sweep_inbox(service.sessions, drain, stale_after=30) == 0
