"""Jobs: requests join the waiting job, and one attempt is leased, claimed, run and settled
(retried with backoff, failed, cancelled) — with an injected clock, against the simulator."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from tests.runtime.clock import Clock
from tests.runtime.conftest import Hub, Shop
from wholesync.hub.models import SyncRun
from wholesync.runtime import jobs
from wholesync.runtime.jobs import WEBHOOKS, holder_of, request_job
from wholesync.runtime.leases import LeaseManager
from wholesync.runtime.models import Job, JobStatus
from wholesync.runtime.tasks import BUSY_DELAY_SECONDS, JobRunner
from wholesync.settings import Settings
from wholesync.shopify import subscribed_topics
from wholesync.shopify.webhooks import subscriptions
from wholesync.sync.tenants import build_client, get_tenant, set_setting

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@dataclass
class Rig:
    """A JobRunner whose queue is a list: what it enqueued, and the runs it requested."""

    hub: Hub
    clock: Clock = field(default_factory=lambda: Clock(T0))
    enqueued: list[tuple[int, float]] = field(default_factory=list)
    settings: Settings = field(
        default_factory=lambda: Settings(
            job_max_attempts=3, retry_base_seconds=10, retry_max_seconds=15
        )
    )

    def __post_init__(self) -> None:
        self.leases = LeaseManager(self.hub.sessions, ttl=60, clock=self.clock)
        self.runner = JobRunner(
            sessions=self.hub.sessions,
            run_sessions=self.hub.sessions,
            leases=self.leases,
            client_for=lambda tenant: build_client(tenant, max_retries=0),
            enqueue=lambda job_id, delay: self.enqueued.append((job_id, delay)),
            request=self.request,
            settings=self.settings,
            clock=self.clock,
            random=lambda: 0.5,
        )

    def request(
        self,
        tenant_id: int,
        flow: str,
        *,
        full: bool = False,
        trigger: str = "manual",
        delay: float = 0.0,
    ) -> Job:
        job, _ = request_job(
            self.hub.sessions,
            tenant_id,
            flow,
            full=full,
            trigger=trigger,
            max_attempts=self.settings.job_max_attempts,
            not_before=self.clock(),
        )
        return job

    def job(self, job_id: int) -> Job:
        found = jobs.get_job(self.hub.sessions, job_id)
        assert found is not None
        return found


# --- Requests ------------------------------------------------------------------------------


def test_a_request_joins_the_waiting_job(hub: Hub) -> None:
    brand = hub.add_tenant("brand")
    first, created = request_job(hub.sessions, brand, "products")
    assert created and first.status == JobStatus.QUEUED and not first.full
    again, created = request_job(hub.sessions, brand, "products", full=True, trigger="webhook")
    assert not created and again.id == first.id
    assert again.full  # a full request makes the waiting job full
    other, created = request_job(hub.sessions, brand, "customers")
    assert created and other.id != first.id
    # Once the job runs, a new request waits behind it as a new job.
    assert jobs.claim(hub.sessions, first.id, T0) is not None
    behind, created = request_job(hub.sessions, brand, "products")
    assert created and behind.id != first.id


def test_concurrent_requests_make_one_job(hub: Hub) -> None:
    brand = hub.add_tenant("brand")
    start = threading.Barrier(8)
    ids: list[int] = []

    def requester() -> None:
        start.wait()
        ids.append(request_job(hub.sessions, brand, "inventory")[0].id)

    threads = [threading.Thread(target=requester) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 8 and len(set(ids)) == 1


def test_unknown_tenants_are_refused(hub: Hub) -> None:
    with pytest.raises(jobs.JobError) as caught:
        request_job(hub.sessions, 999, "products")
    assert caught.value.code == "TENANT_NOT_FOUND"


# --- Executing -----------------------------------------------------------------------------


def test_a_job_runs_its_flow_and_keeps_the_run(hub: Hub, brand: int) -> None:
    rig = Rig(hub)
    job = rig.request(brand, "products", trigger="schedule")
    assert rig.runner.execute(job.id) == JobStatus.SUCCEEDED
    done = rig.job(job.id)
    assert (done.status, done.attempts, done.error) == (JobStatus.SUCCEEDED, 1, None)
    assert done.started_at == T0 and done.finished_at == T0
    with hub.sessions() as session:
        run = session.get_one(SyncRun, done.run_id)
        assert (run.flow, run.status, run.trigger) == ("products", "succeeded", "schedule")
    # A duplicate of the task finds the job done and does nothing.
    assert rig.runner.execute(job.id) is None
    assert rig.leases.holder(brand, "products") is None
    assert rig.enqueued == []


def test_a_busy_flow_leaves_the_job_waiting(hub: Hub, brand: int) -> None:
    rig = Rig(hub)
    job = rig.request(brand, "products")
    assert rig.leases.acquire(brand, "products", "someone-else")
    assert rig.runner.execute(job.id) is None
    waiting = rig.job(job.id)
    assert (waiting.status, waiting.attempts) == (JobStatus.QUEUED, 0)
    assert waiting.not_before == T0 + timedelta(seconds=BUSY_DELAY_SECONDS)
    assert rig.enqueued == [(job.id, BUSY_DELAY_SECONDS)]
    rig.leases.release(brand, "products", "someone-else")
    assert rig.runner.execute(job.id) == JobStatus.SUCCEEDED


def test_a_task_arriving_early_is_put_back(hub: Hub, brand: int) -> None:
    rig = Rig(hub)
    job, _ = request_job(hub.sessions, brand, "products", not_before=T0 + timedelta(seconds=30))
    assert rig.runner.execute(job.id) is None
    assert rig.enqueued == [(job.id, 30.0)]
    assert rig.job(job.id).status == JobStatus.QUEUED


def test_failed_runs_retry_with_backoff_then_fail(hub: Hub, shop: Shop, brand: int) -> None:
    rig = Rig(hub)
    shop.faults(error_rate=1.0)
    job = rig.request(brand, "customers")
    delays = []
    for attempt in (1, 2):
        assert rig.runner.execute(job.id) == JobStatus.RETRYING
        retrying = rig.job(job.id)
        assert retrying.attempts == attempt
        assert retrying.error is not None and retrying.error.startswith("SHOPIFY_UNAVAILABLE")
        (queued_id, delay), *_ = rig.enqueued
        rig.enqueued.clear()
        assert queued_id == job.id
        assert retrying.not_before == rig.clock() + timedelta(seconds=delay)
        delays.append(delay)
        rig.clock.advance(delay)
    # Equal jitter with random() = 0.5: 3/4 of min(cap, base * 2**(n-1)).
    assert delays == [7.5, 11.25]
    assert rig.runner.execute(job.id) == JobStatus.FAILED
    failed = rig.job(job.id)
    assert failed.attempts == 3 and rig.enqueued == []
    assert failed.error is not None
    assert failed.error.startswith("SHOPIFY_UNAVAILABLE") and "gave up after 3" in failed.error
    with hub.sessions() as session:
        assert session.get_one(SyncRun, failed.run_id).status == "failed"


def test_bad_credentials_are_not_retried(
    hub: Hub, brand: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig = Rig(hub)
    monkeypatch.delenv("BRAND_TOKEN")
    job = rig.request(brand, "products")
    assert rig.runner.execute(job.id) == JobStatus.FAILED
    failed = rig.job(job.id)
    assert failed.attempts == 1 and rig.enqueued == []
    assert failed.error is not None and failed.error.startswith("AUTH_FAILED: ")
    assert "BRAND_TOKEN" in failed.error


def test_a_retry_gives_way_to_a_newer_waiting_request(hub: Hub, shop: Shop, brand: int) -> None:
    rig = Rig(hub)
    shop.faults(error_rate=1.0)
    job = rig.request(brand, "products")
    claimed = jobs.claim(hub.sessions, job.id, T0)
    assert claimed is not None
    newer = rig.request(brand, "products")  # arrives while the first one runs
    assert jobs.retry(hub.sessions, job.id, T0, error="X: y", run_id=None) is None
    assert rig.job(job.id).status == JobStatus.RUNNING
    assert rig.job(newer.id).status == JobStatus.QUEUED


def test_disabled_tenants_and_flows_are_cancelled(hub: Hub, brand: int) -> None:
    rig = Rig(hub)
    with hub.sessions.begin() as session:
        set_setting(session, "brand", "flows.customers.enabled", "false")
    job = rig.request(brand, "customers")
    assert rig.runner.execute(job.id) == JobStatus.CANCELLED
    error = rig.job(job.id).error
    assert error is not None and error.startswith("FLOW_DISABLED: customers")
    with hub.sessions.begin() as session:
        tenant = get_tenant(session, "brand")
        tenant.enabled = False
        tenant.disabled_reason = "The app was uninstalled."
    job = rig.request(brand, "products")
    assert rig.runner.execute(job.id) == JobStatus.CANCELLED
    assert rig.job(job.id).error == "TENANT_DISABLED: tenant 'brand': The app was uninstalled."


def test_an_empty_inbox_drains_at_once(hub: Hub, brand: int) -> None:
    rig = Rig(hub)
    job = rig.request(brand, WEBHOOKS, trigger="webhook")
    assert rig.runner.execute(job.id) == JobStatus.SUCCEEDED


# --- The reaper ----------------------------------------------------------------------------


def test_a_killed_workers_job_fails_once_its_lease_expires(hub: Hub) -> None:
    brand = hub.add_tenant("brand")
    rig = Rig(hub)
    job = rig.request(brand, "inventory", full=True, trigger="schedule")
    # What a worker does before it is killed mid-run: lease, then claim.
    assert rig.leases.acquire(brand, "inventory", holder_of(job.id))
    assert jobs.claim(hub.sessions, job.id, rig.clock()) is not None
    rig.clock.advance(59)
    assert rig.runner.reap() == []
    rig.clock.advance(1)
    assert rig.runner.reap() == [job.id]
    lost = rig.job(job.id)
    assert lost.status == JobStatus.FAILED
    assert lost.error is not None and lost.error.startswith("WORKER_LOST: ")
    with hub.sessions() as session:
        (again,) = jobs.list_jobs(session, status=JobStatus.QUEUED)
    assert (again.flow, again.full, again.trigger) == ("inventory", True, "schedule")
    assert rig.runner.reap() == []


def test_a_waiting_job_that_lost_its_task_is_enqueued_again(hub: Hub) -> None:
    brand = hub.add_tenant("brand")
    rig = Rig(hub)
    job = rig.request(brand, "products")
    rig.clock.advance(jobs.ORPHANED_AFTER.total_seconds() - 1)
    rig.runner.reap()
    assert rig.enqueued == []
    rig.clock.advance(2)
    rig.runner.reap()
    assert rig.enqueued == [(job.id, 0.0)]
    rig.runner.reap()  # its start time moved to now: not enqueued twice
    assert rig.enqueued == [(job.id, 0.0)]


def test_a_run_hands_over_to_the_request_waiting_behind_it(hub: Hub, brand: int) -> None:
    rig = Rig(hub)
    first = rig.request(brand, "products")
    original = rig.runner._attempt

    def attempt(job: Job) -> object:
        # A request arrives while the run is on; its task finds the flow busy.
        behind = rig.request(brand, "products")
        assert rig.runner.execute(behind.id) is None
        assert rig.enqueued == [(behind.id, BUSY_DELAY_SECONDS)]
        return original(job)

    rig.runner._attempt = attempt  # type: ignore[method-assign,assignment]
    assert rig.runner.execute(first.id) == JobStatus.SUCCEEDED
    behind_id = rig.enqueued[0][0]
    assert rig.enqueued == [(behind_id, BUSY_DELAY_SECONDS), (behind_id, 0.0)]


def set_callback(hub: Hub, url: str) -> None:
    with hub.sessions.begin() as session:
        get_tenant(session, "brand").callback_url = url


def test_a_scheduled_run_repairs_the_webhook_subscriptions(hub: Hub, brand: int) -> None:
    rig = Rig(hub)
    callback = "http://127.0.0.1:9/webhooks/shopify"
    set_callback(hub, callback)
    manual = rig.request(brand, "products")
    assert rig.runner.execute(manual.id) == JobStatus.SUCCEEDED
    with hub.sessions() as session:
        client = build_client(get_tenant(session, "brand"))
    assert list(subscriptions(client)) == []  # only scheduled reconciles repair
    scheduled = rig.request(brand, "products", trigger="schedule")
    assert rig.runner.execute(scheduled.id) == JobStatus.SUCCEEDED
    assert rig.job(scheduled.id).error is None
    subscribed = {(s["topic"], s["uri"]) for s in subscriptions(client)}
    assert subscribed == {(topic, callback) for topic in subscribed_topics()}
    client.close()


def test_a_failed_repair_is_a_warning_and_the_run_goes_on(hub: Hub, brand: int) -> None:
    rig = Rig(hub)
    set_callback(hub, "http://wholesync.example.com/webhooks/shopify")  # not deliverable
    job = rig.request(brand, "customers", trigger="schedule")
    assert rig.runner.execute(job.id) == JobStatus.SUCCEEDED
    done = rig.job(job.id)
    assert done.error is not None and done.error.startswith("SUBSCRIPTIONS_NOT_REPAIRED: ")
    with hub.sessions() as session:
        assert session.get_one(SyncRun, done.run_id).status == "succeeded"
