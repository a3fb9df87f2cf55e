"""Draining a tenant's webhook inbox: coalesce, claim, fetch each changed record once, load.

A webhook says *that* a record changed; the body is a snapshot from the moment of the event
and deliveries arrive late, twice or out of order. So a drain does not load bodies: it waits
until the tenant's oldest waiting delivery is ``coalesce_seconds`` old (a burst of edits to
one record then sits in one batch), claims every waiting row, and fetches the *current* state
of each distinct record once, by id. Deletions need no fetch: the GID alone archives the
record. Loads ignore a state older than the stored one, so whatever order the drains run in,
the hub ends at Shopify's newest state.

Rows are marked processed only after their flow run committed. A crash in between leaves them
"processing"; the sweeper hands them back once the claim is older than a lease.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import orjson
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from wholesync.hub.models import Tenant
from wholesync.hub.models.types import utcnow
from wholesync.runtime import inbox
from wholesync.runtime.leases import LeaseManager
from wholesync.runtime.models import WAITING, InboxEntry, InboxStatus, Job, JobStatus
from wholesync.shopify import ShopifyClient
from wholesync.sync.flows import fetch_context, run_flow, wanted_gids
from wholesync.sync.registry import FLOW_SPECS
from wholesync.sync.settings import FlowName, TenantSettings
from wholesync.sync.tenants import TenantError, tenant_settings

log = logging.getLogger(__name__)

# Rows claimed per round; a drain goes on claiming while rounds come back full.
CLAIM_LIMIT = 2000

# topic -> (flow, GID kind, body key holding the id, deletion)
FLOW_TOPICS: dict[str, tuple[str, str, str, bool]] = {
    "products/create": ("products", "Product", "id", False),
    "products/update": ("products", "Product", "id", False),
    "products/delete": ("products", "Product", "id", True),
    "customers/create": ("customers", "Customer", "id", False),
    "customers/update": ("customers", "Customer", "id", False),
    "customers/delete": ("customers", "Customer", "id", True),
    "inventory_levels/update": ("inventory", "InventoryItem", "inventory_item_id", False),
    # An order webhook is read like any update: the order's current state is fetched by id.
    "orders/create": ("orders_import", "Order", "id", False),
    "orders/updated": ("orders_import", "Order", "id", False),
    "orders/cancelled": ("orders_import", "Order", "id", False),
}
UNINSTALLED = "app/uninstalled"
BULK_FINISH = "bulk_operations/finish"


@dataclass
class InboxReport:
    """What one drain did, in rows (``fetches``: distinct records read from Shopify).

    ``error`` is set when rows were handed back because Shopify or the database failed: the
    job should be retried. ``deferred`` rows went back because their flow was running; they
    need another drain soon.
    """

    processed: int = 0
    ignored: int = 0
    failed: int = 0
    deferred: int = 0
    fetches: int = 0
    error: str | None = None


class BulkWaiters:
    """The clients of this process, by shop, so ``bulk_operations/finish`` can wake a bulk
    query waiting on one of them at once (without a waiter, the notice is a no-op)."""

    def __init__(self) -> None:
        self._clients: dict[str, weakref.WeakSet[ShopifyClient]] = {}
        self._lock = threading.Lock()

    def register(self, client: ShopifyClient) -> ShopifyClient:
        with self._lock:
            self._clients.setdefault(client.shop_domain, weakref.WeakSet()).add(client)
        return client

    def notify(self, shop_domain: str, operation_id: str) -> None:
        with self._lock:
            clients = list(self._clients.get(shop_domain, ()))
        for client in clients:
            client.notify_finished(operation_id)


BULK_WAITERS = BulkWaiters()


@dataclass
class _Batch:
    """Claimed rows sorted by what to do with them."""

    # flow -> row ids, GIDs to fetch and GIDs deleted
    rows: dict[str, list[int]] = field(default_factory=dict)
    fetch: dict[str, dict[str, None]] = field(default_factory=dict)
    deleted: dict[str, dict[str, None]] = field(default_factory=dict)
    # (row id, message) per outcome
    ignored: list[tuple[int, str]] = field(default_factory=list)
    invalid: list[tuple[int, str]] = field(default_factory=list)
    processed: list[int] = field(default_factory=list)
    bulk_finished: list[str] = field(default_factory=list)
    uninstalled: list[int] = field(default_factory=list)


def process_inbox(
    sessions: sessionmaker[Session],
    tenant_id: int,
    *,
    leases: LeaseManager,
    client_for: Callable[[Tenant], ShopifyClient],
    coalesce_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], datetime] = utcnow,
) -> InboxReport:
    """Drain the tenant's inbox once (see the module docstring)."""
    report = InboxReport()
    if not _wait_for_window(sessions, tenant_id, coalesce_seconds, sleep, clock):
        return report
    drain = _Drain(sessions, tenant_id, leases, client_for, clock, report)
    try:
        while True:
            with sessions.begin() as session:
                entries = inbox.claim(session, tenant_id, now=clock(), limit=CLAIM_LIMIT)
            if not entries:
                break
            drain.run(entries)
            if len(entries) < CLAIM_LIMIT or report.error is not None:
                break
    finally:
        drain.close()
    return report


