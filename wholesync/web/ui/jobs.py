"""Requested runs (jobs): starting one from a page, and watching it until its run is done.

"Run now", "Preview" and "Apply" request a job that a worker runs; the browser is sent to
``/jobs?id=N``, which polls ``/jobs/progress?id=N`` every second and moves on to the run's
page once the job has finished.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from wholesync.hub.models import SyncRun
from wholesync.runtime.jobs import JobError
from wholesync.runtime.models import WAITING, Job, JobStatus
from wholesync.sync.flows import runnable
from wholesync.sync.registry import FLOWS
from wholesync.sync.tenants import TenantError

from .page import Page, PageError, SignedIn, not_found
from .run_progress import live_counts

router = APIRouter()
JobId = Annotated[int | None, Query(ge=1, le=2**53)]
RECENT_JOBS = 50


def start_job(page: Page, flow: str, *, preview: bool) -> Job:
    """Request a manual run (or preview) of ``flow``; refused with how to fix it when the
    flow does not exist or is off for this tenant."""
    if flow not in FLOWS:
        raise PageError(404, "UNKNOWN_FLOW", f"No flow named {flow!r}; use the dashboard.")
    try:
        _, skipped = runnable(page.runtime.sessions, page.viewer.tenant_name, [FLOWS[flow]])
        if skipped:
            raise PageError(
                409,
                "FLOW_DISABLED",
                f"{flow} does not run: {skipped[0][1]}. Change it in Settings.",
            )
        return page.runtime.request_run(page.tenant_id, flow, trigger="manual", preview=preview)
    except (JobError, TenantError) as exc:
        raise PageError(409, exc.code, exc.message) from exc


def watch(page: Page, job: Job, notice: str) -> RedirectResponse:
    return page.redirect(f"/jobs?id={job.id}", notice=notice)


@dataclass(frozen=True)
class Watched:
    """A job being watched, with its run while it runs."""

    job: Job
    run: SyncRun | None
    counts: dict[str, int]

    @property
    def done(self) -> bool:
        return self.job.status not in (*WAITING, JobStatus.RUNNING)


def _job(page: Page, session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None or job.tenant_id != page.tenant_id:
        raise not_found("job", job_id)
    return job


def _watched(page: Page, session: Session, job: Job) -> Watched:
    run = None
    if job.run_id is not None:
        run = session.get(SyncRun, job.run_id)
    elif job.status == JobStatus.RUNNING and job.started_at is not None:
        # The lease lets one run of (tenant, flow) go at a time: the one started since.
        run = session.scalars(
            select(SyncRun)
            .where(
                SyncRun.tenant_id == page.tenant_id,
                SyncRun.flow == job.flow,
                SyncRun.preview.is_(job.preview),
                SyncRun.started_at >= job.started_at,
            )
            .order_by(SyncRun.id)
            .limit(1)
        ).first()
    counts = live_counts(session, run) if run is not None else {}
    return Watched(job, run, counts)


@router.get("/jobs", response_model=None)
def list_jobs(page: SignedIn, id: JobId = None) -> Response:
    """The tenant's recent jobs; ``id`` watches one of them until it is done, then shows
    its run."""
    with page.reading() as session:
        watched = _watched(page, session, _job(page, session, id)) if id is not None else None
        if watched is not None and watched.done and watched.job.run_id is not None:
            return page.redirect(f"/runs/{watched.job.run_id}")
        recent = session.scalars(
            select(Job)
            .where(Job.tenant_id == page.tenant_id)
            .order_by(Job.created_at.desc(), Job.id.desc())
            .limit(RECENT_JOBS)
        ).all()
        return page.render("runs/jobs.html", watched=watched, jobs=recent)


@router.get("/jobs/progress", response_model=None)
def job_progress(page: SignedIn, id: JobId = None) -> Response:
    """The watched job's live state (an htmx fragment); once its run is done, the browser
    is sent to the run's page."""
    if id is None:
        return page.redirect("/jobs")
    with page.reading() as session:
        watched = _watched(page, session, _job(page, session, id))
    if watched.done and watched.job.run_id is not None:
        return Response(status_code=200, headers={"HX-Redirect": f"/runs/{watched.job.run_id}"})
    return page.render("runs/job_progress.html", watched=watched)
