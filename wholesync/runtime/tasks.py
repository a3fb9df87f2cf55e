"""Executing a job: take its (tenant, flow) lease, claim it, run the flow, and settle it.

The lease is taken before the job is claimed, so a job whose run is busy stays waiting and is
tried again shortly: a second request queues behind the running one and never runs beside it.
A failed run is retried with backoff unless retrying cannot help (bad credentials, a rejected
query, a broken tenant configuration); after ``max_attempts`` the job fails with its error.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from wholesync import logs
from wholesync.hub.models import Tenant
from wholesync.hub.models.types import utcnow
from wholesync.runtime import jobs
from wholesync.runtime.inbox_processing import process_inbox
from wholesync.runtime.jobs import WEBHOOKS, Backoff, holder_of
from wholesync.runtime.leases import LeaseManager
from wholesync.runtime.models import WAITING, Job, JobStatus
from wholesync.runtime.orphans import close_lost_preview
from wholesync.settings import Settings
from wholesync.shopify import ShopifyClient
from wholesync.sync.flows import runnable
from wholesync.sync.registry import FLOWS
from wholesync.sync.runs import FAILED
from wholesync.sync.subscriptions import repair_subscriptions
from wholesync.sync.tenants import TenantError

log = logging.getLogger(__name__)

# How soon a job whose (tenant, flow) is busy is tried again; the queue's scheduler wakes
# once a second, so shorter waits would not start it any sooner.
BUSY_DELAY_SECONDS = 1.0
# A waiting job due within this when a run ends was waiting for that run: it starts now.
BUSY_HANDOVER = timedelta(seconds=BUSY_DELAY_SECONDS)
# Inbox rows left for later (their flow's lease was busy) are drained again after this.
FOLLOW_UP_DELAY_SECONDS = 1.0
# A task that arrives this much before its job's start time (clocks of two machines differ
# a little) still runs; earlier, it is put back in the schedule.
EARLY_SLACK = timedelta(seconds=1)
# Failures that fail the same way however often they are tried.
PERMANENT = frozenset(
    {
        "AUTH_FAILED",
        "INVALID_PAYLOAD",  # Shopify rejected the query document (InvalidQueryError)
        "INVALID_TENANT",
        "INVALID_SETTING",
        "TENANT_NOT_FOUND",
        "TENANT_DISABLED",
        "UNKNOWN_FLOW",
    }
)


@dataclass(frozen=True)
class Outcome:
    """How one attempt of a job ended."""

    status: JobStatus
    error: str | None = None
    run_id: int | None = None
    retryable: bool = False
    follow_up: bool = False


def failure(error: str, run_id: int | None = None) -> Outcome:
    """A failed attempt, retried unless its code says retrying cannot help."""
    code = error.split(":", 1)[0].strip()
    return Outcome(JobStatus.FAILED, error, run_id, retryable=code not in PERMANENT)


class RequestRun(Protocol):
    """``Runtime.request_run``: how a job asks for a further run."""

    def __call__(
        self, tenant_id: int, flow: str, *, full: bool, trigger: str, delay: float
    ) -> object: ...


@dataclass
class JobRunner:
    """Runs jobs by id. ``enqueue(job_id, delay)`` puts a job's queue task in the queue.
    Flow runs (not previews) and inbox drains use ``run_sessions`` (see
    ``Runtime.run_sessions``)."""

    sessions: sessionmaker[Session]
    run_sessions: sessionmaker[Session]
    leases: LeaseManager
    client_for: Callable[[Tenant], ShopifyClient]
    enqueue: Callable[[int, float], None]
    request: RequestRun
    settings: Settings
    clock: Callable[[], datetime] = utcnow
    random: Callable[[], float] = field(default=random.random)

    def execute(self, job_id: int) -> JobStatus | None:
        """Run the job if it is waiting and due; its status afterwards (None: nothing done)."""
        job = jobs.get_job(self.sessions, job_id)
        if job is None or job.status not in WAITING:
            return None  # already run: this task was a duplicate
        now = self.clock()
        if job.not_before is not None and job.not_before > now + EARLY_SLACK:
            self.enqueue(job_id, (job.not_before - now).total_seconds())
            return None
        with self.leases.held(job.tenant_id, job.flow, holder_of(job_id)) as held:
            if not held:
                if jobs.postpone(
                    self.sessions, job_id, now + timedelta(seconds=BUSY_DELAY_SECONDS)
                ):
                    self.enqueue(job_id, BUSY_DELAY_SECONDS)
                return None
            claimed = jobs.claim(self.sessions, job_id, self.clock())
            if claimed is None:
                return None
            with logs.context(tenant_id=claimed.tenant_id, flow=claimed.flow, job_id=job_id):
                try:
                    outcome = self._attempt(claimed)
                except Exception as exc:  # a bug or a dead database: recorded, then retried
                    log.exception("job %s failed", job_id)
                    outcome = failure(f"{type(exc).__name__}: {exc}")
            status = self._settle(claimed, outcome)
        # Hand over: a request that arrived meanwhile waits behind this run; start it now
        # rather than when its busy retry comes round (its own task then finds it done).
        waiting = jobs.next_waiting(self.sessions, job, self.clock() + BUSY_HANDOVER)
        if waiting is not None:
            self.enqueue(waiting, 0.0)
        if outcome.follow_up:
            self.request(
                claimed.tenant_id,
                WEBHOOKS,
                full=False,
                trigger="webhook",
                delay=FOLLOW_UP_DELAY_SECONDS,
            )
        return status

    def _attempt(self, job: Job) -> Outcome:
        if job.flow == WEBHOOKS:
            # Even for a disabled tenant: the drain marks its deliveries ignored.
            return self._drain(job)
        with self.sessions() as session:
            tenant = session.get_one(Tenant, job.tenant_id)
        if not tenant.enabled:
            why = (tenant.disabled_reason or "it was disabled").rstrip(".")
            return Outcome(JobStatus.CANCELLED, f"TENANT_DISABLED: tenant {tenant.name!r}: {why}.")
        spec = FLOWS.get(job.flow)
        if spec is None:
            return failure(f"UNKNOWN_FLOW: no flow named {job.flow!r}.")
        try:
            _, skipped = runnable(self.sessions, tenant.name, [spec])
            if skipped:
                why = skipped[0][1]
                return Outcome(JobStatus.CANCELLED, f"FLOW_DISABLED: {spec.name} is off: {why}.")
            client = self.client_for(tenant)
        except TenantError as exc:
            return failure(f"{exc.code}: {exc.message}")
        try:
            warning = self._repair_subscriptions(job, tenant, client)
            # A preview reads for its whole length and writes only at its end: on SQLite,
            # taking the write lock up front would stall every other writer meanwhile.
            sessions = self.sessions if job.preview else self.run_sessions
            with sessions() as session:
                tenant = session.get_one(Tenant, job.tenant_id)
                result = spec.run(
                    session,
                    tenant,
                    client,
                    full=job.full,
                    preview=job.preview,
                    trigger=job.trigger,
                )
        finally:
            client.close()
        if result.status == FAILED:
            error = result.error or "the run failed"
            return failure(_join(error, warning), result.run_id)
        return Outcome(JobStatus.SUCCEEDED, warning, result.run_id)

    def _repair_subscriptions(self, job: Job, tenant: Tenant, client: ShopifyClient) -> str | None:
        """Re-register missing webhook subscriptions before a scheduled reconcile; a failure
        is a warning on the job, and the reconcile still runs (it finds what webhooks lost)."""
        if job.trigger != "schedule" or not tenant.callback_url:
            return None
        try:
            report = repair_subscriptions(client, tenant.callback_url)
        except Exception as exc:
            log.warning("repairing the subscriptions of %s failed: %s", tenant.name, exc)
            return f"SUBSCRIPTIONS_NOT_REPAIRED: {exc}"
        if report.created:
            log.info("re-subscribed %s to %s", tenant.name, ", ".join(report.created))
        return None

    def _drain(self, job: Job) -> Outcome:
        report = process_inbox(
            self.run_sessions,
            job.tenant_id,
            leases=self.leases,
            client_for=self.client_for,
            coalesce_seconds=self.settings.webhook_coalesce_seconds,
            clock=self.clock,
        )
        if report.error is not None:
            # The rows went back to the inbox; the retry drains them again.
            return failure(report.error)
        note = f"{report.failed} delivery(ies) failed; see the inbox." if report.failed else None
        return Outcome(JobStatus.SUCCEEDED, note, follow_up=report.deferred > 0)

    def _settle(self, job: Job, outcome: Outcome) -> JobStatus:
        now = self.clock()
        if outcome.status is JobStatus.FAILED and outcome.retryable:
            if job.attempts < job.max_attempts:
                backoff = Backoff(
                    self.settings.retry_base_seconds, self.settings.retry_max_seconds, self.random
                )
                delay = backoff.delay(job.attempts)
                error = outcome.error or "failed"
                until = now + timedelta(seconds=delay)
                if jobs.retry(self.sessions, job.id, until, error=error, run_id=outcome.run_id):
                    self.enqueue(job.id, delay)
                    return JobStatus.RETRYING
                outcome = failure(_join(error, "a newer request of this flow runs instead"))
            else:
                outcome = failure(
                    _join(outcome.error or "failed", f"gave up after {job.attempts} attempts")
                )
        jobs.finish(
            self.sessions, job.id, outcome.status, now, error=outcome.error, run_id=outcome.run_id
        )
        return outcome.status

    def reap(self) -> list[int]:
        """Fail running jobs whose worker is gone and request their run again (not a
        preview's); enqueue waiting jobs that lost their queue task. Returns the ids of the
        jobs failed."""
        now = self.clock()
        reaped = []
        for job in jobs.lost_jobs(self.sessions, now):
            if jobs.fail_lost(self.sessions, job, now):
                log.warning("job %s (%s) lost its worker; requesting it again", job.id, job.flow)
                reaped.append(job.id)
                if job.preview:  # shown failed, run and all; its viewer asks again
                    close_lost_preview(self.sessions, job, now)
                else:
                    self.request(
                        job.tenant_id, job.flow, full=job.full, trigger=job.trigger, delay=0.0
                    )
        for job_id in jobs.orphaned_jobs(self.sessions, now):
            self.enqueue(job_id, 0.0)
        return reaped


def _join(error: str, note: str | None) -> str:
    return f"{error} ({note})" if note else error
