"""A run's live progress: its counts so far, polled by the run page while it runs.

A run writes its counts when it ends, but its records commit batch by batch, so while it
runs the counts are those of the records kept so far (a real run keeps no row for an
unchanged record, so those show at the end).
"""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from wholesync.hub.models import SyncRecord, SyncRun
from wholesync.sync.runs import COUNT_KEYS, RUNNING

from .page import SignedIn

router = APIRouter()


def live_counts(session: Session, run: SyncRun) -> dict[str, int]:
    """The run's counts (created, updated, ...): final once it ended, so far while it runs."""
    counts = dict.fromkeys(COUNT_KEYS.values(), 0)
    if run.status != RUNNING:
        counts.update({k: int(v) for k, v in run.counts.items() if k in counts})
        return counts
    rows = session.execute(
        select(SyncRecord.action, func.count())
        .where(SyncRecord.run_id == run.id)
        .group_by(SyncRecord.action)
    )
    for action, count in rows:
        counts[COUNT_KEYS[action]] = count
    return counts


@router.get("/runs/{run_id}/progress", response_model=None)
def run_progress(page: SignedIn, run_id: int) -> Response:
    """The running run's counts (an htmx fragment); when it has ended, the page reloads."""
    with page.reading() as session:
        run = page.owned(session, SyncRun, run_id, "run")
        if run.status != RUNNING:
            return Response(status_code=200, headers={"HX-Redirect": f"/runs/{run.id}"})
        return page.render("runs/progress.html", run=run, tally=live_counts(session, run))
