"""Wholesync's service commands (``serve``, ``worker``) as real subprocesses, sharing the hub
database and queue with the test, and a tenant syncing from a simulated shop."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from wholesync.hub.db import init_db, session_factory
from wholesync.runtime.service import Runtime
from wholesync.simulator.server import RunningSimulator
from wholesync.sync.tenants import add_tenant

WHOLESYNC = [sys.executable, "-m", "wholesync.cli"]
_shops = itertools.count(1)


@dataclass
class Deployment:
    """One hub database and queue, and tenant "brand" syncing from simulated shop ``shop``
    (webhooks signed with ``secret``). Every process started writes to ``log``."""

    env: dict[str, str]
    tenant_id: int
    log: Path
    shop: str
    secret: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as out:
            process = subprocess.Popen(
                [*WHOLESYNC, *args], stdout=out, stderr=subprocess.STDOUT, env=self.env
            )
        self.processes.append(process)
        return process

    def serve(self, port: int, *args: str) -> subprocess.Popen[bytes]:
        """Start ``wholesync serve --port PORT ARGS`` and wait until it answers /healthz."""
        process = self.start("serve", "--port", str(port), *args)

        def healthy() -> bool:
            assert process.poll() is None, self.output()
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
            except httpx.TransportError:
                return False

        wait_for(healthy, "/healthz")
        return process

    def runtime(self) -> Runtime:
        return Runtime(self.env["WHOLESYNC_DATABASE_URL"], self.env["WHOLESYNC_QUEUE_URL"])

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def kill_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)


@contextmanager
def open_deployment(
    simulator: RunningSimulator,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Deployment]:
    """A deployment on ``database_url`` (an empty database) and a SQLite queue in
    ``tmp_path``; its environment is also this test's. Its processes are killed at the end,
    and their log is printed (pytest shows it when the test failed)."""
    shop = f"cliserve{next(_shops)}"
    secret = f"whsec-{shop}"
    spec = {"shop": shop, "token": f"shpat_{shop}", "seed": 2, "plan": "plus"}
    counts = {"products": 3, "customers": 2, "locations": 1}
    created = httpx.post(
        f"{simulator.url}/__sim/shops",
        json={**spec, **counts, "webhook_secret": secret},
        timeout=60,
    )
    assert created.status_code == 201, created.text
    env = {
        **os.environ,
        "WHOLESYNC_DATABASE_URL": database_url,
        "WHOLESYNC_QUEUE_URL": f"sqlite:///{tmp_path / 'queue.sqlite3'}",
        "BRAND_TOKEN": f"shpat_{shop}",
        "BRAND_SECRET": secret,
        "COLUMNS": "200",
        "NO_COLOR": "1",
    }
    shared = ("WHOLESYNC_DATABASE_URL", "WHOLESYNC_QUEUE_URL", "BRAND_TOKEN", "BRAND_SECRET")
    for key in (*shared, "COLUMNS"):
        monkeypatch.setenv(key, env[key])
    engine = init_db(database_url)
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
    deployment = Deployment(env, tenant_id, tmp_path / "service.log", shop, secret)
    try:
        yield deployment
    finally:
        deployment.kill_all()
        print(deployment.output())
        httpx.delete(f"{simulator.url}/__sim/shops/{shop}", timeout=30)


def distributed(database_url: str, redis_url: str, prefix: str) -> tuple[dict[str, str], Runtime]:
    """The environment of service processes on ``database_url`` and the Redis queue
    ``prefix``, after ``wholesync init`` created the schema, and a runtime of the test's own."""
    env = {
        **os.environ,
        "WHOLESYNC_DATABASE_URL": database_url,
        "WHOLESYNC_QUEUE_URL": redis_url,
        "WHOLESYNC_QUEUE_NAME": prefix,
        "COLUMNS": "200",
        "NO_COLOR": "1",
    }
    init = subprocess.run([*WHOLESYNC, "init"], env=env, capture_output=True, text=True)
    assert init.returncode == 0, init.stdout + init.stderr
    return env, Runtime(database_url, redis_url, name=prefix)


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def job_status(runtime: Runtime, job_id: int) -> str:
    (job,) = [job for job in runtime.jobs() if job.id == job_id]
    return job.status


def stop(process: subprocess.Popen[bytes], sig: signal.Signals) -> int:
    process.send_signal(sig)
    try:
        return process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
