"""Group commit for webhook intake: deliveries from concurrent requests share one transaction.

A request hands its delivery to :class:`InboxWriter` and awaits the outcome. One writer thread
takes every delivery waiting at that moment, inserts them in one transaction, asks once per
tenant for an inbox drain (unless a drain job is already waiting to start, which will see
these rows), then answers every request of the batch. Nobody is answered before their row is
committed, so a 200 always means stored and enqueued. Under load batches grow on their own
(the requests that arrive during a commit form the next batch); when idle a batch is one row
and costs one commit, like a plain insert.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from wholesync.hub.db import SQLITE_BEGIN
from wholesync.runtime import inbox
from wholesync.runtime.inbox import Delivery
from wholesync.runtime.models import InboxStatus

log = logging.getLogger(__name__)


@dataclass
class _Pending:
    delivery: Delivery
    future: asyncio.Future[bool]
    loop: asyncio.AbstractEventLoop


_STOP = object()


class InboxWriter:
    """Stores deliveries in batches from a thread of its own; ``request_drain(tenant_id)``
    enqueues a drain job for a tenant."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        request_drain: Callable[[int], object],
        *,
        max_batch: int = 500,
    ) -> None:
        self.sessions = sessions
        self.request_drain = request_drain
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Pending | object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.batches = 0  # how many transactions stored deliveries (for tests and metrics)

    async def store(self, delivery: Delivery) -> bool:
        """Store ``delivery`` durably; True if it was new, False for a webhook id seen before.
        Raises what the database raised if the batch could not be committed."""
        self._ensure_started()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        self._queue.put(_Pending(delivery, future, loop))
        return await future

    def close(self) -> None:
        """Store what was handed over already, then stop the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join()

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="inbox-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
            self._write([p for p in batch if isinstance(p, _Pending)])
            if stop:
                return

    def _write(self, batch: list[_Pending]) -> None:
        try:
            outcomes: list[bool] | BaseException = self._commit([p.delivery for p in batch])
        except Exception as exc:  # every request of the batch learns it was not stored
            log.exception("storing %d webhook deliveries failed", len(batch))
            outcomes = exc
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Pending, bool | BaseException]]]
        by_loop = {}
        for index, pending in enumerate(batch):
            outcome = outcomes if isinstance(outcomes, BaseException) else outcomes[index]
            by_loop.setdefault(pending.loop, []).append((pending, outcome))
        for loop, settled in by_loop.items():
            with contextlib.suppress(RuntimeError):  # a closed loop: its requests are gone
                loop.call_soon_threadsafe(_settle, settled)

    def _commit(self, deliveries: list[Delivery]) -> list[bool]:
        """Insert, find the tenants needing a drain, commit, request the drains."""
        # IMMEDIATE: on SQLite the batch takes the write lock up front instead of failing
        # half way when another writer got in between its read and its write.
        with self.sessions() as session, session.begin():
            session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
            new = inbox.store(session, deliveries)
            tenants = {
                d.tenant_id
                for d in deliveries
                if d.webhook_id in new and d.status == InboxStatus.RECEIVED
            }
            to_request = tenants - inbox.waiting_drains(session, tenants)
        self.batches += 1
        for tenant_id in sorted(to_request):
            try:
                self.request_drain(tenant_id)
            except Exception:
                # The rows are stored: the sweeper requests their drain later.
                log.exception("requesting the inbox drain of tenant %s failed", tenant_id)
        outcomes: list[bool] = []
        for delivery in deliveries:
            outcomes.append(delivery.webhook_id in new)
            new.discard(delivery.webhook_id)  # a second copy in the batch is a duplicate
        return outcomes


def _settle(settled: list[tuple[_Pending, bool | BaseException]]) -> None:
    for pending, outcome in settled:
        if pending.future.done():  # the request was cancelled (client went away)
            continue
        if isinstance(outcome, BaseException):
            pending.future.set_exception(outcome)
        else:
            pending.future.set_result(outcome)
