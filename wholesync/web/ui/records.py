"""A run's per-record outcomes: the filters shared by its page and its CSV export, and the
export itself (``/runs/{id}/records.csv``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated

import orjson
from fastapi import APIRouter, Path, Query
from sqlalchemy import Select, select
from starlette.responses import StreamingResponse

from wholesync.hub.models import SyncAction, SyncRecord, SyncRun
from wholesync.web.api.types import MAX_ID

from .page import Page, PageError, SignedIn

router = APIRouter()
RunId = Annotated[int, Path(ge=1, le=MAX_ID)]
Text = Annotated[str | None, Query(max_length=64)]
PageNumber = Annotated[int, Query(alias="page", ge=1, le=100_000)]
PER_PAGE = 50
COLUMNS = ("id", "entity", "key", "shopify_gid", "action", "code", "message", "diff")
# A cell starting with one of these is a formula to a spreadsheet: it is sent as text.
FORMULA_STARTS = ("=", "+", "-", "@")


def choice(value: str | None, allowed: Iterable[str], what: str) -> str | None:
    """A filter's value: None for "any" (absent or empty); refused when not one of ``allowed``."""
    if not value:
        return None
    options = list(allowed)
    if value not in options:
        raise PageError(
            422, "INVALID_FILTER", f"{value!r} is not a {what}; choose one of {', '.join(options)}."
        )
    return value


@dataclass(frozen=True)
class RecordFilter:
    """Which records of a run to show: by action and error code; a preview hides the
    records it would leave unchanged unless asked for them."""

    action: str | None = None
    code: str | None = None

    @classmethod
    def parse(cls, action: str | None, code: str | None) -> RecordFilter:
        return cls(choice(action, tuple(SyncAction), "record action"), code or None)

    def args(self) -> dict[str, str]:
        """The filter as query parameters (those given)."""
        return {k: v for k, v in (("action", self.action), ("code", self.code)) if v}

    def query(self, run: SyncRun) -> Select[SyncRecord]:
        query = select(SyncRecord).where(
            SyncRecord.tenant_id == run.tenant_id, SyncRecord.run_id == run.id
        )
        if self.action is not None:
            query = query.where(SyncRecord.action == self.action)
        elif run.preview:
            query = query.where(
                (SyncRecord.action != SyncAction.UNCHANGED) | SyncRecord.message.is_not(None)
            )
        if self.code is not None:
            query = query.where(SyncRecord.code == self.code)
        return query.order_by(SyncRecord.id)


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: a leading apostrophe defuses a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _row(record: SyncRecord) -> list[str]:
    diff = orjson.dumps(record.diff).decode() if record.diff else ""
    values = (*(getattr(record, column) for column in COLUMNS[:-1]), diff)
    return [safe_cell(value) for value in values]


@router.get("/runs/{run_id}/records.csv")
def export_records(
    page: SignedIn, run_id: RunId, action: Text = None, code: Text = None
) -> StreamingResponse:
    """The run's records (as filtered on its page) as CSV, for a spreadsheet."""
    chosen = RecordFilter.parse(action, code)
    with page.reading() as session:
        run = page.owned(session, SyncRun, run_id, "run")
        query = chosen.query(run)
    return StreamingResponse(
        _csv(page, query),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="run-{run_id}-records.csv"'},
    )


def _csv(page: Page, query: Select[SyncRecord]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    with page.reading() as session:
        for record in session.scalars(query.execution_options(yield_per=1000)):
            writer.writerow(_row(record))
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()
