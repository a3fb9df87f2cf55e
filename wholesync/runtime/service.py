"""The service as one process sees it: database sessions, the Huey queue and its tasks.

`wholesync serve`, `wholesync worker` and the web app each build one :class:`Runtime`. Its
Huey tasks are registered under stable names, so a job enqueued by any process is run by
whichever worker takes it:

- ``wholesync.runtime.service.run_job(job_id)`` runs one job (see ``runtime/tasks.py``);
- ``wholesync.runtime.service.maintain()`` runs every minute on consumers started with
  ``periodic=True``: the schedule tick, the inbox sweeper, the reaper of lost jobs and the
  e-mail notifications (alerts and daily digests).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import huey
import huey.consumer
from huey import crontab
from huey.storage import RedisStorage

from wholesync.hub.db import check_schema, make_engine, session_factory, writer_sessions
from wholesync.hub.models import Tenant
from wholesync.hub.models.types import utcnow
from wholesync.notify.notifier import Notifier
from wholesync.runtime import jobs
from wholesync.runtime.inbox_processing import BULK_WAITERS
from wholesync.runtime.jobs import WEBHOOKS, JobError
from wholesync.runtime.leases import LeaseManager
from wholesync.runtime.models import Job
from wholesync.runtime.orphans import close_orphaned_runs
from wholesync.runtime.queue import consumer_options, is_redis, make_huey
from wholesync.runtime.schedules import tick
from wholesync.runtime.sweeper import sweep_inbox
from wholesync.runtime.tasks import JobRunner
from wholesync.settings import Settings
from wholesync.shopify import ShopifyClient
from wholesync.shopify.throttle_redis import RedisBucket
from wholesync.sync.registry import FLOWS
from wholesync.sync.tenants import build_client

log = logging.getLogger(__name__)

RUN_JOB = "run_job"
MAINTAIN = "maintain"


class Runtime:
    """One process's view of the service: database sessions, the Huey queue and its tasks."""

    def __init__(
        self,
        database_url: str,
        queue_url: str,
        *,
        name: str = "wholesync",
        clock: Callable[[], datetime] = utcnow,
        settings: Settings | None = None,
        client_options: Mapping[str, Any] | None = None,
        rng: Callable[[], float] = random.random,
    ) -> None:
        """``settings`` defaults to the environment's; ``client_options`` go to every Shopify
        client (tests shorten its retries); ``rng`` jitters retry delays."""
        self.settings = settings if settings is not None else Settings()
        self.clock = clock
        self.engine = make_engine(database_url)
        check_schema(self.engine)
        self.sessions = session_factory(self.engine)
        self.run_sessions = writer_sessions(self.engine)
        self.huey = make_huey(queue_url, name)
        # With Redis, every worker of every process shares each shop's throttle bucket.
        self._bucket_for = (
            RedisBucket.factory(self.huey.storage.conn, prefix=name)
            if is_redis(queue_url)
            else None
        )
        self.leases = LeaseManager(self.sessions, ttl=self.settings.lease_ttl_seconds, clock=clock)
        self._client_options = dict(client_options or {})
        self.runner = JobRunner(
            sessions=self.sessions,
            run_sessions=self.run_sessions,
            leases=self.leases,
            client_for=self.client_for,
            enqueue=self._enqueue,
            request=self.request_run,
            settings=self.settings,
            clock=clock,
            random=rng,
        )
        self.notifier = Notifier(self.sessions, self.settings, clock=clock, leases=self.leases)

        # Defined here, so their registered names are wholesync.runtime.service.<name>.
        def run_job(job_id: int) -> None:
            self.runner.execute(job_id)

        def maintain() -> None:
            self.maintain()

        self._run_job = self.huey.task(name=RUN_JOB)(run_job)
        self.huey.periodic_task(crontab(), name=MAINTAIN)(maintain)

    def request_run(
        self,
        tenant_id: int,
        flow: str,
        *,
        full: bool = False,
        trigger: str = "manual",
        delay: float = 0.0,
        preview: bool = False,
    ) -> Job:
        """Join the waiting job of (tenant, flow) or create one and enqueue it (after
        ``delay`` seconds). ``flow`` is a flow name or ``webhooks`` (the inbox drain);
        ``preview`` makes the job a dry run of the flow."""
        if preview and flow not in FLOWS:
            raise JobError("UNKNOWN_FLOW", f"No flow named {flow!r} to preview.")
        if flow not in FLOWS and flow != WEBHOOKS:
            known = ", ".join([*FLOWS, WEBHOOKS])
            raise JobError("UNKNOWN_FLOW", f"No flow named {flow!r}; use one of {known}.")
        job, created = jobs.request_job(
            self.sessions,
            tenant_id,
            flow,
            full=full,
            preview=preview,
            trigger=trigger,
            max_attempts=self.settings.job_max_attempts,
            not_before=self.clock() + timedelta(seconds=delay),
        )
        if created:
            self._enqueue(job.id, delay)
        return job

    def jobs(
        self, tenant_id: int | None = None, status: str | None = None, limit: int = 50
    ) -> Sequence[Job]:
        """The newest jobs first (detached, readable), optionally filtered."""
        with self.sessions() as session:
            return jobs.list_jobs(session, tenant_id=tenant_id, status=status, limit=limit)

    def maintain(self) -> None:
        """The periodic chores; each runs even if another failed."""
        now = self.clock()
        chores: list[tuple[str, Callable[[], object]]] = [
            ("schedule tick", lambda: tick(self.sessions, now, self._scheduled)),
            ("inbox sweeper", self._sweep),
            ("job reaper", self.runner.reap),
            ("run closer", self._close_orphaned_runs),
            ("notifications", self.notifier.maintain),
        ]
        for what, chore in chores:
            try:
                chore()
            except Exception:
                log.exception("%s failed", what)

    def client_for(self, tenant: Tenant) -> ShopifyClient:
        """A Shopify client for ``tenant``: on the shared throttle bucket in Redis mode, and
        known to the inbox so a ``bulk_operations/finish`` webhook wakes its bulk queries."""
        client = build_client(tenant, bucket_for=self._bucket_for, **self._client_options)
        return BULK_WAITERS.register(client)

    def consumer(self, *, workers: int, periodic: bool) -> huey.consumer.Consumer:
        """A consumer of ``workers`` threads; ``periodic`` makes it also run the scheduler
        (the schedule tick and the other chores, every minute)."""
        return self.huey.create_consumer(
            workers=workers, periodic=periodic, **consumer_options(self.huey)
        )

    def close(self) -> None:
        storage = self.huey.storage
        if isinstance(storage, RedisStorage):
            storage.pool.disconnect()
        else:
            storage.close()
        self.engine.dispose()

    def _sweep(self) -> int:
        return sweep_inbox(
            self.sessions,
            self._drain,
            stale_after=self.settings.inbox_stale_seconds,
            clock=self.clock,
            claim_ttl=self.settings.lease_ttl_seconds,
        )

    def _close_orphaned_runs(self) -> None:
        closed = close_orphaned_runs(self.sessions, self.clock(), self.settings.lease_ttl_seconds)
        if closed:
            log.warning("closed run(s) %s: their process stopped mid-run", closed)

    def _drain(self, tenant_id: int) -> None:
        self.request_run(tenant_id, WEBHOOKS, trigger="sweep")

    def _scheduled(self, tenant_id: int, flow: str) -> None:
        self.request_run(tenant_id, flow, trigger="schedule")

    def _enqueue(self, job_id: int, delay: float) -> None:
        if delay > 0:
            self._run_job.schedule(args=(job_id,), delay=delay)
        else:
            self._run_job(job_id)
