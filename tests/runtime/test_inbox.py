"""The inbox's data operations and the sweeper, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

from tests.runtime.conftest import Hub
from tests.web.harness import store_rows
from wholesync.hub.models import Tenant
from wholesync.hub.models.types import utcnow
from wholesync.runtime import inbox
from wholesync.runtime.inbox import Delivery
from wholesync.runtime.jobs import request_job
from wholesync.runtime.models import InboxEntry, InboxStatus
from wholesync.runtime.sweeper import sweep_inbox


def delivery(tenant_id: int, webhook_id: str) -> Delivery:
    return Delivery(tenant_id, webhook_id, "products/update", b"{}", utcnow())


def test_store_keeps_the_first_copy_of_each_webhook_id(hub: Hub) -> None:
    tenant = hub.add_tenant("brand")
    with hub.sessions.begin() as session:
        new = inbox.store(
            session, [delivery(tenant, "a"), delivery(tenant, "b"), delivery(tenant, "a")]
        )
    assert new == {"a", "b"}
    with hub.sessions.begin() as session:
        assert inbox.store(session, [delivery(tenant, "b"), delivery(tenant, "c")]) == {"c"}
        assert inbox.store(session, []) == set()
    with hub.sessions() as session:
        assert inbox.counts(session, tenant)["received"] == 3


def test_concurrent_claims_share_the_rows_without_overlap(hub: Hub) -> None:
    tenant = hub.add_tenant("brand")
    store_rows(hub.sessions, tenant, [("orders/create", {"id": n}) for n in range(120)])
    claimed: list[list[int]] = [[] for _ in range(4)]

    def worker(index: int) -> None:
        while True:
            with hub.sessions.begin() as session:
                rows = inbox.claim(session, tenant, now=utcnow(), limit=7)
            if not rows:
                return
            claimed[index].extend(row.id for row in rows)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [row_id for ids in claimed for row_id in ids]
    assert len(everything) == 120 == len(set(everything))
    with hub.sessions() as session:
        counts = inbox.counts(session, tenant)
    assert counts["processing"] == 120


def test_finish_release_and_counts(hub: Hub) -> None:
    tenant = hub.add_tenant("brand")
    other = hub.add_tenant("other")
    store_rows(hub.sessions, tenant, [("orders/create", {"id": n}) for n in range(4)])
    store_rows(hub.sessions, other, [("orders/create", {})])
    now = utcnow()
    with hub.sessions.begin() as session:
        ids = [row.id for row in inbox.claim(session, tenant, now=now, limit=10)]
        inbox.finish(session, ids[:1], InboxStatus.PROCESSED, now=now)
        inbox.finish(session, ids[1:2], InboxStatus.FAILED, now=now, error="INVALID_PAYLOAD: x")
        inbox.finish(session, ids[2:3], InboxStatus.IGNORED, now=now, error="orders")
        inbox.release(session, ids[3:], error="SHOPIFY_UNAVAILABLE: down")
    with hub.sessions() as session:
        assert inbox.counts(session, tenant) == {
            "received": 1,
            "processing": 0,
            "processed": 1,
            "ignored": 1,
            "failed": 1,
        }
        assert inbox.counts(session)["received"] == 2
        released = session.get_one(InboxEntry, ids[3])
        assert (released.error, released.processed_at, released.attempts) == (
            "SHOPIFY_UNAVAILABLE: down",
            None,
            1,
        )
        assert inbox.oldest_received(session, tenant) == released.received_at


def test_waiting_drains_are_only_jobs_not_started(hub: Hub) -> None:
    first, second = hub.add_tenant("first"), hub.add_tenant("second")
    request_job(hub.sessions, first, "webhooks", trigger="webhook")
    request_job(hub.sessions, second, "products", trigger="manual")
    with hub.sessions.begin() as session:
        assert inbox.waiting_drains(session, {first, second}) == {first}
        assert inbox.waiting_drains(session, set()) == set()


def test_the_sweeper_hands_back_stranded_rows_and_requests_drains(hub: Hub) -> None:
    now = utcnow()
    forgotten, queued, crashed, disabled = (
        hub.add_tenant(name) for name in ("forgotten", "queued", "crashed", "disabled")
    )
    long_ago = now - timedelta(minutes=10)
    for tenant in (forgotten, queued, crashed, disabled):
        store_rows(hub.sessions, tenant, [("products/update", {"id": 1})], received_at=long_ago)
    store_rows(hub.sessions, forgotten, [("products/update", {"id": 2})], received_at=now)
    request_job(hub.sessions, queued, "webhooks", trigger="webhook")
    with hub.sessions.begin() as session:
        inbox.claim(session, crashed, now=now - timedelta(minutes=5), limit=1)
        session.get_one(Tenant, disabled).enabled = False
    requested: list[int] = []

    found = sweep_inbox(hub.sessions, requested.append, stale_after=60, clock=lambda: now)
    assert found == 2
    assert sorted(requested) == sorted([forgotten, crashed])
    with hub.sessions() as session:
        assert inbox.counts(session, crashed)["received"] == 1
        assert inbox.counts(session, forgotten)["received"] == 2  # the fresh one too
        assert inbox.counts(session, queued)["received"] == 1  # its drain is on the way
        assert inbox.counts(session, disabled)["ignored"] == 1

    # A claim younger than the lease is a worker at work: left alone.
    with hub.sessions.begin() as session:
        inbox.claim(session, forgotten, now=now, limit=5)
    requested.clear()
    assert sweep_inbox(hub.sessions, requested.append, stale_after=60, clock=lambda: now) == 1
    assert requested == [crashed]


def test_a_failing_request_does_not_stop_the_sweep(hub: Hub) -> None:
    now = utcnow()
    first, second = hub.add_tenant("first"), hub.add_tenant("second")
    for tenant in (first, second):
        store_rows(
            hub.sessions,
            tenant,
            [("products/update", {"id": 1})],
            received_at=now - timedelta(minutes=5),
        )
    requested: list[int] = []

    def flaky(tenant_id: int) -> None:
        requested.append(tenant_id)
        if tenant_id == first:
            raise RuntimeError("queue down")

    assert sweep_inbox(hub.sessions, flaky, stale_after=60, clock=lambda: now) == 2
    assert sorted(requested) == sorted([first, second])
