"""``/runs``: the record of every sync run and what it did to each record, read-only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from wholesync.hub.filters import where_equal, where_since
from wholesync.hub.models import SyncAction, SyncRecord, SyncRun

from .access import ApiContext
from .errors import problems
from .paging import LINK_HEADER, LISTED, Page, Paging
from .types import MAX_ID, Since, query_text

router = APIRouter(prefix="/runs", tags=["runs"])
RunId = Annotated[int, Path(ge=1, le=MAX_ID, description="The run's id.")]
Name = Annotated[str | None, query_text(64)]
# Records shown inline with a run; the rest are paged under /runs/{id}/records.
INLINE_RECORDS = 50


class RecordOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    entity: str
    key: str | None
    shopify_gid: str | None
    action: SyncAction
    code: str | None = Field(description="The error code of a rejected record.")
    message: str | None = Field(description="What went wrong and how to fix it.")
    diff: dict[str, Any] | None


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    flow: str
    status: str
    preview: bool
    full_sync: bool
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, Any]
    api_cost: float
    duration_s: float | None
    error: str | None


class RunDetail(RunOut):
    records: list[RecordOut] = Field(
        description=f"The first {INLINE_RECORDS} records; page through /runs/{{id}}/records."
    )


class RunPage(Page[RunOut]):
    pass


class RecordPage(Page[RecordOut]):
    pass


@router.get("", response_model=RunPage, responses=LISTED)
def list_runs(
    api: ApiContext,
    paging: Paging,
    flow: Name = None,
    status: Name = None,
    started_since: Since = None,
) -> RunPage:
    """Sync runs, oldest first; filter by flow (products, customers, inventory, ...) and
    status (succeeded, failed, ...)."""
    query = where_equal(
        SyncRun.for_tenant(api.tenant_id), (SyncRun.flow, flow), (SyncRun.status, status)
    )
    query = where_since(query, SyncRun.started_at, started_since)
    return paging.page(api, query, SyncRun.id, "runs", RunPage, RunOut.model_validate)


@router.get("/{run_id}", response_model=RunDetail, responses=problems(404))
def read_run(api: ApiContext, run_id: RunId) -> RunDetail:
    with api.reading() as session:
        run = api.owned(session, SyncRun, run_id, "run")
        records = session.scalars(
            select(SyncRecord)
            .where(SyncRecord.run_id == run.id)
            .order_by(SyncRecord.id)
            .limit(INLINE_RECORDS)
        )
        return RunDetail.model_validate(
            {
                **RunOut.model_validate(run).model_dump(),
                "records": [RecordOut.model_validate(r) for r in records],
            }
        )


@router.get(
    "/{run_id}/records",
    response_model=RecordPage,
    responses={200: {"headers": LINK_HEADER}, **problems(400, 404)},
)
def list_records(
    api: ApiContext,
    run_id: RunId,
    paging: Paging,
    action: SyncAction | None = None,
    code: Name = None,
) -> RecordPage:
    """The run's records; ``action=reject`` lists what was refused, with codes and fixes."""
    with api.reading() as session:
        api.owned(session, SyncRun, run_id, "run")
    query = where_equal(
        SyncRecord.for_tenant(api.tenant_id),
        (SyncRecord.run_id, run_id),
        (SyncRecord.action, action),
        (SyncRecord.code, code),
    )
    return paging.page(
        api, query, SyncRecord.id, f"runs-{run_id}", RecordPage, RecordOut.model_validate
    )
