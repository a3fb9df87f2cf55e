"""Run leases: at most one holder of a (tenant, flow) at a time, across threads and machines.

A lease is a row in ``run_leases`` with an expiry. Taking it is one statement: insert, or on
conflict take the row over only if it has expired. Renewing and releasing compare the holder,
so a worker that lost its lease (it stalled past the expiry) cannot renew or free the lease
its successor now holds. The database is the arbiter, so this works the same on SQLite and
PostgreSQL, and with workers on several machines.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from wholesync.hub.models.types import utcnow
from wholesync.runtime.models import RunLease

log = logging.getLogger(__name__)


class LeaseManager:
    """Takes, renews and releases run leases of ``ttl`` seconds."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        ttl: float = 60.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.ttl = ttl
        self.clock = clock

    def acquire(self, tenant_id: int, flow: str, holder: str) -> bool:
        """Take the lease if it is free or expired; False while anyone (``holder`` included)
        holds it, so the same job run twice at once cannot run beside itself."""
        now = self.clock()
        values = {
            "tenant_id": tenant_id,
            "flow": flow,
            "holder": holder,
            "acquired_at": now,
            "expires_at": now + timedelta(seconds=self.ttl),
        }
        with self.sessions.begin() as session:
            insert = dialect_insert(session)
            statement = (
                insert(RunLease)
                .values(values)
                .on_conflict_do_update(
                    index_elements=[RunLease.tenant_id, RunLease.flow],
                    set_={k: values[k] for k in ("holder", "acquired_at", "expires_at")},
                    where=RunLease.expires_at <= now,
                )
                .returning(RunLease.holder)
            )
            taken = session.execute(statement).scalar_one_or_none()
        return taken == holder

    def renew(self, tenant_id: int, flow: str, holder: str) -> bool:
        """Push the expiry out by ``ttl``; False when ``holder`` no longer holds the lease."""
        expires = self.clock() + timedelta(seconds=self.ttl)
        with self.sessions.begin() as session:
            renewed = session.execute(
                _mine(update(RunLease), tenant_id, flow, holder)
                .values(expires_at=expires)
                .returning(RunLease.holder)
            ).first()
        return renewed is not None

    def release(self, tenant_id: int, flow: str, holder: str) -> None:
        """Free the lease if ``holder`` still holds it."""
        with self.sessions.begin() as session:
            session.execute(_mine(delete(RunLease), tenant_id, flow, holder))

    def holder(self, tenant_id: int, flow: str) -> str | None:
        """Who holds the lease now (None when it is free or expired)."""
        with self.sessions() as session:
            return session.scalars(
                select(RunLease.holder).where(
                    RunLease.tenant_id == tenant_id,
                    RunLease.flow == flow,
                    RunLease.expires_at > self.clock(),
                )
            ).one_or_none()

    @contextmanager
    def held(
        self, tenant_id: int, flow: str, holder: str, *, interval: float | None = None
    ) -> Iterator[bool]:
        """Hold the lease for the ``with`` block: yields whether it was taken; while held, a
        thread renews it every ``interval`` seconds (ttl/4) and it is released at the end."""
        if not self.acquire(tenant_id, flow, holder):
            yield False
            return
        stop = threading.Event()
        beat = threading.Thread(
            target=self._heartbeat,
            args=(tenant_id, flow, holder, stop, interval or self.ttl / 4),
            name=f"lease-{tenant_id}-{flow}",
            daemon=True,
        )
        beat.start()
        try:
            yield True
        finally:
            stop.set()
            beat.join()
            self.release(tenant_id, flow, holder)

    def _heartbeat(
        self, tenant_id: int, flow: str, holder: str, stop: threading.Event, interval: float
    ) -> None:
        while not stop.wait(interval):
            try:
                if not self.renew(tenant_id, flow, holder):
                    log.warning("lease %s/%s of %s was lost", tenant_id, flow, holder)
                    return
            except Exception:
                # A database hiccup: the next beat tries again well before the expiry.
                log.exception("renewing lease %s/%s failed", tenant_id, flow)


def _mine(statement: Any, tenant_id: int, flow: str, holder: str) -> Any:
    return statement.where(
        RunLease.tenant_id == tenant_id, RunLease.flow == flow, RunLease.holder == holder
    )


def dialect_insert(session: Session) -> Any:
    """The ``insert`` of the session's database, which has ``on_conflict_do_*``."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
