"""Job records: requesting a run, and each change of a job's status as one guarded statement.

A request joins the job of its (tenant, flow) that is still waiting to start, so a burst of
requests costs one run; the partial unique index ``uq_jobs_waiting`` makes this safe when
requests race. Every later transition (claim, finish, retry) is a compare-and-set on the
job's current status, so two workers handed the same job cannot both act on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from wholesync.hub.db import SQLITE_BEGIN
from wholesync.hub.models import Tenant
from wholesync.runtime.models import WAITING, Job, JobStatus, RunLease

# The flow of a job that drains a tenant's webhook inbox.
WEBHOOKS = "webhooks"
# A waiting job nobody touched for this long has lost its queue task (the queue was wiped,
# the process died between writing the job and enqueueing it, or a worker was killed between
# taking the task off the queue, which has no acknowledgement, and claiming the job); it is
# enqueued again. Until then every request of its (tenant, flow) joins it, webhooks and order
# exports included, so this is short: a task that was not lost after all then finds the job
# claimed or done and does nothing, and the run lease keeps two runs apart anyway.
ORPHANED_AFTER = timedelta(minutes=1)
_JOIN_ATTEMPTS = 3


class JobError(Exception):
    """A run cannot be requested; ``code`` names why, the message how to fix it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def holder_of(job_id: int) -> str:
    """The lease holder name of a job: the lease says which job runs its (tenant, flow)."""
    return f"job:{job_id}"