def _wait_for_window(
    sessions: sessionmaker[Session],
    tenant_id: int,
    coalesce_seconds: float,
    sleep: Callable[[float], None],
    clock: Callable[[], datetime],
) -> bool:
    """Sleep until the oldest received row is ``coalesce_seconds`` old; False if there is none.

    The wait is capped at the window itself: the web process stamped ``received_at`` with its
    own clock, and a worker whose clock runs behind must not wait longer for it.
    """
    with sessions() as session:
        oldest = inbox.oldest_received(session, tenant_id)
    if oldest is None:
        return False
    left = min(coalesce_seconds, coalesce_seconds - (clock() - oldest).total_seconds())
    if left > 0:
        sleep(left)
    return True


class _Drain:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        tenant_id: int,
        leases: LeaseManager,
        client_for: Callable[[Tenant], ShopifyClient],
        clock: Callable[[], datetime],
        report: InboxReport,
    ) -> None:
        self.sessions = sessions
        self.tenant_id = tenant_id
        self.leases = leases
        self.client_for = client_for
        self.clock = clock
        self.report = report
        self.holder = f"inbox:{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._client: ShopifyClient | None = None

    def close(self) -> None:
        """Close the Shopify client this drain built (``client_for`` builds a new one)."""
        if self._client is not None:
            self._client.close()

    def run(self, entries: list[InboxEntry]) -> None:
        with self.sessions() as session:
            tenant = session.get(Tenant, self.tenant_id)
        if tenant is None:  # deleted meanwhile; its rows went with it
            return
        if not tenant.enabled:
            self._finish(
                [(e.id, _disabled(tenant)) for e in entries], InboxStatus.IGNORED, "ignored"
            )
            return
        try:
            batch = _sort(entries, tenant_settings(tenant))
        except TenantError as exc:  # stored settings are invalid: nothing can run until fixed
            self.report.error = f"{exc.code}: {exc.message}"
            self._release([e.id for e in entries], self.report.error)
            return
        if batch.uninstalled:
            self._uninstall(tenant, batch, entries)
            return
        for operation_id in batch.bulk_finished:
            BULK_WAITERS.notify(tenant.shop_domain, operation_id)
        self._finish([(i, None) for i in batch.processed], InboxStatus.PROCESSED, "processed")
        self._finish(batch.ignored, InboxStatus.IGNORED, "ignored")
        self._finish(batch.invalid, InboxStatus.FAILED, "failed")
        for flow, ids in batch.rows.items():
            self._run_flow(tenant, flow, ids, list(batch.fetch[flow]), list(batch.deleted[flow]))

    def _run_flow(
        self, tenant: Tenant, flow: str, ids: list[int], fetch: list[str], deleted: list[str]
    ) -> None:
        with self.leases.held(self.tenant_id, flow, self.holder) as held:
            if not held:
                self._release(ids, None)
                self.report.deferred += len(ids)
                return
            spec = FLOW_SPECS[flow]
            try:
                client = self._client or self.client_for(tenant)
                self._client = client
                with self.sessions() as session:
                    current = session.get(Tenant, self.tenant_id)
                    if current is None:
                        return
                    context = fetch_context(session, current, client)
                    nodes: list[Iterable[dict[str, Any]]] = [[{"id": gid} for gid in deleted]]
                    if fetch:
                        nodes.append(spec.fetch_ids(context, fetch))
                    result = run_flow(
                        spec, session, current, client, nodes=_chain(nodes), trigger="webhook"
                    )
                error = result.error
            except Exception as exc:  # a failed drain must hand its rows back, never lose them
                log.exception("webhook batch of %s for tenant %s failed", flow, self.tenant_id)
                error = f"{type(exc).__name__}: {exc}"
            if error is not None:
                self._release(ids, error)
                self.report.error = error
                return
            self.report.fetches += len(fetch)
            self._finish([(i, None) for i in ids], InboxStatus.PROCESSED, "processed")

    def _uninstall(self, tenant: Tenant, batch: _Batch, entries: list[InboxEntry]) -> None:
        """The app was removed from the store: stop everything of this tenant."""
        now = self.clock()
        reason = (
            f"The app was uninstalled from {tenant.shop_domain} "
            f"({now:%Y-%m-%d %H:%M} UTC). Reinstall it, then reconnect the tenant with "
            "`wholesync tenants connect` to resume syncing."
        )
        with self.sessions.begin() as session:
            current = session.get(Tenant, self.tenant_id)
            if current is not None:
                current.enabled = False
                current.disabled_reason = reason
            session.execute(
                update(Job)
                .where(Job.tenant_id == self.tenant_id, Job.status.in_(WAITING))
                .values(
                    status=JobStatus.CANCELLED,
                    finished_at=now,
                    error="TENANT_DISABLED: the app was uninstalled",
                )
            )
        gone = set(batch.uninstalled)
        self._finish([(i, None) for i in sorted(gone)], InboxStatus.PROCESSED, "processed")
        others = [(e.id, "TENANT_DISABLED: the app was uninstalled") for e in entries]
        self._finish([o for o in others if o[0] not in gone], InboxStatus.IGNORED, "ignored")

    def _finish(
        self, rows: Sequence[tuple[int, str | None]], status: InboxStatus, count: str
    ) -> None:
        if not rows:
            return
        by_message: dict[str | None, list[int]] = {}
        for row_id, message in rows:
            by_message.setdefault(message, []).append(row_id)
        with self.sessions.begin() as session:
            for message, ids in by_message.items():
                inbox.finish(session, ids, status, now=self.clock(), error=message)
        setattr(self.report, count, getattr(self.report, count) + len(rows))

    def _release(self, ids: list[int], error: str | None) -> None:
        with self.sessions.begin() as session:
            inbox.release(session, ids, error=error)


