"""``wholesync serve``, ``worker``, ``jobs`` and ``init``: the service commands end to end,
as subprocesses sharing the hub database and queue with the test."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from wholesync.cli import app
from wholesync.hub.db import init_db, session_factory
from wholesync.runtime.jobs import request_job
from wholesync.runtime.models import JobStatus
from wholesync.runtime.service import Runtime
from wholesync.simulator.server import RunningSimulator, free_port
from wholesync.sync.tenants import add_tenant

WHOLESYNC = [sys.executable, "-m", "wholesync.cli"]
_shops = itertools.count(1)


@dataclass
class Deployment:
    """One hub database and queue, and a tenant syncing from a simulated shop."""

    env: dict[str, str]
    tenant_id: int
    log: Path

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as out:
            return subprocess.Popen(
                [*WHOLESYNC, *args], stdout=out, stderr=subprocess.STDOUT, env=self.env
            )

    def runtime(self) -> Runtime:
        return Runtime(self.env["WHOLESYNC_DATABASE_URL"], self.env["WHOLESYNC_QUEUE_URL"])

    def output(self) -> str:
        return self.log.read_text()


@pytest.fixture
def deployment(
    simulator: RunningSimulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Deployment]:
    shop = f"cliserve{next(_shops)}"
    spec = {"shop": shop, "token": f"shpat_{shop}", "seed": 2, "plan": "plus"}
    counts = {"products": 3, "customers": 2, "locations": 1}
    created = httpx.post(f"{simulator.url}/__sim/shops", json={**spec, **counts}, timeout=60)
    assert created.status_code == 201, created.text
    env = {
        **os.environ,
        "WHOLESYNC_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}",
        "WHOLESYNC_QUEUE_URL": f"sqlite:///{tmp_path / 'queue.sqlite3'}",
        "BRAND_TOKEN": f"shpat_{shop}",
        "COLUMNS": "200",
        "NO_COLOR": "1",
    }
    for key in ("WHOLESYNC_DATABASE_URL", "WHOLESYNC_QUEUE_URL", "BRAND_TOKEN", "COLUMNS"):
        monkeypatch.setenv(key, env[key])
    engine = init_db(env["WHOLESYNC_DATABASE_URL"])
    with session_factory(engine).begin() as session:
        tenant_id = add_tenant(
            session,
            "brand",
            shop=f"{shop}.myshopify.com",
            token_env="BRAND_TOKEN",
            secret_env="BRAND_SECRET",
            api_url=simulator.url,
        ).id
    engine.dispose()
    yield Deployment(env, tenant_id, tmp_path / "service.log")
    httpx.delete(f"{simulator.url}/__sim/shops/{shop}", timeout=30)


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def stop(process: subprocess.Popen[bytes], sig: signal.Signals) -> int:
    process.send_signal(sig)
    try:
        return process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()


def job_status(runtime: Runtime, job_id: int) -> str:
    (job,) = [job for job in runtime.jobs() if job.id == job_id]
    return job.status


def test_serve_answers_health_checks_and_runs_jobs(deployment: Deployment) -> None:
    port = free_port()
    process = deployment.start("serve", "--port", str(port), "--workers", "1")
    try:

        def healthy() -> bool:
            assert process.poll() is None, deployment.output()
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
            except httpx.TransportError:
                return False

        wait_for(healthy, "/healthz")
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").json() == {"status": "ok"}
        runtime = deployment.runtime()
        job = runtime.request_run(deployment.tenant_id, "products")
        wait_for(lambda: job_status(runtime, job.id) == JobStatus.SUCCEEDED, "the job")
        runtime.close()
    finally:
        code = stop(process, signal.SIGTERM)
    assert code == 0, deployment.output()
    assert "Stopped." in deployment.output()


def test_worker_runs_jobs_and_stops_on_sigterm(deployment: Deployment) -> None:
    process = deployment.start("worker", "--threads", "2")
    try:
        wait_for(lambda: "Worker: 2 thread(s)" in deployment.output(), "the worker")
        runtime = deployment.runtime()
        job = runtime.request_run(deployment.tenant_id, "customers")
        wait_for(lambda: job_status(runtime, job.id) == JobStatus.SUCCEEDED, "the job")
        runtime.close()
    finally:
        code = stop(process, signal.SIGTERM)
    assert code == 0, deployment.output()
    assert "Worker stopped." in deployment.output()


def test_jobs_lists_jobs_with_their_errors(deployment: Deployment) -> None:
    runtime = deployment.runtime()
    sessions = runtime.sessions
    failed, _ = request_job(sessions, deployment.tenant_id, "inventory", trigger="schedule")
    with sessions.begin() as session:
        job = session.merge(failed)
        job.status, job.attempts = JobStatus.FAILED, 5
        job.error = "SHOPIFY_UNAVAILABLE: Shopify answered HTTP 503 five times."
    request_job(sessions, deployment.tenant_id, "products")
    runtime.close()
    runner = CliRunner()

    table = runner.invoke(app, ["jobs"])
    assert table.exit_code == 0, table.output
    assert "SHOPIFY_UNAVAILABLE: Shopify answered HTTP 503 five times." in table.output
    assert "failed" in table.output and "queued" in table.output and "5/5" in table.output

    as_json = runner.invoke(app, ["jobs", "--json", "--status", "failed", "--tenant", "brand"])
    assert as_json.exit_code == 0, as_json.output
    (line,) = as_json.output.splitlines()
    data = json.loads(line)
    assert data["id"] == failed.id and data["tenant"] == "brand" and data["flow"] == "inventory"
    assert data["status"] == "failed" and data["error"].startswith("SHOPIFY_UNAVAILABLE")
    assert data["trigger"] == "schedule" and data["attempts"] == 5

    assert runner.invoke(app, ["jobs", "--status", "succeeded"]).output.strip() == "No jobs."
    unknown = runner.invoke(app, ["jobs", "--tenant", "nobody"])
    assert unknown.exit_code == 2 and "TENANT_NOT_FOUND" in unknown.output


def test_init_creates_the_queue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHOLESYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    monkeypatch.setenv("WHOLESYNC_QUEUE_URL", f"sqlite:///{tmp_path / 'q' / 'queue.sqlite3'}")
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert "Queue ready" in result.output
    assert (tmp_path / "q" / "queue.sqlite3").is_file()

    monkeypatch.setenv("WHOLESYNC_QUEUE_URL", "amqp://localhost")
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 2
    assert "QUEUE_URL_INVALID" in result.output and "redis://" in result.output


def test_worker_without_threads_or_scheduler_is_refused() -> None:
    result = CliRunner().invoke(app, ["worker", "--threads", "0"])
    assert result.exit_code == 2 and "NOTHING_TO_RUN" in result.output
