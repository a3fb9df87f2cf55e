"""Distributed mode end to end: PostgreSQL, a Redis queue, three `wholesync worker` processes
and a scheduler process sync every flow of two tenants at once, while their merchants edit.

Each shop is on Shopify's smallest plan and the work costs more points than its bucket holds,
so the workers must keep to each shop's bucket, shared in Redis, to stay clear of THROTTLED.
The test then reads the records: no two runs of one (tenant, flow) overlapped, no THROTTLED
error reached a run, every job succeeded, and each hub holds exactly what its shop holds."""

from __future__ import annotations

import itertools
import os
import subprocess
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import select

from tests.service_processes import WHOLESYNC, distributed
from tests.web.harness import eventually, hub_view, listing, reference_view
from wholesync.hub.models import SyncRecord, SyncRun
from wholesync.hub.models.types import utcnow
from wholesync.runtime.models import WAITING, Job, JobStatus, ScheduleState
from wholesync.runtime.service import Runtime
from wholesync.shopify.throttle_redis import RedisBucket
from wholesync.simulator.api.throttle import PLANS, LeakyBucket
from wholesync.simulator.server import RunningSimulator
from wholesync.sync.registry import FLOW_SPECS
from wholesync.sync.settings import TenantSettings
from wholesync.sync.tenants import add_tenant

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

PLAN = PLANS["standard"]  # Shopify's smallest bucket: 2,000 points, 100 restored a second
# Each incremental stock run reads every level of the shop, about 4 points a product.
PRODUCTS = 150
WORKERS = 3
ROUNDS = 3  # rounds of requests; the first asks for full runs
CALLERS = 3  # who ask for every (tenant, flow) at the same moment in each round
EDITS = 5  # records of each kind each merchant edits per round
DONE = {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED}
_shops = itertools.count(1)


@dataclass
class Meter:
    """What one simulated shop's bucket charged and refused (seen inside the simulator)."""

    charged: float = 0.0
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def watch(self, bucket: LeakyBucket, monkeypatch: pytest.MonkeyPatch) -> None:
        take, refund = bucket.try_take, bucket.refund

        def counted_take(cost: float) -> bool:
            taken = take(cost)
            with self.lock:
                self.charged += cost if taken else 0.0
                self.refused += not taken
            return taken

        def counted_refund(points: float) -> None:
            refund(points)
            with self.lock:
                self.charged -= max(0.0, points)

        monkeypatch.setattr(bucket, "try_take", counted_take)
        monkeypatch.setattr(bucket, "refund", counted_refund)


@dataclass
class Brand:
    """A tenant, the simulated shop it syncs from, and what its merchant edits there."""

    name: str
    handle: str
    meter: Meter
    products: list[str]
    customers: list[str]
    items: list[str]
    tenant_id: int = 0

    @property
    def domain(self) -> str:
        return f"{self.handle}.myshopify.com"


@dataclass
class Cluster:
    """One PostgreSQL hub and Redis queue shared by the test and its service processes."""

    env: dict[str, str]
    runtime: Runtime
    sim: RunningSimulator
    logs: Path
    brands: list[Brand]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    def start(self, name: str, *args: str) -> None:
        with (self.logs / f"{name}.log").open("ab") as out:
            self.processes[name] = subprocess.Popen(
                [*WHOLESYNC, *args], stdout=out, stderr=subprocess.STDOUT, env=self.env
            )

    def started(self, name: str, banner: str) -> None:
        def ready() -> bool:
            assert self.processes[name].poll() is None, self.output()
            return banner in self.log(name)

        eventually(ready, 30, f"{name} to start")

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text()

    def output(self) -> str:
        return "\n".join(f"--- {name} ---\n{self.log(name)}" for name in self.processes)

    def edit(self, brand: Brand, path: str, body: dict[str, object]) -> None:
        response = self.http.post(f"{self.sim.url}/__sim/shops/{brand.handle}{path}", json=body)
        assert response.status_code < 300, response.text

    def jobs(self) -> Sequence[Job]:
        return self.runtime.jobs(limit=10_000)


