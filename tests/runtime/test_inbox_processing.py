"""process_inbox against the simulator over HTTP, on SQLite and PostgreSQL: coalescing, one
fetch per record, tombstones, ignored and malformed deliveries, busy flows, Shopify errors,
app/uninstalled and bulk_operations/finish."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.runtime.conftest import Hub, Shop
from tests.sync.conftest import metafield, tagged
from tests.web.harness import hub_product_status, hub_product_title, listing, store_rows
from wholesync.hub.models import SyncRun, Tenant
from wholesync.hub.models.types import utcnow
from wholesync.runtime import inbox
from wholesync.runtime.inbox_processing import BULK_WAITERS, InboxReport, process_inbox
from wholesync.runtime.jobs import request_job
from wholesync.runtime.leases import LeaseManager
from wholesync.runtime.models import InboxEntry, InboxStatus, Job, JobStatus
from wholesync.shopify import ShopifyClient
from wholesync.sync.flows import run_for_tenant
from wholesync.sync.registry import FLOW_SPECS
from wholesync.sync.tenants import build_client, set_setting


class Clients:
    """A client factory that keeps every client it built, to count their GraphQL calls."""

    def __init__(self) -> None:
        self.built: list[ShopifyClient] = []

    def __call__(self, tenant: Tenant) -> ShopifyClient:
        client = build_client(tenant, max_retries=1)
        self.built.append(client)
        return client

    @property
    def calls(self) -> int:
        return sum(client.calls for client in self.built)


def drain(hub: Hub, tenant_id: int, clients: Clients, **options: Any) -> InboxReport:
    options.setdefault("coalesce_seconds", 0.0)
    return process_inbox(
        hub.sessions, tenant_id, leases=LeaseManager(hub.sessions), client_for=clients, **options
    )


def rows(hub: Hub, tenant_id: int) -> list[InboxEntry]:
    with hub.sessions() as session:
        return list(
            session.scalars(
                select(InboxEntry).where(InboxEntry.tenant_id == tenant_id).order_by(InboxEntry.id)
            )
        )


def synced_products(shop: Shop) -> list[dict[str, Any]]:
    return [
        p
        for p in listing(shop.sim, shop.handle, "products")
        if tagged(p) and metafield(p, "wholesync", "active") != "false"
    ]


def update(gid: str) -> tuple[str, dict[str, Any]]:
    return "products/update", {"id": int(gid.rsplit("/", 1)[1]), "admin_graphql_api_id": gid}


def test_the_drain_waits_until_the_oldest_delivery_is_a_window_old(hub: Hub, brand: int) -> None:
    start = utcnow()
    now = [start + timedelta(seconds=0.25)]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += timedelta(seconds=seconds)

    store_rows(hub.sessions, brand, [("shop/update", {})], received_at=start)
    report = drain(hub, brand, Clients(), coalesce_seconds=1.0, sleep=sleep, clock=lambda: now[0])
    assert slept == [pytest.approx(0.75)]
    assert report.ignored == 1


def test_many_updates_of_one_record_cost_one_fetch(hub: Hub, shop: Shop, brand: int) -> None:
    first, second = (p["id"] for p in synced_products(shop)[:2])
    store_rows(hub.sessions, brand, [update(first)] * 6 + [update(second)] * 2)
    clients = Clients()
    report = drain(hub, brand, clients)
    assert (report.processed, report.fetches, report.failed) == (8, 2, 0)
    assert clients.calls == 1  # both products in one nodes(ids:) query
    titles = {p["id"]: p["title"] for p in synced_products(shop)}
    assert hub_product_title(hub.sessions, brand, first) == titles[first]
    assert hub_product_title(hub.sessions, brand, second) == titles[second]
    assert {r.status for r in rows(hub, brand)} == {InboxStatus.PROCESSED}


def test_a_deletion_archives_without_a_fetch(hub: Hub, shop: Shop, brand: int) -> None:
    gid = synced_products(shop)[0]["id"]
    (result,) = run_for_tenant(hub.sessions, "brand", [FLOW_SPECS["products"]])
    assert result.status == "succeeded"
    assert hub_product_status(hub.sessions, brand, gid) == "active"
    number = int(gid.rsplit("/", 1)[1])
    store_rows(hub.sessions, brand, [update(gid), ("products/delete", {"id": number})])
    clients = Clients()
    report = drain(hub, brand, clients)
    assert (report.processed, report.fetches) == (2, 0)
    assert clients.calls == 0  # deleted wins over the update: nothing to read
    assert hub_product_status(hub.sessions, brand, gid) == "archived"


def test_customer_and_inventory_deliveries_reach_their_flows(
    hub: Hub, shop: Shop, brand: int
) -> None:
    customer = listing(shop.sim, shop.handle, "customers")[0]["id"]
    item = listing(shop.sim, shop.handle, "inventory")[0]
    item_number = int(str(item["inventoryItemId"]).rsplit("/", 1)[-1])
    store_rows(
        hub.sessions,
        brand,
        [
            ("customers/update", {"id": int(customer.rsplit("/", 1)[1])}),
            ("inventory_levels/update", {"inventory_item_id": item_number, "location_id": 1}),
        ],
    )
    report = drain(hub, brand, Clients())
    assert (report.processed, report.fetches, report.failed, report.error) == (2, 2, 0, None)
    with hub.sessions() as session:
        runs = session.execute(
            select(SyncRun.flow, SyncRun.status, SyncRun.trigger).where(SyncRun.tenant_id == brand)
        ).all()
    assert sorted(runs) == [
        ("customers", "succeeded", "webhook"),
        ("inventory", "succeeded", "webhook"),
    ]


def test_unknown_topics_are_ignored_with_a_reason(hub: Hub, brand: int) -> None:
    store_rows(hub.sessions, brand, [("shop/update", {}), ("orders/delete", {"id": 5})])
    report = drain(hub, brand, Clients())
    assert report.ignored == 2
    found = rows(hub, brand)
    assert {r.status for r in found} == {InboxStatus.IGNORED}
    assert "shop/update" in (found[0].error or "")


def test_order_webhooks_go_to_the_orders_import_flow(hub: Hub, brand: int) -> None:
    gone = "gid://shopify/Order/987654321"
    body = {"id": 987654321, "admin_graphql_api_id": gone}
    store_rows(hub.sessions, brand, [("orders/create", body), ("orders/cancelled", body)])
    report = drain(hub, brand, Clients())
    # One fetch of the order; Shopify does not know it, so the hub gets nothing.
    assert (report.processed, report.fetches, report.ignored) == (2, 1, 0)
    with hub.sessions() as session:
        runs = session.execute(select(SyncRun.flow, SyncRun.trigger)).all()
    assert [tuple(run) for run in runs] == [("orders_import", "webhook")]


def test_order_webhooks_are_ignored_while_the_flow_is_off(hub: Hub, brand: int) -> None:
    with hub.sessions.begin() as session:
        set_setting(session, "brand", "flows.orders_import.enabled", "false")
    store_rows(hub.sessions, brand, [("orders/updated", {"id": 5})])
    report = drain(hub, brand, Clients())
    assert report.ignored == 1
    assert "orders_import flow is off" in (rows(hub, brand)[0].error or "")


def test_a_malformed_body_fails_alone(hub: Hub, shop: Shop, brand: int) -> None:
    good = synced_products(shop)[0]["id"]
    store_rows(
        hub.sessions,
        brand,
        [
            ("products/update", b"{not json"),
            ("products/update", {"title": "no id"}),
            ("customers/update", {"id": "gid://shopify/Product/1"}),
            update(good),
        ],
    )
    report = drain(hub, brand, Clients())
    assert (report.failed, report.processed) == (3, 1)
    found = rows(hub, brand)
    assert [r.status for r in found] == [InboxStatus.FAILED] * 3 + [InboxStatus.PROCESSED]
    for row in found[:3]:
        assert (row.error or "").startswith("INVALID_PAYLOAD: ")
    assert hub_product_title(hub.sessions, brand, good) is not None


def test_a_busy_flow_defers_its_rows(hub: Hub, shop: Shop, brand: int) -> None:
    gid = synced_products(shop)[0]["id"]
    store_rows(hub.sessions, brand, [update(gid), ("shop/update", {})])
    leases = LeaseManager(hub.sessions)
    assert leases.acquire(brand, "products", "job:elsewhere")
    report = drain(hub, brand, Clients())
    assert (report.deferred, report.ignored, report.processed) == (1, 1, 0)
    assert [r.status for r in rows(hub, brand)] == [InboxStatus.RECEIVED, InboxStatus.IGNORED]
    leases.release(brand, "products", "job:elsewhere")
    assert drain(hub, brand, Clients()).processed == 1


def test_a_shopify_error_hands_the_rows_back(
    hub: Hub, shop: Shop, brand: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    gid = synced_products(shop)[0]["id"]
    store_rows(hub.sessions, brand, [update(gid)])
    monkeypatch.setenv("BRAND_TOKEN", "shpat_revoked")
    report = drain(hub, brand, Clients())
    assert report.error is not None and report.error.startswith("AUTH_FAILED")
    [row] = rows(hub, brand)
    assert row.status == InboxStatus.RECEIVED
    assert (row.error or "").startswith("AUTH_FAILED")
    assert row.attempts == 1


def test_app_uninstalled_disables_the_tenant_and_cancels_its_jobs(
    hub: Hub, shop: Shop, brand: int
) -> None:
    gid = synced_products(shop)[0]["id"]
    queued, _ = request_job(hub.sessions, brand, "products", trigger="schedule")
    store_rows(hub.sessions, brand, [update(gid), ("app/uninstalled", {"id": 1})])
    clients = Clients()
    report = drain(hub, brand, clients)
    assert (report.processed, report.ignored) == (1, 1)
    assert clients.calls == 0
    with hub.sessions() as session:
        tenant = session.get_one(Tenant, brand)
        assert not tenant.enabled
        assert "uninstalled" in (tenant.disabled_reason or "")
        assert session.get_one(Job, queued.id).status == JobStatus.CANCELLED
    # Later deliveries of the disabled tenant are ignored, never processed.
    store_rows(hub.sessions, brand, [update(gid)])
    assert drain(hub, brand, clients).ignored == 1


def test_bulk_finish_wakes_a_waiting_bulk_query(hub: Hub, shop: Shop, brand: int) -> None:
    operation = "gid://shopify/BulkOperation/77"
    with hub.sessions() as session:
        waiting = BULK_WAITERS.register(build_client(session.get_one(Tenant, brand)))
    event = waiting.bulk_signals.event(operation)
    store_rows(
        hub.sessions,
        brand,
        [("bulk_operations/finish", {"admin_graphql_api_id": operation, "status": "completed"})],
    )
    report = drain(hub, brand, Clients())
    assert report.processed == 1
    assert event.is_set()
    waiting.close()


def test_claims_in_two_sessions_never_overlap(hub: Hub, brand: int) -> None:
    store_rows(hub.sessions, brand, [("orders/create", {"id": n}) for n in range(10)])
    now = utcnow()
    with hub.sessions.begin() as one:
        first = inbox.claim(one, brand, now=now, limit=6)
    with hub.sessions.begin() as two:
        second = inbox.claim(two, brand, now=now, limit=6)
    assert (len(first), len(second)) == (6, 4)
    assert not {r.id for r in first} & {r.id for r in second}
    assert all(r.attempts == 1 and r.processed_at == now for r in first + second)


def test_two_workers_draining_at_once_process_each_row_once(
    hub: Hub, shop: Shop, brand: int
) -> None:
    gids = [p["id"] for p in synced_products(shop)]
    store_rows(hub.sessions, brand, [update(gid) for gid in gids] * 5)
    reports: list[InboxReport] = []

    def worker() -> None:
        reports.append(drain(hub, brand, Clients()))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    reports.append(drain(hub, brand, Clients()))  # whatever a busy lease deferred
    assert sum(r.processed for r in reports) == 5 * len(gids)
    assert sum(r.error is not None for r in reports) == 0
    assert {r.status for r in rows(hub, brand)} == {InboxStatus.PROCESSED}