@contextmanager
def writing(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A transaction that reads, then writes. On SQLite it takes the write lock up front: a
    read snapshot upgraded to a writer after another commit would fail at once with "busy"."""
    with sessions() as session, session.begin():
        session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
        yield session


def request_job(
    sessions: sessionmaker[Session],
    tenant_id: int,
    flow: str,
    *,
    full: bool = False,
    preview: bool = False,
    trigger: str = "manual",
    max_attempts: int = 5,
    not_before: datetime | None = None,
) -> tuple[Job, bool]:
    """The waiting job of (tenant, flow), joined, or a new one: ``(job, created)``.

    Joining a request for a full run makes the waiting job full (a full run covers the rest).
    A preview joins only a waiting preview, and a real run only a waiting real run.
    """
    for _ in range(_JOIN_ATTEMPTS):
        try:
            with writing(sessions) as session:
                if session.get(Tenant, tenant_id) is None:
                    raise JobError("TENANT_NOT_FOUND", f"No tenant with id {tenant_id}.")
                job = session.scalars(
                    select(Job).where(
                        Job.tenant_id == tenant_id,
                        Job.flow == flow,
                        Job.preview.is_(preview),
                        Job.status.in_(WAITING),
                    )
                ).one_or_none()
                if job is not None:
                    job.full = job.full or full
                    return job, False
                job = Job(
                    tenant_id=tenant_id,
                    flow=flow,
                    full=full,
                    preview=preview,
                    trigger=trigger,
                    status=JobStatus.QUEUED,
                    attempts=0,
                    max_attempts=max_attempts,
                    not_before=not_before,
                )
                session.add(job)
                session.flush()
                return job, True
        except IntegrityError:
            # Another request created the waiting job between our read and our insert.
            continue
    raise JobError("JOB_CONFLICT", f"Could not queue {flow} for tenant {tenant_id}; try again.")


def get_job(sessions: sessionmaker[Session], job_id: int) -> Job | None:
    with sessions() as session:
        return session.get(Job, job_id)


def list_jobs(
    session: Session,
    *,
    tenant_id: int | None = None,
    status: str | None = None,
    limit: int = 50,
) -> Sequence[Job]:
    """The newest jobs first, optionally of one tenant or in one status."""
    query = select(Job).order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)
    if tenant_id is not None:
        query = query.where(Job.tenant_id == tenant_id)
    if status is not None:
        query = query.where(Job.status == status)
    return session.scalars(query).all()


def _transition(
    sessions: sessionmaker[Session], job_id: int, from_: Sequence[str], **values: Any
) -> Job | None:
    """Set ``values`` on the job if its status is one of ``from_``; the updated job or None."""
    with sessions.begin() as session:
        changed = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status.in_(from_))
            .values(**values)
            .returning(Job.id)
        ).first()
        return session.get(Job, job_id, populate_existing=True) if changed else None


def postpone(sessions: sessionmaker[Session], job_id: int, until: datetime) -> bool:
    """Move a waiting job's start to ``until`` (its run is busy; its task is enqueued again)."""
    return _transition(sessions, job_id, WAITING, not_before=until) is not None


def next_waiting(sessions: sessionmaker[Session], after: Job, due_by: datetime) -> int | None:
    """The job waiting behind ``after`` (same tenant and flow) if it may start by ``due_by``."""
    with sessions() as session:
        return session.scalars(
            select(Job.id).where(
                Job.tenant_id == after.tenant_id,
                Job.flow == after.flow,
                Job.id != after.id,
                Job.status.in_(WAITING),
                or_(Job.not_before.is_(None), Job.not_before <= due_by),
            )
        ).first()


def claim(sessions: sessionmaker[Session], job_id: int, now: datetime) -> Job | None:
    """Mark a waiting job running and count the attempt; None when it is no longer waiting."""
    return _transition(
        sessions,
        job_id,
        WAITING,
        status=JobStatus.RUNNING,
        attempts=Job.attempts + 1,
        started_at=now,
        finished_at=None,
    )


def finish(
    sessions: sessionmaker[Session],
    job_id: int,
    status: JobStatus,
    now: datetime,
    *,
    error: str | None = None,
    run_id: int | None = None,
) -> Job | None:
    """Close a running job as succeeded, failed or cancelled."""
    values: dict[str, Any] = {"status": status, "finished_at": now, "error": error}
    if run_id is not None:
        values["run_id"] = run_id
    return _transition(sessions, job_id, (JobStatus.RUNNING,), **values)


def retry(
    sessions: sessionmaker[Session],
    job_id: int,
    not_before: datetime,
    *,
    error: str,
    run_id: int | None,
) -> Job | None:
    """Send a running job back to wait until ``not_before``. None when a newer request of the
    same (tenant, flow) is already waiting: that job runs instead, so this one has failed."""
    try:
        return _transition(
            sessions,
            job_id,
            (JobStatus.RUNNING,),
            status=JobStatus.RETRYING,
            not_before=not_before,
            error=error,
            run_id=run_id,
        )
    except IntegrityError:
        return None


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with equal jitter: retry n waits between d/2 and d, where
    d = min(cap, base * 2**(n - 1)), so retries of many tenants do not line up."""

    base: float
    cap: float
    random: Callable[[], float]

    def delay(self, attempt: int) -> float:
        ceiling = min(self.cap, self.base * 2.0 ** max(0, attempt - 1))
        return ceiling / 2 + self.random() * ceiling / 2


def lost_jobs(sessions: sessionmaker[Session], now: datetime) -> list[Job]:
    """Running jobs whose lease is gone or expired: their worker died (or stalled too long)."""
    with sessions() as session:
        running = session.scalars(select(Job).where(Job.status == JobStatus.RUNNING)).all()
        return [job for job in running if not _lease_alive(session, job, now)]


def _live_lease(job: Job, now: datetime) -> Any:
    return exists().where(
        RunLease.tenant_id == job.tenant_id,
        RunLease.flow == job.flow,
        RunLease.holder == holder_of(job.id),
        RunLease.expires_at > now,
    )


def _lease_alive(session: Session, job: Job, now: datetime) -> bool:
    return bool(session.scalar(select(_live_lease(job, now))))


def fail_lost(sessions: sessionmaker[Session], job: Job, now: datetime) -> bool:
    """Fail a lost job, unless it finished or renewed its lease meanwhile."""
    with sessions.begin() as session:
        changed = session.execute(
            update(Job)
            .where(Job.id == job.id, Job.status == JobStatus.RUNNING, ~_live_lease(job, now))
            .values(
                status=JobStatus.FAILED,
                finished_at=now,
                error=(
                    "WORKER_LOST: the worker running this job stopped (killed or stalled) and "
                    "its lease expired; a new run was requested."
                ),
            )
            .returning(Job.id)
        ).first()
    return changed is not None


def orphaned_jobs(sessions: sessionmaker[Session], now: datetime) -> list[int]:
    """Waiting jobs untouched for ORPHANED_AFTER, moved to start now; their ids, to enqueue."""
    cutoff = now - ORPHANED_AFTER
    stale = or_(
        Job.not_before < cutoff,
        and_(Job.not_before.is_(None), Job.created_at < cutoff),
    )
    with sessions.begin() as session:
        return list(
            session.scalars(
                update(Job)
                .where(Job.status.in_(WAITING), stale)
                .values(not_before=now)
                .returning(Job.id)
            )
        )
