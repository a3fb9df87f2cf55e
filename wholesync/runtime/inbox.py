"""The webhook inbox's data operations: store deliveries, claim them for processing, record the
outcome, and count them.

Every operation is one statement or one short transaction that is safe with any number of
web processes and workers at once, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, defer

from wholesync.hub.filters import where_equal
from wholesync.hub.models import Tenant
from wholesync.runtime.models import WAITING, InboxEntry, InboxStatus, Job

# The inbox drain is queued as a job of this pseudo-flow.
DRAIN_FLOW = "webhooks"


@dataclass(frozen=True)
class Delivery:
    """One verified webhook delivery, as the intake stores it."""

    tenant_id: int
    webhook_id: str
    topic: str
    body: bytes
    received_at: datetime
    event_id: str | None = None
    triggered_at: datetime | None = None
    api_version: str | None = None
    # A delivery for a disabled tenant is kept for the record but not processed.
    status: str = InboxStatus.RECEIVED
    error: str | None = None

    def row(self) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "webhook_id": self.webhook_id,
            "topic": self.topic,
            "event_id": self.event_id,
            "triggered_at": self.triggered_at,
            "api_version": self.api_version,
            "body": self.body,
            "status": self.status,
            "attempts": 0,
            "error": self.error,
            "received_at": self.received_at,
            "processed_at": None,
        }


def store(session: Session, deliveries: Sequence[Delivery]) -> set[str]:
    """Insert ``deliveries``; return the webhook ids that were new.

    A webhook id stored before (a Shopify retry, or a duplicate in the same batch) is skipped
    by the unique constraint itself, so concurrent writers never fail on it.
    """
    rows: dict[str, dict[str, Any]] = {}
    for delivery in deliveries:
        rows.setdefault(delivery.webhook_id, delivery.row())
    if not rows:
        return set()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(InboxEntry)
        .on_conflict_do_nothing(index_elements=["webhook_id"])
        .returning(InboxEntry.webhook_id)
    )
    result = session.connection().execute(statement, list(rows.values()))
    return set(result.scalars())


def waiting_drains(session: Session, tenant_ids: Collection[int]) -> set[int]:
    """The tenants among ``tenant_ids`` with a drain job that has not started yet.

    On PostgreSQL the job rows are share-locked until the caller commits, so a worker cannot
    start that job (and claim rows) before the rows this transaction inserted are visible.
    SQLite serialises writers, which gives the same guarantee.
    """
    if not tenant_ids:
        return set()
    query = select(Job.tenant_id).where(
        Job.flow == DRAIN_FLOW, Job.status.in_(WAITING), Job.tenant_id.in_(tenant_ids)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    return set(session.scalars(query))


def oldest_received(session: Session, tenant_id: int) -> datetime | None:
    """When the tenant's oldest unclaimed delivery arrived (None when there is none)."""
    query = select(func.min(InboxEntry.received_at)).where(
        InboxEntry.tenant_id == tenant_id, InboxEntry.status == InboxStatus.RECEIVED
    )
    value: datetime | None = session.scalar(query)
    return value


