"""Exactly-once order export under chaos: ``wholesync worker`` runs the export as a real process
against a shop that answers 5xx, loses responses after writes and lags its search, and is
SIGKILLed at random points of its runs, half of them just after Shopify took an order. After
a last run, every hub order is exactly one Shopify order, and the hub holds its id."""

from __future__ import annotations

import os
import random
import signal
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.service_processes import Deployment, wait_for
from tests.sync.conftest import Harness, tenant_id
from tests.sync.orders_harness import Orders
from wholesync.hub.models import Customer, Order, SyncRun, Variant
from wholesync.hub.models.types import utcnow
from wholesync.runtime.models import JobStatus, RunLease
from wholesync.runtime.orphans import close_orphaned_runs
from wholesync.runtime.service import Runtime

FLOW = "orders_export"
ORDERS = 300
KILLS = 20
SEED = 20260701
SEARCH_LAG = 3.0  # seconds; the tenant is told Shopify's search may lag a little more
FAULTS = {"error_rate": 0.1, "lost_response_rate": 0.05, "search_lag": SEARCH_LAG}
SERVICE_ENV = {
    # A killed worker's run is taken over this soon after its last renewal.
    "WHOLESYNC_LEASE_TTL_SECONDS": "1",
    "WHOLESYNC_RETRY_BASE_SECONDS": "0.2",
    "WHOLESYNC_RETRY_MAX_SECONDS": "1",
    "WHOLESYNC_JOB_MAX_ATTEMPTS": "50",
    "WHOLESYNC_LOG_LEVEL": "WARNING",
}
FINAL_REQUESTS = 3


@dataclass
class Chaos:
    """The hub and shop of the export, the worker processes, and what happened to them."""

    orders: Orders
    deployment: Deployment
    runtime: Runtime
    rng: random.Random
    outcomes: Counter[str] = field(default_factory=Counter)

    def shopify_count(self) -> int:
        count: int = self.orders.harness.control("GET", "")["counts"]["orders"]
        return count

    def running(self) -> bool:
        """Whether a worker holds the export's lease: a run is under way."""
        with self.orders.harness.sessions() as session:
            held = session.scalar(
                select(func.count())
                .select_from(RunLease)
                .where(RunLease.flow == FLOW, RunLease.expires_at > utcnow())
            )
        return bool(held)

    def waiting(self) -> bool:
        return any(
            job.flow == FLOW and job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
            for job in self.runtime.jobs()
        )

    def kill_a_run(self, after_write: bool) -> None:
        """Start a worker, and SIGKILL it a random time into its run or just after a create."""
        if not self.waiting():
            self.runtime.request_run(self.deployment.tenant_id, FLOW)
        worker = self.deployment.start("worker", "--threads", "1")
        wait_for(lambda: self.running() or not self.waiting(), "the worker to start the run")
        before = self.shopify_count()
        deadline = time.monotonic() + self.rng.uniform(0.05, 3.0)
        while worker.poll() is None and time.monotonic() < deadline:
            if after_write and self.shopify_count() > before:
                time.sleep(self.rng.uniform(0, 0.05))
                break
            time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=30) == -signal.SIGKILL
        if not self.waiting():
            self.outcomes["runs that ended before the kill"] += 1
        self.outcomes["kills just after a create" if after_write else "kills at random"] += 1
        wait_for(lambda: not self.running(), "the killed run's lease to expire")
        # The chores a scheduler runs (its schedule tick aside, which would start other flows):
        # the dead worker's job fails as WORKER_LOST and is requested again, its run is closed.
        self.runtime.runner.reap()
        close_orphaned_runs(
            self.runtime.sessions, utcnow(), self.runtime.settings.lease_ttl_seconds
        )

    def finish(self) -> int:
        """Let a worker run the export to the end; how many runs that took to leave no order
        unexported (a run may leave some failed with SHOPIFY_UNAVAILABLE, for the next)."""
        worker = self.deployment.start("worker", "--threads", "1")
        try:
            for request in range(1, FINAL_REQUESTS + 1):
                if not self.waiting():
                    self.runtime.request_run(self.deployment.tenant_id, FLOW)
                wait_for(lambda: not self.waiting(), "the last run to finish", timeout=240)
                if not self.unfinished():
                    return request
        finally:
            worker.kill()
            worker.wait(timeout=30)
        return FINAL_REQUESTS

    def unfinished(self) -> list[tuple[str, str, str | None]]:
        with self.orders.harness.sessions() as session:
            rows = session.execute(
                select(Order.number, Order.status, Order.error_code).where(
                    Order.status != "processed"
                )
            )
            return [(number, status, code) for number, status, code in rows]


