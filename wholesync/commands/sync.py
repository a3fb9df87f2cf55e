"""``wholesync sync``: run a flow (or all inbound flows) for a tenant, with progress bars and a
summary."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import orjson
import typer
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from wholesync.commands.common import (
    EXIT_FAILED,
    console,
    errors,
    fail,
    print_json,
    session_scope,
)
from wholesync.hub.db import reader_sessions
from wholesync.runtime.leases import LeaseManager
from wholesync.settings import Settings
from wholesync.sync.flows import Flow, run_for_tenant, runnable
from wholesync.sync.registry import FLOW_SPECS, FLOWS
from wholesync.sync.runs import FAILED, RunResult
from wholesync.sync.tenants import get_tenant

# How many records of a preview are printed before "... and N more".
PREVIEW_LIMIT = 200


ALL = "all"


def sync(
    target: Annotated[
        str,
        typer.Argument(
            help=f"Which flow to run: {', '.join(FLOWS)}; {ALL} runs every flow from Shopify "
            "to the hub.",
            show_default=False,
        ),
    ],
    tenant: Annotated[str, typer.Option(help="The tenant to sync.")],
    full: Annotated[
        bool, typer.Option(help="Read everything (bulk operation), not just what changed.")
    ] = False,
    preview: Annotated[
        bool, typer.Option(help="Dry run: show what would change, write nothing.")
    ] = False,
    json: Annotated[bool, typer.Option("--json", help="One JSON object per flow run.")] = False,
) -> None:
    """Bring products, customers and stock from Shopify into the hub; export orders."""
    if target != ALL and target not in FLOWS:
        fail("UNKNOWN_FLOW", f"No flow named {target!r}; use one of {', '.join([*FLOWS, ALL])}.")
    flows = list(FLOW_SPECS.values()) if target == ALL else [FLOWS[target]]
    results: list[RunResult] = []
    busy: list[str] = []
    with session_scope() as sessions:
        specs, skipped = runnable(sessions, tenant, flows)
        for spec, why in skipped:
            if target != ALL:
                fail("FLOW_DISABLED", f"{spec.name} does not run for {tenant}: {why}.")
            errors.print(f"Skipping {spec.name}: {why}.", highlight=False)
        if json:
            for result in _leased_runs(sessions, tenant, specs, busy, full=full, preview=preview):
                print_json(result.as_json())
                results.append(result)
        else:
            results = _with_progress(sessions, tenant, specs, busy, full=full, preview=preview)
    if not json:
        if preview:
            for result in results:
                _print_preview(result)
        _print_summary(results)
    if busy or any(r.status == FAILED for r in results):
        raise typer.Exit(EXIT_FAILED)


def _leased_runs(
    sessions: sessionmaker[Session],
    tenant: str,
    specs: list[Flow],
    busy: list[str],
    *,
    full: bool,
    preview: bool,
    on_progress: Callable[[str, int], None] | None = None,
) -> Iterator[RunResult]:
    """Run each flow under the lease of its (tenant, flow), as a worker does, so that a run
    from the command line never runs beside a queued one. A busy flow is reported with
    FLOW_BUSY, added to ``busy`` and skipped. A preview writes nothing and needs no lease."""
    options: dict[str, Any] = {"full": full, "preview": preview, "on_progress": on_progress}
    if preview:
        # A preview reads for as long as Shopify takes; it must not hold SQLite's write lock.
        yield from run_for_tenant(reader_sessions(sessions.kw["bind"]), tenant, specs, **options)
        return
    leases = LeaseManager(sessions, ttl=Settings().lease_ttl_seconds)
    holder = f"cli:{socket.gethostname()}:{os.getpid()}"
    with sessions() as session:
        tenant_id = get_tenant(session, tenant).id
    for spec in specs:
        with leases.held(tenant_id, spec.name, holder) as held:
            if held:
                yield from run_for_tenant(sessions, tenant, [spec], **options)
                continue
        busy.append(spec.name)
        errors.print(
            f"[bold red]FLOW_BUSY[/]: a run of {spec.name} for {tenant} is in progress; "
            "wait for it to finish (`wholesync jobs --status running`) and run again.",
            highlight=False,
        )


def _with_progress(
    sessions: sessionmaker[Session],
    tenant: str,
    specs: list[Flow],
    busy: list[str],
    *,
    full: bool,
    preview: bool,
) -> list[RunResult]:
    results = []
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description:<10}"),
        BarColumn(),
        TextColumn("{task.completed:>8,.0f} records"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bars:
        tasks: dict[str, TaskID] = {s.name: bars.add_task(s.name, total=None) for s in specs}

        def advance(name: str, count: int) -> None:
            bars.advance(tasks[name], count)

        for result in _leased_runs(
            sessions, tenant, specs, busy, full=full, preview=preview, on_progress=advance
        ):
            task = tasks[result.flow]
            done = bars.tasks[task].completed
            bars.update(task, total=max(done, 1), completed=max(done, 1))
            results.append(result)
    return results


def _print_summary(results: list[RunResult]) -> None:
    table = Table(title="Sync summary")
    for column in ("flow", "status", "created", "updated", "unchanged", "archived", "rejected"):
        table.add_column(column, justify="right" if column not in ("flow", "status") else "left")
    table.add_column("API cost", justify="right")
    table.add_column("seconds", justify="right")
    for r in results:
        colour = {"succeeded": "green", "partial": "yellow", "failed": "red"}.get(r.status, "")
        flow = f"{r.flow} (preview)" if r.preview else r.flow
        counts = [f"{r.counts[k]:,}" for k in ("created", "updated", "unchanged", "archived")]
        table.add_row(
            flow,
            f"[{colour}]{r.status}[/]",
            *counts,
            f"{r.counts['rejected']:,}",
            f"{r.api_cost:,.0f}",
            f"{r.duration_s:.1f}",
        )
    console.print(table)
    for r in results:
        if r.error:
            console.print(f"[red]{r.flow} failed[/]: {r.error}", highlight=False)
        elif r.counts["rejected"] and not r.preview:
            console.print(
                f"{r.flow}: {r.counts['rejected']} rejected record(s); see run {r.run_id}.",
                highlight=False,
            )


def _print_preview(result: RunResult) -> None:
    changes = [r for r in result.records if r["action"] != "unchanged" or r.get("message")]
    if not changes:
        console.print(f"Preview of {result.flow}: nothing would change.", highlight=False)
        return
    table = Table(title=f"Preview of {result.flow}: what a sync would do")
    for column in ("action", "record", "field", "hub now", "after sync"):
        table.add_column(column, overflow="fold")
    for record in changes[:PREVIEW_LIMIT]:
        label = record["key"] or record["shopify_gid"] or ""
        if record["action"] == "reject":
            table.add_row("reject", label, record["code"] or "", "", record["message"] or "")
            continue
        diff: dict[str, list[Any]] = record["diff"] or {}
        if record["action"] == "create":
            table.add_row("create", label, f"{len(diff)} fields", "", "new")
            continue
        if not diff:
            table.add_row(record["action"], label, "", "", record.get("message") or "")
        for index, (field, (old, new)) in enumerate(diff.items()):
            first = index == 0
            table.add_row(
                record["action"] if first else "",
                label if first else "",
                field,
                _show(old),
                _show(new),
            )
    console.print(table)
    if len(changes) > PREVIEW_LIMIT:
        console.print(f"... and {len(changes) - PREVIEW_LIMIT} more (use --json for all).")


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value if len(value) <= 80 else value[:77] + "..."
    shown = orjson.dumps(value).decode()
    return shown if len(shown) <= 80 else shown[:77] + "..."
