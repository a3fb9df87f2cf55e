"""The dashboard: every flow of the tenant with its last run, what runs now and when it runs
next, "Run now" and "Preview", and charts of the last days' runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, RedirectResponse

from wholesync.hub.models import SyncRun
from wholesync.runtime.models import WAITING, Job, JobStatus, ScheduleState
from wholesync.sync.cron import CronError, next_time, parse_cron
from wholesync.sync.flows import runnable
from wholesync.sync.registry import FLOWS
from wholesync.sync.tenants import TenantError

from .charts import run_charts
from .jobs import start_job, watch
from .page import Page, SignedIn

router = APIRouter()
FlowField = Annotated[str, Form(max_length=32)]


@dataclass(frozen=True)
class FlowRow:
    """One flow as the dashboard shows it."""

    name: str
    off: str | None  # why it does not run, when it does not
    schedule: str
    next_at: datetime | None
    last: SyncRun | None
    job: Job | None  # the real run waiting or running now

    @property
    def errors(self) -> int:
        return int(self.last.counts.get("rejected", 0)) if self.last is not None else 0


def _next_at(session: Session, page: Page, flow: str, cron: str) -> datetime | None:
    """When the scheduler next requests ``flow``: its kept due time, or the next cron time."""
    state = session.get(ScheduleState, (page.tenant_id, flow))
    if state is not None and state.cron == cron:
        return state.next_due_at
    try:
        return next_time(parse_cron(cron), page.runtime.clock())
    except CronError:
        return None


def _rows(session: Session, page: Page) -> tuple[list[FlowRow], str | None]:
    """The flow rows, and why the whole tenant does not sync (disabled, broken settings)."""
    problem: str | None = None
    try:
        _, skipped = runnable(page.runtime.sessions, page.viewer.tenant_name, FLOWS.values())
        settings = page.settings(session)
    except TenantError as exc:
        problem, off, schedules = exc.message, dict.fromkeys(FLOWS, exc.message), {}
    else:
        off = {spec.name: why for spec, why in skipped}
        schedules = {name: getattr(settings.flows, name).schedule for name in FLOWS}
    jobs = {
        job.flow: job
        for job in session.scalars(
            select(Job)
            .where(
                Job.tenant_id == page.tenant_id,
                Job.preview.is_(False),
                Job.status.in_((*WAITING, JobStatus.RUNNING)),
            )
            .order_by(Job.id)
        )
    }
    rows = []
    for name in FLOWS:
        last = session.scalars(
            select(SyncRun)
            .where(
                SyncRun.tenant_id == page.tenant_id,
                SyncRun.flow == name,
                SyncRun.preview.is_(False),
            )
            .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
            .limit(1)
        ).first()
        cron = schedules.get(name, "")
        due = _next_at(session, page, name, cron) if cron and name not in off else None
        rows.append(FlowRow(name, off.get(name), cron, due, last, jobs.get(name)))
    return rows, problem


@router.get("/dashboard")
def dashboard(page: SignedIn) -> HTMLResponse:
    with page.reading() as session:
        rows, problem = _rows(session, page)
        charts = run_charts(session, page.tenant_id, page.runtime.clock())
        return page.render("dashboard.html", rows=rows, problem=problem, charts=charts)


@router.post("/dashboard/run")
def run_now(page: SignedIn, flow: FlowField) -> RedirectResponse:
    """Ask a worker to run ``flow`` now; the browser follows the job."""
    job = start_job(page, flow, preview=False)
    return watch(page, job, f"{flow} is queued; a worker runs it shortly.")


@router.post("/dashboard/preview")
def preview(page: SignedIn, flow: FlowField) -> RedirectResponse:
    """Ask a worker for a dry run of ``flow``: what it would change, written nowhere."""
    job = start_job(page, flow, preview=True)
    return watch(page, job, f"Previewing {flow}; nothing is written to the hub.")
