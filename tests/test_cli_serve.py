"""``wholesync serve``, ``worker``, ``jobs`` and ``init``: the service commands end to end,
as subprocesses sharing the hub database and queue with the test."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.service_processes import Deployment, job_status, open_deployment, stop, wait_for
from wholesync.cli import app
from wholesync.runtime.jobs import request_job
from wholesync.runtime.models import JobStatus
from wholesync.simulator.server import RunningSimulator, free_port


@pytest.fixture
def deployment(
    simulator: RunningSimulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Deployment]:
    database_url = f"sqlite:///{tmp_path / 'hub.db'}"
    with open_deployment(simulator, database_url, tmp_path, monkeypatch) as deployment:
        yield deployment


def test_serve_answers_health_checks_and_runs_jobs(deployment: Deployment) -> None:
    port = free_port()
    process = deployment.serve(port, "--workers", "1")
    try:
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
