"""Running an inbound flow for a tenant: fetch, map, load, and keep the run record.

A flow is described by a :class:`FlowSpec` (products.py, customers.py, inventory.py): how to
fetch its nodes, how to map one, and which loader writes them. The first run of a flow, and
any run with ``full=True``, reads everything through a bulk operation and afterwards archives
what Shopify no longer returned. Other runs read only what changed since the newest
``updatedAt`` the last completed run saw (its cursor), page by page. A webhook batch reads
just the records it names, by id (``FlowSpec.fetch_ids``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from wholesync.hub.models import Tenant
from wholesync.shopify import ShopifyClient, ShopifyError
from wholesync.sync.pipeline import Loader, Pipeline
from wholesync.sync.runs import Outcome, RunRecorder, RunResult, last_cursor
from wholesync.sync.settings import FlowName, TenantSettings
from wholesync.sync.tenants import TenantError, build_client, get_tenant, tenant_settings

# Failures that end a run as failed; anything else is recorded too, then raised.
RUN_FAILURES = (ShopifyError, OperationalError)
# Re-read a little before the cursor: Shopify's search index lags writes by a moment, and
# records re-read unchanged cost only a fingerprint comparison.
CURSOR_OVERLAP = timedelta(seconds=1)


@dataclass
class Context:
    """What a flow's fetch and setup may use."""

    session: Session
    tenant: Tenant
    settings: TenantSettings
    client: ShopifyClient
    preview: bool
    # Decisions taken before the records (e.g. warehouses created), recorded with the run.
    outcomes: list[Outcome]


class Flow(Protocol):
    """Anything run by name (queue, schedules, ``wholesync sync``): inbound specs and the
    outbound flows. ``full`` means "read everything" to a flow that reads Shopify; an
    outbound flow ignores it."""

    @property
    def name(self) -> FlowName: ...

    def run(
        self,
        session: Session,
        tenant: Tenant,
        client: ShopifyClient,
        *,
        full: bool = False,
        preview: bool = False,
        trigger: str = "manual",
        on_progress: Callable[[int], None] | None = None,
    ) -> RunResult: ...


F = TypeVar("F", bound=Flow)
R = TypeVar("R")


@dataclass(frozen=True)
class FlowSpec:
    """One inbound flow."""

    name: FlowName
    entity: str
    # (context, cursor or None for everything) -> Shopify nodes
    fetch: Callable[[Context, str | None], Iterable[dict[str, Any]]]
    # (context, GIDs) -> the current nodes of those records; a GID Shopify no longer finds is
    # yielded as {"id": gid} (a tombstone the mapper archives), except by flows without one.
    fetch_ids: Callable[[Context, Sequence[str]], Iterable[dict[str, Any]]]
    # context -> (mapper of one node, loader)
    prepare: Callable[[Context], tuple[Callable[[dict[str, Any]], Any], Loader]]
    # Whether a run without cursor (full) may archive what it did not see.
    sweeps: bool = True

    def run(
        self,
        session: Session,
        tenant: Tenant,
        client: ShopifyClient,
        *,
        full: bool = False,
        preview: bool = False,
        trigger: str = "manual",
        on_progress: Callable[[int], None] | None = None,
    ) -> RunResult:
        return run_flow(
            self,
            session,
            tenant,
            client,
            full=full,
            preview=preview,
            trigger=trigger,
            on_progress=on_progress,
        )


def fetch_context(
    session: Session, tenant: Tenant, client: ShopifyClient, preview: bool = False
) -> Context:
    """A context for calling a spec's ``fetch_ids`` outside ``run_flow`` (webhook batches)."""
    return Context(session, tenant, tenant_settings(tenant), client, preview, [])


