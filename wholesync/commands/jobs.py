"""``wholesync jobs``: the queued, running and finished jobs, with their errors."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text
from sqlalchemy import select

from wholesync.commands.common import console, iso, print_json, session_scope, when
from wholesync.hub.models import Tenant
from wholesync.runtime.jobs import list_jobs
from wholesync.runtime.models import Job, JobStatus
from wholesync.sync.tenants import get_tenant

COLOURS = {"succeeded": "green", "failed": "red", "retrying": "yellow", "running": "cyan"}


def jobs(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's jobs.")] = None,
    status: Annotated[JobStatus | None, typer.Option(help="Only jobs in this status.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="How many, newest first.")] = 50,
    json: Annotated[bool, typer.Option("--json", help="One JSON object per job.")] = False,
) -> None:
    """List jobs, newest first; failed jobs keep their error."""
    with session_scope() as sessions, sessions() as session:
        tenant_id = get_tenant(session, tenant).id if tenant is not None else None
        rows = list_jobs(
            session,
            tenant_id=tenant_id,
            status=status.value if status is not None else None,
            limit=limit,
        )
        names = {id_: name for id_, name in session.execute(select(Tenant.id, Tenant.name))}
    if json:
        for job in rows:
            print_json(_as_json(job, names[job.tenant_id]))
        return
    if not rows:
        console.print("No jobs.")
        return
    table = Table(title="Jobs (newest first)")
    for column in ("id", "tenant", "flow", "trigger", "status", "attempts", "created", "finished"):
        table.add_column(column, justify="right" if column in ("id", "attempts") else "left")
    table.add_column("run", justify="right")
    table.add_column("error", overflow="fold")
    for job in rows:
        table.add_row(
            str(job.id),
            names[job.tenant_id],
            f"{job.flow} (full)" if job.full else job.flow,
            job.trigger,
            Text(job.status, style=COLOURS.get(job.status, "")),
            f"{job.attempts}/{job.max_attempts}",
            when(job.created_at),
            when(job.finished_at),
            str(job.run_id or ""),
            Text(job.error or ""),  # plain text: an error may hold [brackets]
        )
    console.print(table)


def _as_json(job: Job, tenant: str) -> dict[str, Any]:
    return {
        "id": job.id,
        "tenant": tenant,
        "flow": job.flow,
        "full": job.full,
        "trigger": job.trigger,
        "status": job.status,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "not_before": iso(job.not_before),
        "created_at": iso(job.created_at),
        "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at),
        "run_id": job.run_id,
        "error": job.error,
    }
