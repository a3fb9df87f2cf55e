"""``/metrics`` for Prometheus.

What every process shares lives in the hub database and is read at scrape time, so any one
``serve`` process reports the whole deployment: runs by flow and status, records by action,
Shopify cost spent per flow, the job queue's depth, and webhook intake and its lag. What only
this process knows (its Shopify calls and throttle waits) comes from its own counters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session
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
            yield _counted(
                CounterMetricFamily(
                    "wholesync_runs", "Sync runs recorded", labels=["flow", "status", "preview"]
                ),
                session,
                SyncRun.flow,
                SyncRun.status,
                SyncRun.preview,
            )
            yield _counted(
                CounterMetricFamily(
                    "wholesync_records", "Records of sync runs, by outcome", labels=["action"]
                ),
                session,
                SyncRecord.action,
            )
            yield _counted(
                CounterMetricFamily(
                    "wholesync_run_cost_points",
                    "Shopify cost points spent by runs",
                    labels=["flow"],
                ),
                session,
                SyncRun.flow,
                total=func.sum(SyncRun.api_cost),
            )
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

            yield _counted(
                CounterMetricFamily(
                    "wholesync_webhooks", "Webhook deliveries stored, by state", labels=["status"]
                ),
                session,
                InboxEntry.status,
            )

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


def _counted(
    family: CounterMetricFamily,
    session: Session,
    *labels: InstrumentedAttribute[Any],
    total: ColumnElement[Any] | None = None,
) -> CounterMetricFamily:
    """``family`` with one sample per distinct value of ``labels``: the row count, or
    ``total`` summed over the rows."""
    measure = total if total is not None else func.count()
    for *values, amount in session.execute(select(*labels, measure).group_by(*labels)):
        family.add_metric([_label(value) for value in values], float(amount or 0))
    return family


def _label(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def endpoint(runtime: Runtime) -> Callable[[], Response]:
    """The ``/metrics`` route of one app."""
    hub = CollectorRegistry(auto_describe=False)
    hub.register(HubCollector(runtime))

    def metrics() -> Response:
        body = generate_latest(hub) + generate_latest(REGISTRY)
        return Response(body, media_type=CONTENT_TYPE)

    return metrics
