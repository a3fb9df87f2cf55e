"""20 tenants reconciling at once in one PostgreSQL hub with a Redis queue, drained by real
``wholesync worker`` processes: 4 processes against 1 (one job thread each).

Each tenant syncs its own simulated shop (its own rate-limit bucket). The tenants are synced
once first; then a reconcile (a full run of every inbound flow: bulk read, compare, nothing
to write) is requested for every tenant at the same moment, and timed from the requests
until the last job finished, by the jobs' own timestamps. Every shop's bucket is full before
each timed drain, and each drain has a queue of its own.

The ideal speed-up is 4x (four workers). Work that keeps the CPU busy cannot go faster than
the cores allow, so the bound quoted is min(4, cores / cores kept busy by one worker's run);
the CPU time of the worker processes, the simulator (a ``wholesync simulator`` process) and
the database backends is measured during each drain.
"""

from __future__ import annotations

import os
import platform
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import redis
from sqlalchemy import func, select, text

from bench.outbound import full_bucket
from bench.postgres import scratch_databases
from wholesync.hub.db import init_db, session_factory
from wholesync.hub.models.types import utcnow
from wholesync.runtime.models import Job, JobStatus
from wholesync.runtime.service import Runtime
from wholesync.simulator.server import free_port
from wholesync.sync.registry import FLOW_SPECS
from wholesync.sync.tenants import add_tenant