def wanted_gids(gids: Iterable[str | int], kind: str) -> list[str]:
    """``gids`` as GIDs of ``kind``, each once, in order. A bare number (a REST id, as webhook
    bodies carry) becomes that kind's GID; anything else is a ``ValueError`` naming it, raised
    before any request, because one bad id would make Shopify refuse the whole batch."""
    pattern = re.compile(rf"^gid://shopify/{re.escape(kind)}/[1-9][0-9]*$")
    found: dict[str, None] = {}
    for raw in gids:
        gid = raw if isinstance(raw, str) else str(raw)
        if gid.isdigit():
            gid = f"gid://shopify/{kind}/{gid}"
        if not pattern.match(gid):
            raise ValueError(
                f"{raw!r} is not a {kind} id; pass GIDs like gid://shopify/{kind}/123 "
                "(or the number alone)."
            )
        found.setdefault(gid)
    return list(found)


def in_batches(
    ids: Sequence[int],
    size: int,
    handle: Callable[[Sequence[int]], R],
    on_progress: Callable[[int], None] | None = None,
) -> list[R]:
    """Hand ``ids`` to ``handle`` ``size`` at a time (each batch commits its own work), and
    report each batch's length; what ``handle`` returned, batch by batch."""
    handled: list[R] = []
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        handled.append(handle(chunk))
        if on_progress is not None:
            on_progress(len(chunk))
    return handled


def fetch_by_ids(
    client: ShopifyClient,
    operation: str,
    gids: Sequence[str],
    *,
    batch: int,
    tombstones: bool,
) -> Iterator[dict[str, Any]]:
    """The nodes of ``gids`` by the ``nodes(ids:)`` document ``operation``, ``batch`` ids per
    call. A GID that comes back null is gone: ``{"id": gid}`` when ``tombstones``, else skipped."""
    for start in range(0, len(gids), batch):
        chunk = list(gids[start : start + batch])
        found = client.execute(operation, {"ids": chunk}).get("nodes") or []
        for gid, node in zip(chunk, found, strict=False):
            if node:
                yield node
            elif node is None and tombstones:
                yield {"id": gid}


def search_after(cursor: str) -> str:
    """The ``query:`` filter for records changed since ``cursor`` (an ISO timestamp)."""
    moment = datetime.fromisoformat(cursor) - CURSOR_OVERLAP
    return f"updated_at:>='{moment.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}'"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_flow(
    spec: FlowSpec,
    session: Session,
    tenant: Tenant,
    client: ShopifyClient,
    *,
    full: bool = False,
    preview: bool = False,
    on_progress: Callable[[int], None] | None = None,
    nodes: Iterable[dict[str, Any]] | None = None,
    batch_size: int = 500,
    trigger: str = "manual",
) -> RunResult:
    """Run ``spec`` for ``tenant``.

    ``nodes`` replaces the fetch (webhooks, benchmarks). Such a run sees only some records, so
    it neither archives what it did not see nor moves the cursor: a change whose webhook was
    lost must still be found by the next reconcile.
    """
    settings = tenant_settings(tenant)
    previous = None if full else last_cursor(session, tenant.id, spec.name)
    is_full = previous is None and nodes is None
    recorder = RunRecorder(
        session,
        tenant.id,
        tenant.name,
        spec.name,
        preview=preview,
        full=is_full,
        trigger=trigger,
    )
    context = Context(session, tenant, settings, client, preview, [])
    cost_before = client.cost_used
    try:
        mapper, loader = spec.prepare(context)
        for outcome in context.outcomes:
            recorder.add(outcome)
        pipeline = Pipeline(
            session,
            recorder,
            loader,
            mapper,
            entity=spec.entity,
            preview=preview,
            batch_size=batch_size,
            on_progress=on_progress,
        )
        source = nodes if nodes is not None else spec.fetch(context, previous)
        progress = pipeline.run(source)
        if is_full and spec.sweeps:
            pipeline.sweep()
    except RUN_FAILURES as exc:
        return end_failed(session, recorder, client.cost_used - cost_before, exc)
    except BaseException as exc:
        end_failed(session, recorder, client.cost_used - cost_before, exc)
        raise
    newest = progress.newest
    cursor = None if nodes is not None else previous
    if (
        nodes is None
        and newest is not None
        and (previous is None or newest > datetime.fromisoformat(previous))
    ):
        cursor = _iso(newest)
    return recorder.finish(api_cost=client.cost_used - cost_before, cursor=cursor)


