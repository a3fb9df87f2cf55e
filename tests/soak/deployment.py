"""The soak's deployment: two tenants on simulated shops, PostgreSQL and a Redis queue,
``wholesync serve`` (web app, webhook intake, scheduler) and two ``wholesync worker``
processes, webhooks subscribed to the served intake, and a first full sync."""

from __future__ import annotations

import signal
import subprocess
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.secrets_scan import remember
from tests.service_processes import WHOLESYNC, distributed, wait_for
from wholesync.hub.apikeys import create_key
from wholesync.hub.models import Customer
from wholesync.runtime.models import Job, JobStatus
from wholesync.runtime.service import Runtime
from wholesync.simulator.server import RunningSimulator, free_port
from wholesync.sync.registry import FLOW_SPECS
from wholesync.sync.tenants import add_tenant, set_setting

TENANTS = ("north", "south")
# What the scheduled and requested reconciles run; orders_export also runs on each approval.
RECONCILED = (*FLOW_SPECS, "orders_export")
UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.RETRYING)
SERVICE_ENV = {
    # A killed worker's run is taken over this soon after its last renewal.
    "WHOLESYNC_LEASE_TTL_SECONDS": "5",
    "WHOLESYNC_RETRY_BASE_SECONDS": "0.5",
    "WHOLESYNC_RETRY_MAX_SECONDS": "5",
    "WHOLESYNC_JOB_MAX_ATTEMPTS": "50",
    "WHOLESYNC_INBOX_STALE_SECONDS": "10",
    "WHOLESYNC_LOG_LEVEL": "WARNING",
}


@dataclass
class Brand:
    """A tenant, its simulated shop, and what the soak orders from its hub."""

    name: str
    handle: str
    tenant_id: int = 0
    api_key: str = ""
    customers: list[int] = field(default_factory=list)

    @property
    def control(self) -> str:
        """The path of its shop under the simulator's control API."""
        return f"/__sim/shops/{self.handle}"


@dataclass
class Soak:
    """The running deployment; ``workers`` are the killable job workers, by slot."""

    sim: RunningSimulator
    env: dict[str, str]
    runtime: Runtime
    logs: Path
    brands: list[Brand]
    url: str = ""
    serve: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    started: Counter[str] = field(default_factory=Counter)

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("ab") as out:
            process = subprocess.Popen(
                [*WHOLESYNC, *args], stdout=out, stderr=subprocess.STDOUT, env=self.env
            )
        self.started[name] += 1
        return process

    def start_worker(self, slot: int) -> None:
        process = self.start(f"worker{slot}", "worker", "--threads", "2")
        if slot < len(self.workers):
            self.workers[slot] = process
        else:
            self.workers.append(process)

    def kill_worker(self, slot: int) -> None:
        """SIGKILL the worker in ``slot``, whatever it is running, and start another."""
        process = self.workers[slot]
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL, self.output()
        self.start_worker(slot)

    def control(self, brand: Brand, method: str, path: str = "", body: Any = None) -> Any:
        url = f"{self.sim.url}{brand.control}{path}"
        response = httpx.request(method, url, json=body, timeout=120)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def jobs(self) -> list[Job]:
        with self.runtime.sessions() as session:
            return list(session.scalars(select(Job).order_by(Job.id)))

    def unfinished(self) -> list[Job]:
        return [job for job in self.jobs() if job.status in UNFINISHED]

    def idle(self) -> bool:
        return not self.unfinished()

    def request_all(self, flows: tuple[str, ...] = RECONCILED, *, full: bool = False) -> None:
        for brand in self.brands:
            for flow in flows:
                self.runtime.request_run(brand.tenant_id, flow, full=full)

    def output(self) -> str:
        return "\n".join(
            f"--- {log.name} ---\n{log.read_text()[-6000:]}"
            for log in sorted(self.logs.glob("*.log"))
        )

    def processes(self) -> list[subprocess.Popen[bytes]]:
        return [p for p in (self.serve, *self.workers) if p is not None]


