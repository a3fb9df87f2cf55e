"""Runs: the filterable list of a tenant's sync runs, and one run's page (live progress while
it runs, then its records with their errors and links; a preview shows its diff)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import APIRouter
from sqlalchemy import func, select
from starlette.responses import HTMLResponse

from wholesync.hub.models import SyncRecord, SyncRun
from wholesync.sync.registry import FLOWS
from wholesync.sync.runs import FAILED, PARTIAL, RUNNING, SUCCEEDED

from .page import SignedIn
from .previews import can_apply, diff_rows
from .record_links import HubLinks
from .records import PER_PAGE, PageNumber, RecordFilter, RunId, Text, choice
from .run_progress import live_counts

router = APIRouter()
STATUSES = (SUCCEEDED, PARTIAL, FAILED, RUNNING)
KINDS = {"real": False, "preview": True}


@router.get("/runs")
def list_runs(
    page: SignedIn,
    flow: Text = None,
    status: Text = None,
    trigger: Text = None,
    kind: Text = None,
    number: PageNumber = 1,
) -> HTMLResponse:
    """The tenant's runs, newest first, filtered by flow, status, trigger and preview."""
    filters = {
        "flow": choice(flow, FLOWS, "flow"),
        "status": choice(status, STATUSES, "run status"),
        "trigger": trigger or None,
        "kind": choice(kind, KINDS, "kind of run (real or preview)"),
    }
    query = select(SyncRun).where(SyncRun.tenant_id == page.tenant_id)
    for column in ("flow", "status", "trigger"):
        if filters[column] is not None:
            query = query.where(getattr(SyncRun, column) == filters[column])
    if filters["kind"] is not None:
        query = query.where(SyncRun.preview.is_(KINDS[filters["kind"]]))
    with page.reading() as session:
        runs = session.scalars(
            query.order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
            .offset((number - 1) * PER_PAGE)
            .limit(PER_PAGE + 1)
        ).all()
        triggers = session.scalars(
            select(SyncRun.trigger)
            .where(SyncRun.tenant_id == page.tenant_id)
            .distinct()
            .order_by(SyncRun.trigger)
        ).all()
        return page.render(
            "runs/list.html",
            runs=runs[:PER_PAGE],
            more=len(runs) > PER_PAGE,
            number=number,
            args=_pages({k: v for k, v in filters.items() if v}),
            filters=filters,
            flows=list(FLOWS),
            statuses=STATUSES,
            triggers=triggers,
            kinds=list(KINDS),
        )


@router.get("/runs/{run_id}")
def show_run(
    page: SignedIn,
    run_id: RunId,
    action: Text = None,
    code: Text = None,
    number: PageNumber = 1,
) -> HTMLResponse:
    """One run: its progress while it runs; then its records, by action and error code."""
    chosen = RecordFilter.parse(action, code)
    with page.reading() as session:
        run = page.owned(session, SyncRun, run_id, "run")
        tenant = page.tenant(session)
        found = session.scalars(
            chosen.query(run).offset((number - 1) * PER_PAGE).limit(PER_PAGE + 1)
        ).all()
        resolver = HubLinks(session, page.tenant_id, tenant.shop_domain)
        records = [(record, resolver.links(record)) for record in found[:PER_PAGE]]
        codes = session.scalars(
            select(SyncRecord.code)
            .where(SyncRecord.run_id == run.id, SyncRecord.code.is_not(None))
            .group_by(SyncRecord.code)
            .order_by(func.count().desc())
        ).all()
        return page.render(
            "runs/preview.html" if run.preview else "runs/run.html",
            run=run,
            tally=live_counts(session, run),
            records=records,
            rows=diff_rows(records) if run.preview else [],
            can_apply=can_apply(run),
            more=len(found) > PER_PAGE,
            number=number,
            args=_pages(chosen.args()),
            csv_args=urlencode(chosen.args()),
            chosen=chosen,
            actions=["create", "update", "unchanged", "archive", "reject"],
            codes=codes,
        )


def _pages(args: dict[str, str]) -> Callable[[int], str]:
    """The query string of page ``n`` with the same filters."""
    return lambda n: urlencode({**args, "page": n})