class Export(Protocol):
    """An outbound flow's run: from the hub to Shopify."""

    def __call__(
        self,
        session: Session,
        tenant: Tenant,
        client: ShopifyClient,
        *,
        preview: bool,
        trigger: str,
        on_progress: Callable[[int], None] | None,
    ) -> RunResult: ...


@dataclass(frozen=True)
class OutboundFlow:
    """An outbound flow run by name (queue, schedules, ``wholesync sync NAME``)."""

    name: FlowName
    export: Export

    def run(
        self,
        session: Session,
        tenant: Tenant,
        client: ShopifyClient,
        *,
        full: bool = False,
        preview: bool = False,
        trigger: str = "manual",
        on_progress: Callable[[int], None] | None = None,
    ) -> RunResult:
        return self.export(
            session, tenant, client, preview=preview, trigger=trigger, on_progress=on_progress
        )


def run_recorded(
    session: Session, recorder: RunRecorder, client: ShopifyClient, work: Callable[[], None]
) -> RunResult:
    """Do an outbound run's ``work`` and finish its run record, failed if the work failed
    (then raising anything that is not a run failure)."""
    cost_before = client.cost_used
    try:
        work()
    except RUN_FAILURES as exc:
        return end_failed(session, recorder, client.cost_used - cost_before, exc)
    except BaseException as exc:
        end_failed(session, recorder, client.cost_used - cost_before, exc)
        raise
    return recorder.finish(api_cost=client.cost_used - cost_before)


def end_failed(
    session: Session, recorder: RunRecorder, api_cost: float, exc: BaseException
) -> RunResult:
    """Roll back what the run had not committed and record the run as failed with ``exc``."""
    session.rollback()
    return recorder.finish(api_cost=api_cost, error=describe_failure(exc))


def describe_failure(exc: BaseException) -> str:
    """A failed run's error: the catalogue code first, as the queue reads it."""
    if isinstance(exc, ShopifyError):
        return f"{exc.code}: {exc}"
    if isinstance(exc, OperationalError):
        return f"DATABASE_UNAVAILABLE: {str(exc.orig or exc).splitlines()[0]}"
    return f"{type(exc).__name__}: {exc}"


def runnable(
    sessions: sessionmaker[Session], tenant_name: str, specs: Iterable[F]
) -> tuple[list[F], list[tuple[F, str]]]:
    """The flows the tenant's settings let run, and the others with the reason."""
    with sessions() as session:
        tenant = get_tenant(session, tenant_name)
        if not tenant.enabled:
            raise TenantError(
                "TENANT_DISABLED",
                f"Tenant {tenant_name!r} is disabled; enable it before syncing.",
            )
        settings = tenant_settings(tenant)
    active: list[F] = []
    skipped: list[tuple[F, str]] = []
    for spec in specs:
        if settings.flow_active(spec.name):
            active.append(spec)
        elif spec.name == "inventory" and settings.stock_master == "hub":
            skipped.append((spec, "the hub is the stock master (stock_master = hub)"))
        elif spec.name == "stock_export" and settings.stock_master == "shopify":
            skipped.append((spec, "Shopify is the stock master (stock_master = shopify)"))
        else:
            skipped.append((spec, f"the flow is disabled (flows.{spec.name}.enabled = false)"))
    return active, skipped


def run_for_tenant(
    sessions: sessionmaker[Session],
    tenant_name: str,
    specs: Iterable[Flow],
    *,
    full: bool = False,
    preview: bool = False,
    client: ShopifyClient | None = None,
    on_progress: Callable[[str, int], None] | None = None,
) -> Iterator[RunResult]:
    """Run each flow in turn for one tenant, each in its own session; yields as they finish."""
    with sessions() as session:
        tenant = get_tenant(session, tenant_name)
        own_client = client is None
        shopify = client if client is not None else build_client(tenant)
    try:
        for spec in specs:
            with sessions() as session:
                tenant = get_tenant(session, tenant_name)

                def progress(count: int, name: str = spec.name) -> None:
                    if on_progress is not None:
                        on_progress(name, count)

                yield spec.run(
                    session, tenant, shopify, full=full, preview=preview, on_progress=progress
                )
    finally:
        if own_client:
            shopify.close()