def _sort(entries: list[InboxEntry], settings: TenantSettings) -> _Batch:
    """Decide what each row needs; the GIDs of one flow are kept once each, in order."""
    batch = _Batch()
    for entry in entries:
        topic = entry.topic
        if topic == UNINSTALLED:
            batch.uninstalled.append(entry.id)
            continue
        known = FLOW_TOPICS.get(topic)
        if known is None and topic != BULK_FINISH:
            batch.ignored.append((entry.id, f"Wholesync does not process {topic!r} webhooks."))
            continue
        body = _json_object(entry.body)
        if body is None:
            batch.invalid.append((entry.id, _invalid(topic, "the body is not a JSON object")))
            continue
        if known is None:  # bulk_operations/finish
            operation = body.get("admin_graphql_api_id")
            if not isinstance(operation, str) or not operation:
                batch.invalid.append((entry.id, _invalid(topic, "it has no operation id")))
                continue
            batch.bulk_finished.append(operation)
            batch.processed.append(entry.id)
            continue
        flow, kind, key, deletion = known
        if not settings.flow_active(cast(FlowName, flow)):
            batch.ignored.append((entry.id, f"The {flow} flow is off for this tenant."))
            continue
        raw = body.get("admin_graphql_api_id") if key == "id" else None
        raw = raw or body.get(key)
        try:
            (gid,) = wanted_gids([raw], kind) if isinstance(raw, str | int) else (None,)
        except ValueError:
            gid = None
        if gid is None:
            batch.invalid.append((entry.id, _invalid(topic, f"it has no valid {key}")))
            continue
        batch.rows.setdefault(flow, []).append(entry.id)
        batch.fetch.setdefault(flow, {})
        target = batch.deleted.setdefault(flow, {}) if deletion else batch.fetch[flow]
        target[gid] = None
    for flow, deleted in batch.deleted.items():
        for gid in deleted:  # a deleted record cannot come back: no fetch for it
            batch.fetch[flow].pop(gid, None)
    for flow in batch.rows:
        batch.deleted.setdefault(flow, {})
    return batch


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _invalid(topic: str, why: str) -> str:
    return (
        f"INVALID_PAYLOAD: this {topic} webhook cannot be processed: {why}. It was not sent "
        "by Shopify as is; the next reconcile picks up the change if there was one."
    )


def _disabled(tenant: Tenant) -> str:
    reason = tenant.disabled_reason or "it was disabled"
    return f"TENANT_DISABLED: {reason}"


def _chain(parts: list[Iterable[dict[str, Any]]]) -> Iterable[dict[str, Any]]:
    for part in parts:
        yield from part
