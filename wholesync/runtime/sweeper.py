"""The inbox sweeper: hands back webhook deliveries that were stored but never processed.

Two ways a delivery gets stranded. Its drain job was never enqueued (the process died between
the commit and the enqueue, or the queue was down): the row stays received with no waiting
drain job. Or the worker processing it died: the row stays processing. The periodic
maintenance task calls :func:`sweep_inbox`; each tenant with stranded rows gets a drain.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from wholesync.hub.db import SQLITE_BEGIN
from wholesync.hub.models.types import utcnow
from wholesync.runtime import inbox

log = logging.getLogger(__name__)

# A claim older than this belongs to a dead worker: a live one renews its lease (60 s by
# default) and finishes a batch well within it.
DEFAULT_CLAIM_TTL = 60.0


def sweep_inbox(
    sessions: sessionmaker[Session],
    request_run: Callable[[int], object],
    *,
    stale_after: float,
    clock: Callable[[], datetime] = utcnow,
    claim_ttl: float = DEFAULT_CLAIM_TTL,
) -> int:
    """Hand back stranded rows and request a drain (``request_run(tenant_id)``) for each of
    their tenants; return how many rows were stranded.

    ``stale_after`` (seconds) must exceed the time a drain job needs to start, or rows whose
    job is about to run would get a needless second request (harmless: requests join).
    """
    now = clock()
    with sessions() as session, session.begin():
        # IMMEDIATE: the sweep reads then writes; on SQLite it must hold the lock throughout.
        session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
        stranded = inbox.reset_stale(
            session,
            now=now,
            received_before=now - timedelta(seconds=stale_after),
            claimed_ttl=timedelta(seconds=claim_ttl),
        )
    for tenant_id, rows in sorted(stranded.items()):
        log.warning("inbox sweeper: %d stranded deliveries of tenant %s", rows, tenant_id)
        try:
            request_run(tenant_id)
        except Exception:  # the next sweep tries again; one tenant must not stop the others
            log.exception("requesting the inbox drain of tenant %s failed", tenant_id)
    return sum(stranded.values())