TENANTS = 20
WORKERS = (1, 4)
ROUNDS = 2  # the best of two drains of each size: other work only ever slows one down
COUNTS = {"products": 30, "customers": 20, "locations": 2}
REDIS_URL = os.environ.get("WHOLESYNC_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
WHOLESYNC = [sys.executable, "-m", "wholesync.cli"]
DONE = {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED}
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Simulator:
    """A simulator process: where it serves, and its pid."""

    url: str
    pid: int


@dataclass(frozen=True)
class Fleet:
    """The simulated shops, the hub whose tenants sync them, and the workers' environment."""

    sim: Simulator
    database_url: str
    handles: list[str]
    tenant_ids: list[int]
    env: dict[str, str]
    logs: Path


def run(tenants: int = TENANTS, counts: dict[str, int] = COUNTS) -> dict[str, Any]:
    with (
        scratch_databases() as database,
        tempfile.TemporaryDirectory() as folder,
        simulator(Path(folder)) as sim,
    ):
        fleet = open_fleet(sim, database("tenants"), tenants, counts, Path(folder))
        initial = drain(fleet, max(WORKERS))
        # Alternated, so that a slow spell on the machine does not favour one side.
        drains = [drain(fleet, workers) for _ in range(ROUNDS) for workers in WORKERS]
    return summarise(tenants, counts, initial, drains)


@contextmanager
def simulator(logs: Path) -> Iterator[Simulator]:
    """``wholesync simulator`` in a process of its own (its CPU time is then its own)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [*WHOLESYNC, "simulator", "--port", str(port), "--shop", "bench-idle"]
    with (logs / "simulator.log").open("wb") as out:
        process = subprocess.Popen(
            [*command, "--products", "0", "--customers", "0", "--locations", "1"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while not _answers(f"{url}/__sim/shops/bench-idle"):
            assert process.poll() is None, (logs / "simulator.log").read_text()
            assert time.monotonic() < deadline, "the simulator did not start"
            time.sleep(0.1)
        yield Simulator(url, process.pid)
    finally:
        stop([process])


def _answers(url: str) -> bool:
    try:
        return httpx.get(url).status_code == 200
    except httpx.TransportError:
        return False


def open_fleet(sim: Simulator, url: str, tenants: int, counts: dict[str, int], logs: Path) -> Fleet:
    """``tenants`` shops of ``counts`` on the standard plan, and a tenant in the hub for each."""
    tag = f"{os.getpid()}-{secrets.token_hex(3)}"
    env = {**os.environ, "WHOLESYNC_DATABASE_URL": url, "WHOLESYNC_QUEUE_URL": REDIS_URL}
    handles = [f"bench-tenant{number}-{tag}" for number in range(tenants)]
    with httpx.Client(timeout=120) as http:
        for number, handle in enumerate(handles):
            spec = {"shop": handle, "token": f"shpat_{handle}", "seed": number + 1, **counts}
            http.post(f"{sim.url}/__sim/shops", json=spec).raise_for_status()
            env[f"BENCH_T{number}_TOKEN"] = f"shpat_{handle}"
            env[f"BENCH_T{number}_SECRET"] = "not-used"
    engine = init_db(url)
    with session_factory(engine).begin() as session:
        added = [
            add_tenant(
                session,
                f"tenant{number}",
                shop=f"{handle}.myshopify.com",
                token_env=f"BENCH_T{number}_TOKEN",
                secret_env=f"BENCH_T{number}_SECRET",
                api_url=sim.url,
            )
            for number, handle in enumerate(handles)
        ]
        session.flush()
        ids = [tenant.id for tenant in added]
    engine.dispose()
    return Fleet(sim, url, handles, ids, env, logs)


def drain(fleet: Fleet, workers: int) -> dict[str, Any]:
    """Request a full run of every inbound flow of every tenant and time how long ``workers``
    worker processes take to finish them all."""
    queue = f"wholesync-bench-{os.getpid()}-{secrets.token_hex(4)}"
    for handle in fleet.handles:
        full_bucket(fleet.sim.url, f"shpat_{handle}")
    runtime = Runtime(fleet.database_url, REDIS_URL, name=queue)
    try:
        with started_workers(fleet, queue, workers) as pids:
            cpu_before = [cpu_seconds(pid) for pid in pids]
            sim_before = cpu_seconds(fleet.sim.pid)
            backends_before = backend_cpu(runtime)
            idle_before = idle_seconds()
            requested_at = utcnow()
            ids = request_reconciles(runtime, fleet.tenant_ids)
            jobs = finished(runtime, ids)
            sim_cpu = cpu_seconds(fleet.sim.pid) - sim_before
            worker_cpu = sum(cpu_seconds(pid) for pid in pids) - sum(cpu_before)
            backends = backend_cpu(runtime)
            idle = idle_seconds() - idle_before
    finally:
        runtime.close()
        forget_queue(queue)
    failed = [(job.id, job.flow, job.error) for job in jobs if job.status != "succeeded"]
    assert not failed, failed
    wall = (last_finish(jobs) - requested_at).total_seconds()
    database_cpu = sum(cpu - backends_before.get(pid, 0.0) for pid, cpu in backends.items())
    cpu = worker_cpu + sim_cpu + database_cpu
    running = sum(job_seconds(job) for job in jobs)
    return {
        "workers": workers,
        "jobs": len(jobs),
        "wall_seconds": round(wall, 3),
        "worker_cpu_seconds": round(worker_cpu, 2),
        "simulator_cpu_seconds": round(sim_cpu, 2),
        "database_cpu_seconds": round(database_cpu, 2),
        "cores_busy": round(cpu / wall, 2),
        # Idle across the whole machine (other work included): near 0, the CPU was the limit.
        "cores_idle": round(idle / wall, 2),
        "mean_job_seconds": round(running / len(jobs), 3),
        # How many jobs ran at once on average: at most the number of workers.
        "mean_jobs_running": round(running / wall, 2),
    }


def request_reconciles(runtime: Runtime, tenant_ids: list[int]) -> set[int]:
    """Every tenant asks for a full run of each inbound flow, all at the same moment (one
    thread a tenant); the ids of the jobs."""

    def request(tenant_id: int) -> list[int]:
        return [runtime.request_run(tenant_id, flow, full=True).id for flow in FLOW_SPECS]

    with ThreadPoolExecutor(len(tenant_ids)) as pool:
        return {job_id for ids in pool.map(request, tenant_ids) for job_id in ids}


def finished(runtime: Runtime, ids: set[int], timeout: float = 1_800) -> list[Job]:
    """The jobs ``ids`` once every one of them has finished (polled with a cheap count)."""
    deadline = time.monotonic() + timeout
    mine = Job.id.in_(ids)
    with runtime.sessions() as session:
        while session.scalar(select(func.count()).where(mine, Job.status.not_in(DONE))):
            session.rollback()  # a fresh snapshot each time
            assert time.monotonic() < deadline, "the jobs did not finish in time"
            time.sleep(0.1)
        return list(session.scalars(select(Job).where(mine)))


def job_seconds(job: Job) -> float:
    assert job.started_at is not None and job.finished_at is not None
    return (job.finished_at - job.started_at).total_seconds()


def last_finish(jobs: list[Job]) -> datetime:
    ends = [job.finished_at for job in jobs if job.finished_at is not None]
    return max(ends)


@contextmanager
def started_workers(fleet: Fleet, queue: str, count: int) -> Iterator[list[int]]:
    """``count`` worker processes of one job thread each on ``queue``, ready; their pids.
    They are stopped (SIGTERM, then killed) on leaving."""
    env = {**fleet.env, "WHOLESYNC_QUEUE_NAME": queue}
    logs = [fleet.logs / f"{queue}-{number}.log" for number in range(count)]
    processes = []
    for log in logs:
        with log.open("wb") as out:
            command = [*WHOLESYNC, "worker", "--threads", "1"]
            processes.append(
                subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
            )
    try:
        deadline = time.monotonic() + 60
        for process, log in zip(processes, logs, strict=True):
            while "Worker: 1 thread(s)" not in log.read_text():
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "a worker did not start"
                time.sleep(0.1)
        yield [process.pid for process in processes]
    finally:
        stop(processes)


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM (workers finish their job), then kill what is still running after a minute."""
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid`` so far (fields 14 and 15 of its stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def idle_seconds() -> float:
    """Idle (and I/O wait) time of all the machine's cores so far, from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    return (int(fields[4]) + int(fields[5])) / TICKS


def backend_cpu(runtime: Runtime) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend serving the hub's database now (the workers
    keep theirs open in their pools; one that closes mid-drain loses its last seconds)."""
    with runtime.engine.connect() as conn:
        pids = conn.scalars(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ).all()
    found = {}
    for pid in pids:
        try:
            found[pid] = cpu_seconds(pid)
        except FileNotFoundError:  # it closed meanwhile
            continue
    return found


def forget_queue(queue: str) -> None:
    """Delete the queue's keys and its throttle buckets from Redis."""
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"*{queue}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def summarise(
    tenants: int, counts: dict[str, int], initial: dict[str, Any], drains: list[dict[str, Any]]
) -> dict[str, Any]:
    best = {
        workers: min(
            (d for d in drains if d["workers"] == workers), key=lambda d: d["wall_seconds"]
        )
        for workers in WORKERS
    }
    one, many = best[min(WORKERS)], best[max(WORKERS)]
    cores = os.cpu_count() or 1
    ideal = max(WORKERS) / min(WORKERS)
    # One worker's run kept this many cores busy; the same CPU work cannot be spread on more.
    by_cores = cores / max(one["cores_busy"], 1e-9)
    cpu_bound = min(ideal, by_cores)
    speed_up = one["wall_seconds"] / many["wall_seconds"]
    return {
        "benchmark": "tenants_scale",
        "python": platform.python_version(),
        "database": "postgresql",
        "queue": "redis",
        "tenants": tenants,
        "flows": list(FLOW_SPECS),
        "shop": counts,
        "cores": cores,
        "initial_sync": initial,
        "reconcile_drains": drains,
        "summary": {
            f"wall_seconds_{min(WORKERS)}_worker": one["wall_seconds"],
            f"wall_seconds_{max(WORKERS)}_workers": many["wall_seconds"],
            "speed_up": round(speed_up, 2),
            "ideal_speed_up": ideal,
            "cpu_bound_speed_up": round(cpu_bound, 2),
            # "workers": one worker left cores idle (it mostly waited on shops and the
            # database), so four can at best go four times as fast; "cores": it did not.
            "bound_set_by": "workers" if ideal <= by_cores else "cores",
            "cores_busy_1_worker": one["cores_busy"],
            "ratio_to_bound": round(speed_up / cpu_bound, 2),
        },
    }
