"""The runtime with real Huey consumers: one run at a time per (tenant, flow), retries that end
visibly failed, Redis queues, and the periodic chores."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import select

from tests.runtime.conftest import Hub, Shop
from tests.runtime.test_schedules import DEFAULT_FLOWS
from wholesync.hub.models import SyncRun, Tenant
from wholesync.runtime.jobs import JobError
from wholesync.runtime.models import JobStatus, ScheduleState
from wholesync.runtime.service import Runtime
from wholesync.settings import Settings
from wholesync.shopify.throttle_redis import RedisBucket

DONE = {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED}
Make = Callable[..., Runtime]


def wait_for(predicate: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


@pytest.fixture
def make_runtime(hub: Hub, tmp_path: Path) -> Iterator[Make]:
    """Builds runtimes on the hub (a SQLite queue unless a queue URL is given); started
    consumers are stopped and the signal handlers they set are restored afterwards."""
    made: list[Runtime] = []
    consumers: list[Any] = []
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def make(queue_url: str | None = None, workers: int = 0, **options: Any) -> Runtime:
        options.setdefault("client_options", {"max_retries": 0})
        runtime = Runtime(hub.url, queue_url or f"sqlite:///{tmp_path}/queue.sqlite3", **options)
        made.append(runtime)
        if workers:
            consumer = runtime.consumer(workers=workers, periodic=False)
            consumer.start()
            consumers.append(consumer)
        return runtime

    yield make
    for consumer in consumers:
        consumer.stop(graceful=True)
    for runtime in made:
        runtime.close()
    for sig, handler in handlers.items():
        signal.signal(sig, handler)


def all_done(runtime: Runtime) -> bool:
    return all(job.status in DONE for job in runtime.jobs())


def test_runs_of_one_flow_never_overlap(make_runtime: Make, shop: Shop, brand: int) -> None:
    shop.faults(latency=0.03)  # each API call takes a moment, so runs last a while
    runtime = make_runtime(workers=3)
    requested = set()
    for round_ in range(6):
        requested.add(runtime.request_run(brand, "products", full=round_ % 3 == 0).id)
        requested.add(runtime.request_run(brand, "customers").id)
        time.sleep(0.1)
    wait_for(lambda: all_done(runtime))
    jobs = runtime.jobs()
    assert {job.id for job in jobs} == requested
    assert all(job.status == JobStatus.SUCCEEDED for job in jobs), [j.error for j in jobs]
    with runtime.sessions() as session:
        runs = session.scalars(select(SyncRun).order_by(SyncRun.started_at)).all()
    assert {run.id for run in runs} == {job.run_id for job in jobs}
    for flow in ("products", "customers"):
        mine = [run for run in runs if run.flow == flow]
        assert len(mine) >= 2
        for before, after in pairwise(mine):
            assert before.finished_at is not None
            assert before.finished_at <= after.started_at, f"{flow} runs overlap"


def test_a_failing_run_retries_then_fails_visibly(
    make_runtime: Make, shop: Shop, brand: int
) -> None:
    shop.faults(error_rate=1.0)
    settings = Settings(job_max_attempts=3, retry_base_seconds=0.05, retry_max_seconds=0.1)
    runtime = make_runtime(workers=2, settings=settings)
    job = runtime.request_run(brand, "inventory")
    wait_for(lambda: all_done(runtime))
    (failed,) = runtime.jobs(status=JobStatus.FAILED)
    assert failed.id == job.id and failed.attempts == 3
    assert failed.error is not None and failed.error.startswith("SHOPIFY_UNAVAILABLE: ")
    with runtime.sessions() as session:
        runs = session.scalars(select(SyncRun).where(SyncRun.flow == "inventory")).all()
    assert [run.status for run in runs] == ["failed"] * 3


def test_a_redis_queue_runs_jobs(
    make_runtime: Make, shop: Shop, brand: int, redis_url: str, redis_prefix: str
) -> None:
    runtime = make_runtime(redis_url, workers=1, name=redis_prefix)
    job = runtime.request_run(brand, "customers")
    wait_for(lambda: all_done(runtime))
    (done,) = runtime.jobs()
    assert (done.id, done.status) == (job.id, JobStatus.SUCCEEDED)
    # Its Shopify calls went through the shop's bucket shared in Redis.
    with runtime.sessions() as session:
        client = runtime.client_for(session.get_one(Tenant, brand))
    assert isinstance(client.throttle.bucket, RedisBucket)
    client.close()
    shared = redis.Redis.from_url(redis_url)
    assert list(shared.scan_iter(match=f"{redis_prefix}:throttle:*"))
    shared.close()


def test_maintenance_requests_due_schedules(make_runtime: Make, hub: Hub) -> None:
    now = [datetime(2026, 3, 2, 10, 7, tzinfo=UTC)]
    brand = hub.add_tenant("brand")
    runtime = make_runtime(clock=lambda: now[0])
    runtime.maintain()
    assert runtime.jobs() == []
    now[0] += timedelta(minutes=53)
    runtime.maintain()
    jobs = runtime.jobs()
    assert sorted(job.flow for job in jobs) == sorted(DEFAULT_FLOWS)
    assert {(job.tenant_id, job.trigger, job.status) for job in jobs} == {
        (brand, "schedule", JobStatus.QUEUED)
    }
    assert runtime.huey.pending_count() == len(DEFAULT_FLOWS)


def test_a_periodic_consumer_runs_the_maintenance(make_runtime: Make, hub: Hub) -> None:
    hub.add_tenant("brand")
    runtime = make_runtime()
    consumer = runtime.consumer(workers=1, periodic=True)
    consumer.start()
    try:
        # The first tick runs at start and records when each schedule is next due.
        def scheduled() -> bool:
            with runtime.sessions() as session:
                return len(session.scalars(select(ScheduleState)).all()) == len(DEFAULT_FLOWS)

        wait_for(scheduled)
    finally:
        consumer.stop(graceful=True)


def test_unknown_flows_are_refused(make_runtime: Make, hub: Hub) -> None:
    brand = hub.add_tenant("brand")
    runtime = make_runtime()
    with pytest.raises(JobError) as caught:
        runtime.request_run(brand, "orders")
    assert caught.value.code == "UNKNOWN_FLOW"
    assert "products" in caught.value.message
    assert runtime.jobs() == []