def open_brand(
    sim: RunningSimulator, name: str, seed: int, products: int, monkeypatch: pytest.MonkeyPatch
) -> Brand:
    handle = f"soak-{name}-{uuid.uuid4().hex[:6]}"
    secret = f"whsec-{uuid.uuid4().hex}"
    remember(secret, f"shpat_{handle}")
    spec = {
        "shop": handle,
        "token": f"shpat_{handle}",
        "seed": seed,
        "plan": "plus",
        "webhook_secret": secret,
        "products": products,
        "customers": 30,
        "locations": 2,
    }
    created = httpx.post(f"{sim.url}/__sim/shops", json=spec, timeout=120)
    assert created.status_code == 201, created.text
    # The service processes inherit them; the final reference sync reads them here.
    monkeypatch.setenv(f"{name.upper()}_TOKEN", f"shpat_{handle}")
    monkeypatch.setenv(f"{name.upper()}_SECRET", secret)
    return Brand(name, handle)


@contextmanager
def deployed(
    sim: RunningSimulator,
    database_url: str,
    redis_url: str,
    redis_prefix: str,
    logs: Path,
    monkeypatch: pytest.MonkeyPatch,
    products: int,
) -> Iterator[Soak]:
    """The deployment, synced and subscribed; every process is killed at the end."""
    for key, value in SERVICE_ENV.items():
        monkeypatch.setenv(key, value)  # the test's runtime reaps with the same lease time
    brands = [
        open_brand(sim, name, seed, products, monkeypatch) for seed, name in enumerate(TENANTS, 11)
    ]
    env, runtime = distributed(database_url, redis_url, redis_prefix)
    soak = Soak(sim, env, runtime, logs, brands)
    try:
        _add_tenants(soak)
        port = free_port()
        soak.serve = soak.start("serve", "serve", "--port", str(port), "--workers", "1")
        soak.url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _healthy(soak), "wholesync serve to answer /healthz")
        for slot in range(2):
            soak.start_worker(slot)
        for brand in brands:
            connect = [*WHOLESYNC, "tenants", "connect", brand.name, "--callback-url", soak.url]
            done = subprocess.run(connect, env=env, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stdout + done.stderr
        soak.request_all(tuple(FLOW_SPECS), full=True)
        wait_for(soak.idle, "the first full sync", timeout=180)
        _note_customers(soak)
        yield soak
    finally:
        for process in soak.processes():
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
        print(soak.output())  # pytest shows it when the test failed
        runtime.close()
        for brand in brands:
            httpx.delete(f"{sim.url}{brand.control}", timeout=30)


def _add_tenants(soak: Soak) -> None:
    with soak.runtime.sessions.begin() as session:
        for brand in soak.brands:
            brand.tenant_id = add_tenant(
                session,
                brand.name,
                shop=f"{brand.handle}.myshopify.com",
                token_env=f"{brand.name.upper()}_TOKEN",
                secret_env=f"{brand.name.upper()}_SECRET",
                api_url=soak.sim.url,
            ).id
            # Online orders and stock counts run stock down; wholesale orders ship later.
            set_setting(session, brand.name, "orders.bypass_stock_check", "true")
            _, brand.api_key = create_key(session, brand.tenant_id, "soak")
            remember(brand.api_key)


def _note_customers(soak: Soak) -> None:
    """The synced customers each brand's wholesale buyers order for."""
    with soak.runtime.sessions() as session:
        for brand in soak.brands:
            brand.customers = list(
                session.scalars(
                    select(Customer.id).where(
                        Customer.tenant_id == brand.tenant_id, Customer.email.is_not(None)
                    )
                )
            )
            assert brand.customers, f"{brand.name} has no synced customer"


def _healthy(soak: Soak) -> bool:
    assert soak.serve is not None and soak.serve.poll() is None, soak.output()
    try:
        return httpx.get(f"{soak.url}/healthz", timeout=5).status_code == 200
    except httpx.TransportError:
        return False
