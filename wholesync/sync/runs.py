"""Run records: one SyncRun per flow run, one SyncRecord per decision worth keeping.

Unchanged records are only counted in a real run (a reconcile of 100,000 unchanged variants
must not write 100,000 rows); a preview keeps every record, since showing them is its job.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholesync import logs
from wholesync.hub.models import SyncRun
from wholesync.hub.models.types import utcnow
from wholesync.sync.bulk_write import insert_rows
from wholesync.sync.tables import SYNC_RECORDS

# SyncRecord.action -> the key it is counted under.
COUNT_KEYS = {
    "create": "created",
    "update": "updated",
    "unchanged": "unchanged",
    "archive": "archived",
    "reject": "rejected",
}
SUCCEEDED, PARTIAL, FAILED, RUNNING = "succeeded", "partial", "failed", "running"


@dataclass
class Outcome:
    """The decision about one record."""

    entity: str
    action: str
    key: str | None = None
    shopify_gid: str | None = None
    code: str | None = None
    message: str | None = None
    diff: dict[str, list[Any]] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "key": self.key,
            "shopify_gid": self.shopify_gid,
            "action": self.action,
            "code": self.code,
            "message": self.message,
            "diff": self.diff,
        }


@dataclass
class RunResult:
    """What a finished run reports (the ``--json`` object of the CLI)."""

    run_id: int
    tenant: str
    flow: str
    status: str
    preview: bool
    counts: dict[str, int]
    api_cost: float
    duration_s: float
    error: str | None = None
    records: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "run_id": self.run_id,
            "tenant": self.tenant,
            "flow": self.flow,
            "status": self.status,
            "preview": self.preview,
            "counts": self.counts,
            "api_cost": self.api_cost,
            "duration_s": self.duration_s,
        }
        if self.error is not None:
            data["error"] = self.error
        if self.preview:
            data["records"] = self.records
        return data


class RunRecorder:
    """Keeps counts and buffered SyncRecord rows; rows go out with the caller's commits."""

    def __init__(
        self,
        session: Session,
        tenant_id: int,
        tenant_name: str,
        flow: str,
        *,
        preview: bool,
        full: bool,
        trigger: str = "manual",
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.session = session
        self.tenant_id, self.tenant_name, self.flow = tenant_id, tenant_name, flow
        self.preview, self.clock, self.now = preview, clock, now
        self.counts = dict.fromkeys(COUNT_KEYS.values(), 0)
        self.pending: list[dict[str, Any]] = []
        self.previewed: list[dict[str, Any]] = []
        self.started = clock()
        run = SyncRun(
            tenant_id=tenant_id,
            flow=flow,
            status=RUNNING,
            preview=preview,
            full_sync=full,
            trigger=trigger,
            started_at=now(),
            counts=dict(self.counts),
        )
        session.add(run)
        session.commit()
        self.run_id = run.id
        logs.bind(tenant=tenant_name, flow=flow, run_id=run.id)

    def count(self, action: str) -> None:
        """Count a decision that leaves no record (an unchanged record in a real run)."""
        self.counts[COUNT_KEYS[action]] += 1

    def add(self, outcome: Outcome) -> None:
        self.counts[COUNT_KEYS[outcome.action]] += 1
        if self.preview:
            self.previewed.append(outcome.as_json())
        elif outcome.action == "unchanged" and outcome.message is None:
            return
        self.pending.append(
            {
                "tenant_id": self.tenant_id,
                "run_id": self.run_id,
                "entity": outcome.entity,
                "key": outcome.key,
                "shopify_gid": outcome.shopify_gid,
                "action": outcome.action,
                "code": outcome.code,
                "message": outcome.message,
                "diff": outcome.diff,
            }
        )

    def flush(self) -> None:
        """Insert the buffered rows in the current transaction (the caller commits)."""
        if self.pending:
            insert_rows(self.session, SYNC_RECORDS, self.pending)
            self.pending = []

    def finish(
        self, *, api_cost: float, cursor: str | None = None, error: str | None = None
    ) -> RunResult:
        """Write the outcome of the run and commit; a failed run keeps the previous cursor."""
        self.flush()
        if error is not None:
            status = FAILED
        elif self.counts["rejected"]:
            status = PARTIAL
        else:
            status = SUCCEEDED
        duration = round(self.clock() - self.started, 3)
        run = self.session.get_one(SyncRun, self.run_id)
        run.status = status
        run.finished_at = self.now()
        run.counts = dict(self.counts)
        run.api_cost = float(api_cost)
        run.duration_s = duration
        run.cursor = None if error is not None or self.preview else cursor
        run.error = error
        self.session.commit()
        return RunResult(
            run_id=self.run_id,
            tenant=self.tenant_name,
            flow=self.flow,
            status=status,
            preview=self.preview,
            counts=dict(self.counts),
            api_cost=float(api_cost),
            duration_s=duration,
            error=error,
            records=self.previewed,
        )


def last_cursor(session: Session, tenant_id: int, flow: str) -> str | None:
    """The cursor of the newest run of ``flow`` that completed (succeeded or partial)."""
    return session.scalars(
        select(SyncRun.cursor)
        .where(
            SyncRun.tenant_id == tenant_id,
            SyncRun.flow == flow,
            SyncRun.preview.is_(False),
            SyncRun.status.in_((SUCCEEDED, PARTIAL)),
            SyncRun.cursor.is_not(None),
        )
        .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
        .limit(1)
    ).first()
