"""``/metrics`` for Prometheus.

What every process shares lives in the hub database and is read at scrape time, so any one
``serve`` process reports the whole deployment: runs by flow and status, records by action,
Shopify cost spent per flow, the job queue's depth, and webhook intake and its lag. What only
this process knows (its Shopify calls and throttle waits) comes from its own counters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.responses import Response

from wholesync.hub.models import SyncRecord, SyncRun
from wholesync.hub.models.types import utcnow
from wholesync.runtime.models import InboxEntry, InboxStatus, Job, JobStatus

if TYPE_CHECKING:
    from wholesync.runtime.service import Runtime

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
WAITING_JOBS = (JobStatus.QUEUED, JobStatus.RETRYING, JobStatus.RUNNING)
UNPROCESSED = (InboxStatus.RECEIVED, InboxStatus.PROCESSING)


class HubCollector(Collector):
    """Reads the deployment's figures from the hub database on every scrape."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[Metric]:
        with self.runtime.sessions() as session:
            runs = CounterMetricFamily(
                "wholesync_runs", "Sync runs recorded", labels=["flow", "status", "preview"]
            )
            for flow, status, preview, count in session.execute(
                select(SyncRun.flow, SyncRun.status, SyncRun.preview, func.count()).group_by(
                    SyncRun.flow, SyncRun.status, SyncRun.preview
                )
            ):
                runs.add_metric([flow, status, str(bool(preview)).lower()], count)
            yield runs

            records = CounterMetricFamily(
                "wholesync_records", "Records of sync runs, by outcome", labels=["action"]
            )
            for action, count in session.execute(
                select(SyncRecord.action, func.count()).group_by(SyncRecord.action)
            ):
                records.add_metric([action], count)
            yield records

            cost = CounterMetricFamily(
                "wholesync_run_cost_points", "Shopify cost points spent by runs", labels=["flow"]
            )
            for flow, points in session.execute(
                select(SyncRun.flow, func.sum(SyncRun.api_cost)).group_by(SyncRun.flow)
            ):
                cost.add_metric([flow], float(points or 0))
            yield cost

            depth = GaugeMetricFamily(
                "wholesync_queue_jobs", "Jobs waiting for or held by a worker", labels=["status"]
            )
            counted = dict(
                session.execute(
                    select(Job.status, func.count())
                    .where(Job.status.in_([s.value for s in WAITING_JOBS]))
                    .group_by(Job.status)
                ).all()
            )
            for status in WAITING_JOBS:
                depth.add_metric([status.value], counted.get(status.value, 0))
            yield depth

            intake = CounterMetricFamily(
                "wholesync_webhooks", "Webhook deliveries stored, by state", labels=["status"]
            )
            for status, count in session.execute(
                select(InboxEntry.status, func.count()).group_by(InboxEntry.status)
            ):
                intake.add_metric([status], count)
            yield intake

            oldest = session.scalar(
                select(func.min(InboxEntry.received_at)).where(
                    InboxEntry.status.in_([s.value for s in UNPROCESSED])
                )
            )
            lag = GaugeMetricFamily(
                "wholesync_webhook_lag_seconds",
                "Age of the oldest webhook delivery not processed yet (0: none waiting)",
            )
            lag.add_metric([], (utcnow() - oldest).total_seconds() if oldest else 0.0)
            yield lag


def endpoint(runtime: Runtime) -> Callable[[], Response]:
    """The ``/metrics`` route of one app."""
    hub = CollectorRegistry(auto_describe=False)
    hub.register(HubCollector(runtime))

    def metrics() -> Response:
        body = generate_latest(hub) + generate_latest(REGISTRY)
        return Response(body, media_type=CONTENT_TYPE)

    return metrics
