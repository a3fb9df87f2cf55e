"""Run records left "running" by a process that died mid-run.

Every run that writes holds the lease of its (tenant, flow) from before its record is created
until after it is finished: workers, inbox drains and ``wholesync sync`` alike. A record still
running while nobody holds that lease lost its process, so it is closed as failed with a
message saying so, and its counts up to then are kept. A grace period of one lease lifetime
after the start keeps a record just created out of reach of a chore that read the lease a
moment earlier.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, update
from sqlalchemy.orm import Session, sessionmaker

from wholesync.hub.models import SyncRun
from wholesync.runtime.models import Job, RunLease
from wholesync.sync.runs import FAILED, RUNNING

LOST = (
    "WORKER_LOST: the process running this flow stopped (killed or stalled) before it "
    "finished; what it wrote until then is kept, and the next run picks up the rest."
)


def close_orphaned_runs(
    sessions: sessionmaker[Session], now: datetime, lease_ttl: float
) -> list[int]:
    """Fail the running, non-preview runs whose (tenant, flow) lease is free or expired;
    their ids."""
    live_lease = exists().where(
        and_(
            RunLease.tenant_id == SyncRun.tenant_id,
            RunLease.flow == SyncRun.flow,
            RunLease.expires_at > now,
        )
    )
    with sessions.begin() as session:
        closed = session.scalars(
            update(SyncRun)
            .where(
                SyncRun.status == RUNNING,
                SyncRun.preview.is_(False),
                SyncRun.started_at < now - timedelta(seconds=lease_ttl),
                ~live_lease,
            )
            .values(status=FAILED, finished_at=now, error=LOST)
            .returning(SyncRun.id)
        ).all()
    return list(closed)


def close_lost_preview(sessions: sessionmaker[Session], job: Job, now: datetime) -> list[int]:
    """Fail the preview run a lost preview job left running (a preview run from the command
    line holds no lease, so only the job says whose it was); their ids."""
    if not job.preview or job.started_at is None:
        return []
    with sessions.begin() as session:
        closed = session.scalars(
            update(SyncRun)
            .where(
                SyncRun.tenant_id == job.tenant_id,
                SyncRun.flow == job.flow,
                SyncRun.preview.is_(True),
                SyncRun.status == RUNNING,
                SyncRun.started_at >= job.started_at,
            )
            .values(status=FAILED, finished_at=now, error=LOST)
            .returning(SyncRun.id)
        ).all()
    return list(closed)