@pytest.fixture
def chaos(
    harness: Harness, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Chaos]:
    orders = Orders(harness)
    for flow in ("products", "customers"):
        assert harness.sync(flow).status in ("succeeded", "partial")
    harness.set("orders.bypass_stock_check", "true")
    harness.set("orders.search_lag_seconds", str(SEARCH_LAG + 2))
    env = {
        **os.environ,
        **SERVICE_ENV,
        "WHOLESYNC_DATABASE_URL": database_url,
        "WHOLESYNC_QUEUE_URL": f"sqlite:///{tmp_path / 'queue.sqlite3'}",
        "NO_COLOR": "1",
    }
    for key, value in SERVICE_ENV.items():
        monkeypatch.setenv(key, value)  # the test's own runtime reaps with the same lease time
    deployment = Deployment(env, tenant_id(harness), tmp_path / "worker.log", harness.shop, "")
    runtime = deployment.runtime()
    try:
        yield Chaos(orders, deployment, runtime, random.Random(SEED))
    finally:
        deployment.kill_all()
        runtime.close()
        print(deployment.output()[-20_000:])


def place_orders(orders: Orders, rng: random.Random) -> None:
    """``ORDERS`` approved hub orders of synced customers, one to three lines each."""
    with orders.harness.sessions() as session:
        customers = list(session.scalars(select(Customer).where(Customer.email.is_not(None))))
        keys = [key for key in session.scalars(select(Variant.upc)) if key]
    assert customers and len(keys) >= 3
    for _ in range(ORDERS):
        lines = [(key, rng.randint(1, 6)) for key in rng.sample(keys, rng.randint(1, 3))]
        orders.place(lines, customer=rng.choice(customers), po_number=f"PO-{rng.randrange(10**6)}")


def test_every_hub_order_becomes_exactly_one_shopify_order_whatever_the_kills(
    chaos: Chaos,
) -> None:
    orders = chaos.orders
    place_orders(orders, chaos.rng)
    orders.faults(**FAULTS)
    started = time.monotonic()
    for kill in range(KILLS):
        chaos.kill_a_run(after_write=kill % 2 == 1)
    final_runs = chaos.finish()
    wall = time.monotonic() - started
    struck = orders.harness.control("GET", "")["faults_struck"]
    orders.faults()
    with orders.harness.sessions() as session:
        rows = session.execute(select(Order.export_key, Order.shopify_order_gid))
        hub = {key: gid for key, gid in rows}
        runs = Counter(session.scalars(select(SyncRun.status).where(SyncRun.flow == FLOW)))
    shopify = orders.shopify_orders()
    _report(chaos.outcomes, runs, struck, final_runs, len(shopify), wall)

    assert chaos.unfinished() == []
    assert len(hub) == ORDERS and None not in hub
    assert len(shopify) == ORDERS
    by_key = {order["sourceIdentifier"]: order for order in shopify}
    assert set(by_key) == set(hub)  # one Shopify order per key: none twice, none lost
    for key, order in by_key.items():
        assert [tag for tag in order["tags"] if tag in hub] == [key]
        assert hub[key] == order["id"]


def _report(
    outcomes: Counter[str],
    runs: Counter[str],
    struck: dict[str, Any],
    final_runs: int,
    created: int,
    wall: float,
) -> None:
    print(
        f"\nhub orders: {ORDERS}; Shopify orders: {created}; {dict(outcomes)}"
        f"\nruns to finish after the last kill: {final_runs}; run records: {dict(runs)}"
        f"\nfaults struck: {struck['errors']} answers 5xx, {struck['lost_responses']} responses"
        f" lost after the write; search lag {SEARCH_LAG:g} s; wall time {wall:.1f} s"
    )