def open_brand(
    sim: RunningSimulator, name: str, seed: int, monkeypatch: pytest.MonkeyPatch
) -> Brand:
    handle = f"distributed{next(_shops)}-{os.getpid()}"
    spec = {
        "shop": handle,
        "token": f"shpat_{handle}",
        "seed": seed,
        "plan": PLAN.name,
        "products": PRODUCTS,
        "customers": 40,
        "locations": 2,
    }
    created = httpx.post(f"{sim.url}/__sim/shops", json=spec, timeout=60)
    assert created.status_code == 201, created.text
    shop = sim.sim.store.get(handle)
    assert shop is not None
    meter = Meter()
    meter.watch(shop.bucket, monkeypatch)
    # The service processes inherit it, and the reference sync of the final check reads it.
    monkeypatch.setenv(f"{name.upper()}_TOKEN", f"shpat_{handle}")
    products = synced(sim, handle, "products")
    return Brand(
        name,
        handle,
        meter,
        products=[p["id"] for p in products[:EDITS]],
        customers=[c["id"] for c in synced(sim, handle, "customers")[:EDITS]],
        items=[p["variants"][0]["inventoryItemId"] for p in products[EDITS : 2 * EDITS]],
    )


def synced(sim: RunningSimulator, handle: str, kind: str) -> list[dict[str, Any]]:
    """The shop's records of ``kind`` that carry the sync tag (the others stay out of the hub)."""
    return [row for row in listing(sim, handle, kind) if "wholesync" in row["tags"]]


@pytest.fixture
def cluster(
    simulator: RunningSimulator,
    database_url: str,
    redis_url: str,
    redis_prefix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Cluster]:
    brands = [
        open_brand(simulator, name, seed, monkeypatch)
        for seed, name in ((3, "north"), (4, "south"))
    ]
    env, runtime = distributed(database_url, redis_url, redis_prefix)
    with runtime.sessions.begin() as session:
        for brand in brands:
            brand.tenant_id = add_tenant(
                session,
                brand.name,
                shop=brand.domain,
                token_env=f"{brand.name.upper()}_TOKEN",
                secret_env=f"{brand.name.upper()}_SECRET",
                api_url=simulator.url,
            ).id
    cluster = Cluster(env, runtime, simulator, tmp_path, brands)
    try:
        yield cluster
    finally:
        for process in cluster.processes.values():
            process.kill()
            process.wait(timeout=30)
        print(cluster.output())  # pytest shows it when the test failed
        cluster.http.close()
        runtime.close()
        for brand in brands:
            httpx.delete(f"{simulator.url}/__sim/shops/{brand.handle}", timeout=30)


def make_schedules_due(cluster: Cluster) -> None:
    """Every flow of every tenant due a minute ago: the scheduler's first tick requests them."""
    flows = TenantSettings().flows
    with cluster.runtime.sessions.begin() as session:
        for brand in cluster.brands:
            for flow in FLOW_SPECS:
                session.add(
                    ScheduleState(
                        tenant_id=brand.tenant_id,
                        flow=flow,
                        cron=getattr(flows, flow).schedule,
                        next_due_at=utcnow() - timedelta(minutes=1),
                    )
                )


def request_all(cluster: Cluster, *, full: bool = False, callers: int = CALLERS) -> None:
    """Each caller asks for every flow of every tenant, all of them at the same moment."""
    pairs = [(b.tenant_id, flow) for b in cluster.brands for flow in FLOW_SPECS] * callers
    with ThreadPoolExecutor(len(pairs)) as pool:
        requests = [
            pool.submit(cluster.runtime.request_run, tenant_id, flow, full=full)
            for tenant_id, flow in pairs
        ]
        for request in requests:
            request.result()


def merchant_edits(cluster: Cluster, round_: int) -> None:
    """Each merchant retitles products, renames customers and moves stock."""
    for brand in cluster.brands:
        for number, gid in enumerate(brand.products):
            title = f"{brand.name} round {round_} product {number}"
            cluster.edit(brand, f"/products/{gid.rsplit('/', 1)[1]}", {"title": title})
        for number, gid in enumerate(brand.customers):
            cluster.edit(brand, f"/customers/{gid}", {"firstName": f"R{round_}C{number}"})
        for gid in brand.items:
            cluster.edit(brand, "/inventory", {"inventoryItemId": gid, "delta": round_ + 1})


def start_service(cluster: Cluster) -> None:
    """The workers, then the scheduler, whose first tick requests every due flow."""
    for number in range(WORKERS):
        cluster.start(f"worker{number}", "worker", "--threads", "2")
    for number in range(WORKERS):
        cluster.started(f"worker{number}", "Worker: 2 thread(s)")
    make_schedules_due(cluster)
    cluster.start("scheduler", "worker", "--threads", "0", "--scheduler")
    pairs = len(cluster.brands) * len(FLOW_SPECS)
    eventually(
        lambda: sum(job.trigger == "schedule" for job in cluster.jobs()) == pairs,
        30,
        "the scheduler to request the due runs",
    )


