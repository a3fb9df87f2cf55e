"""Previews: the field-level diff of a dry run, and "Apply", which runs the flow for real.

"Preview" on the dashboard asks a worker for a dry run; its run page (a preview run) shows
what each record would become, field by field, from the diffs the flow recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import APIRouter
from starlette.responses import RedirectResponse

from wholesync.hub.models import SyncRecord, SyncRun
from wholesync.sync.runs import FAILED, RUNNING

from .jobs import start_job, watch
from .page import PageError, SignedIn
from .record_links import Links
from .records import RunId

router = APIRouter()


@dataclass(frozen=True)
class DiffRow:
    """One line of the preview table: a field of a record, from what to what."""

    record: SyncRecord
    links: Links
    first: bool
    field: str
    before: str
    after: str


def shown(value: Any) -> str:
    """A diff value as text: nothing for null, strings as they are, the rest as JSON."""
    if value is None:
        return ""
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def diff_rows(records: Iterable[tuple[SyncRecord, Links]]) -> list[DiffRow]:
    """A row per changed field; a record without a diff (rejected, archived) gets one row."""
    rows: list[DiffRow] = []
    for record, links in records:
        changes = list((record.diff or {}).items())
        if not changes:
            rows.append(DiffRow(record, links, True, "", "", ""))
        for index, (field, (before, after)) in enumerate(changes):
            rows.append(DiffRow(record, links, index == 0, field, shown(before), shown(after)))
    return rows


def can_apply(run: SyncRun) -> bool:
    return run.preview and run.status not in (RUNNING, FAILED)


@router.post("/runs/{run_id}/apply")
def apply_preview(page: SignedIn, run_id: RunId) -> RedirectResponse:
    """Run the previewed flow for real; the browser follows the run until it is done."""
    with page.reading() as session:
        run = page.owned(session, SyncRun, run_id, "run")
        if not can_apply(run):
            raise PageError(
                409,
                "NOT_APPLICABLE",
                f"Run {run_id} is not a finished preview, so there is nothing to apply. "
                "Preview the flow from the dashboard, then apply that preview.",
            )
        flow = run.flow
    job = start_job(page, flow, preview=False)
    return watch(page, job, f"Applying the preview: {flow} runs for real.")