def claim(session: Session, tenant_id: int, *, now: datetime, limit: int) -> list[InboxEntry]:
    """Move up to ``limit`` of the tenant's received rows to processing and return them, oldest
    first. Two workers never claim the same row: PostgreSQL skips rows another claim locked,
    and the status condition of the UPDATE re-checks each row on both databases.

    While a row is processing, ``processed_at`` holds the moment it was claimed, so the sweeper
    can tell an abandoned claim from a running one.
    """
    chosen: Select[int] = (
        select(InboxEntry.id)
        .where(InboxEntry.tenant_id == tenant_id, InboxEntry.status == InboxStatus.RECEIVED)
        .order_by(InboxEntry.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        chosen = chosen.with_for_update(skip_locked=True)
    # A CTE runs once; as "IN (subquery)" PostgreSQL may re-run it and exceed the limit.
    picked = chosen.cte("picked")
    statement = (
        update(InboxEntry)
        .where(InboxEntry.id.in_(select(picked.c.id)))
        .where(InboxEntry.status == InboxStatus.RECEIVED)
        .values(
            status=InboxStatus.PROCESSING,
            attempts=InboxEntry.attempts + 1,
            processed_at=now,
        )
        .returning(InboxEntry)
        .execution_options(synchronize_session=False)
    )
    entries = list(session.scalars(statement))
    entries.sort(key=lambda entry: entry.id)
    return entries


def finish(
    session: Session,
    ids: Iterable[int],
    status: InboxStatus,
    *,
    now: datetime,
    error: str | None = None,
) -> None:
    """Record the outcome of processing rows: processed, ignored or failed."""
    _set(session, ids, status=status, processed_at=now, error=error)


def release(session: Session, ids: Iterable[int], *, error: str | None = None) -> None:
    """Put claimed rows back to received (a busy flow, a Shopify error), keeping the reason."""
    _set(session, ids, status=InboxStatus.RECEIVED, processed_at=None, error=error)


def _set(session: Session, ids: Iterable[int], **values: Any) -> None:
    chosen = sorted(set(ids))
    # Chunks keep each statement well under the databases' bound-parameter limits.
    for start in range(0, len(chosen), 1000):
        session.execute(
            update(InboxEntry)
            .where(InboxEntry.id.in_(chosen[start : start + 1000]))
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def counts(session: Session, tenant_id: int | None = None) -> dict[str, int]:
    """How many rows are in each status (of one tenant, or all); every status is present."""
    query = select(InboxEntry.status, func.count()).group_by(InboxEntry.status)
    if tenant_id is not None:
        query = query.where(InboxEntry.tenant_id == tenant_id)
    found: dict[str, int] = {status.value: 0 for status in InboxStatus}
    for status, count in session.execute(query):
        found[status] = count
    return found


def entries(
    tenant_id: int, *, status: str | None = None, topic: str | None = None
) -> Select[InboxEntry]:
    """The tenant's deliveries with the given status and topic, their bodies left unloaded."""
    query = InboxEntry.for_tenant(tenant_id).options(defer(InboxEntry.body))
    return where_equal(query, (InboxEntry.status, status), (InboxEntry.topic, topic))


def topics(session: Session, tenant_id: int) -> list[str]:
    """The topics the tenant has deliveries of, in name order."""
    query = select(InboxEntry.topic).where(InboxEntry.tenant_id == tenant_id).distinct()
    return sorted(session.scalars(query))


def reset_stale(
    session: Session, *, now: datetime, received_before: datetime, claimed_ttl: timedelta
) -> dict[int, int]:
    """Hand back abandoned work; return {tenant id: rows} needing a drain.

    Received rows older than ``received_before`` whose tenant has no waiting drain job were
    never enqueued (or their job was lost). Processing rows claimed more than ``claimed_ttl``
    ago belong to a worker that died: they go back to received. Rows of a disabled tenant
    would never be drained: they are marked ignored instead.
    """
    disabled = select(Tenant.id).where(Tenant.enabled.is_(False))
    session.execute(
        update(InboxEntry)
        .where(
            InboxEntry.status.in_((InboxStatus.RECEIVED, InboxStatus.PROCESSING)),
            InboxEntry.received_at < received_before,
            InboxEntry.tenant_id.in_(disabled),
        )
        .values(
            status=InboxStatus.IGNORED,
            processed_at=now,
            error="TENANT_DISABLED: the tenant was disabled before this delivery was processed.",
        )
        .execution_options(synchronize_session=False)
    )
    waiting = select(Job.tenant_id).where(Job.flow == DRAIN_FLOW, Job.status.in_(WAITING))
    forgotten = session.execute(
        select(InboxEntry.tenant_id, func.count())
        .where(
            InboxEntry.status == InboxStatus.RECEIVED,
            InboxEntry.received_at < received_before,
            InboxEntry.tenant_id.not_in(waiting),
        )
        .group_by(InboxEntry.tenant_id)
    ).all()
    stale_claims = list(
        session.scalars(
            update(InboxEntry)
            .where(
                InboxEntry.status == InboxStatus.PROCESSING,
                InboxEntry.processed_at < now - claimed_ttl,
            )
            .values(status=InboxStatus.RECEIVED, processed_at=None)
            .returning(InboxEntry.tenant_id)
            .execution_options(synchronize_session=False)
        )
    )
    found: dict[int, int] = {}
    for tenant_id in stale_claims:
        found[tenant_id] = found.get(tenant_id, 0) + 1
    for tenant_id, count in forgotten:
        found[tenant_id] = found.get(tenant_id, 0) + count
    return found