def run_workload(cluster: Cluster) -> None:
    """Rounds of simultaneous requests and merchant edits, then a final reconcile."""
    for round_ in range(ROUNDS):
        request_all(cluster, full=round_ == 0)
        merchant_edits(cluster, round_)
        # Once these have started, the next round's requests queue behind them.
        eventually(
            lambda: not any(job.status in WAITING for job in cluster.jobs()),
            60,
            f"round {round_} to start",
        )
    eventually(lambda: all(job.status in DONE for job in cluster.jobs()), 60, "the rounds")
    # The reconcile picks up what changed since each flow's last run.
    request_all(cluster, callers=1)
    eventually(lambda: all(job.status in DONE for job in cluster.jobs()), 60, "the reconcile")


def check_one_run_at_a_time(cluster: Cluster, runs: Sequence[SyncRun]) -> None:
    """No two runs of a (tenant, flow) overlap, by their own timestamps, while different flows
    did run side by side, in every worker process."""
    for brand in cluster.brands:
        for flow in FLOW_SPECS:
            mine = [r for r in runs if (r.tenant_id, r.flow) == (brand.tenant_id, flow)]
            assert len(mine) >= ROUNDS + 1, f"{brand.name} {flow}: {len(mine)} runs"
            for before, after in pairwise(mine):
                assert before.finished_at is not None
                assert before.finished_at <= after.started_at, f"{brand.name} {flow} overlap"
    assert any(
        a.finished_at is not None and b.started_at < a.finished_at for a, b in pairwise(runs)
    )
    for number in range(WORKERS):
        assert "Executing wholesync.runtime.service.run_job" in cluster.log(f"worker{number}")


def check_never_throttled(cluster: Cluster, texts: list[str | None]) -> None:
    """No THROTTLED in any job, run or record error, nor even answered by a shop, although
    each shop charged more than its bucket holds: the workers waited on its bucket in Redis."""
    assert [text for text in texts if text and "THROTTLED" in text] == []
    assert "THROTTLED" not in cluster.output()
    shared = redis.Redis.from_url(cluster.env["WHOLESYNC_QUEUE_URL"])
    for brand in cluster.brands:
        assert brand.meter.refused == 0, brand.name
        assert brand.meter.charged > PLAN.bucket_size, brand.name
        bucket = RedisBucket(shared, brand.domain, prefix=cluster.env["WHOLESYNC_QUEUE_NAME"])
        assert bucket.status is not None and bucket.status.maximum == PLAN.bucket_size
    shared.close()


def check_hub_equals_shop(cluster: Cluster) -> None:
    """Each hub holds what a fresh sync of its shop gives, the merchants' last edits included."""
    last = ROUNDS - 1
    for brand in cluster.brands:
        view = hub_view(cluster.runtime.sessions, brand.tenant_id)
        assert view == reference_view(cluster.runtime.sessions, brand.tenant_id, cluster.logs)
        titles = {row[0] for row in view["products"].values()}
        assert {f"{brand.name} round {last} product {n}" for n in range(EDITS)} <= titles
        names = {row[1] for row in view["customers"].values()}
        assert {f"R{last}C{n}" for n in range(EDITS)} <= names


def test_workers_sharing_postgres_and_redis_sync_two_tenants(cluster: Cluster) -> None:
    start_service(cluster)
    run_workload(cluster)

    jobs = cluster.jobs()
    assert [(j.id, j.flow, j.status, j.error) for j in jobs if j.status != "succeeded"] == []
    with cluster.runtime.sessions() as session:
        runs = session.scalars(select(SyncRun).order_by(SyncRun.started_at, SyncRun.id)).all()
        records = session.execute(
            select(SyncRecord.code, SyncRecord.message).where(SyncRecord.code.is_not(None))
        ).all()
    assert [(r.id, r.error) for r in runs if r.status != "succeeded"] == []
    assert {run.id for run in runs} == {job.run_id for job in jobs}

    check_one_run_at_a_time(cluster, runs)
    # Before the reference syncs of the last check, which call the shops too.
    errors = [j.error for j in jobs] + [r.error for r in runs] + [f"{c} {m}" for c, m in records]
    check_never_throttled(cluster, errors)
    check_hub_equals_shop(cluster)
