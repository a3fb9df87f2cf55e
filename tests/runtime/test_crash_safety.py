"""Crash safety of webhook processing, on SQLite and PostgreSQL: ``wholesync serve`` runs as a
real process and is SIGKILLed once a delivery is stored, before or while it is processed.
After a restart the change reaches the hub, and it is processed once."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.service_processes import Deployment, job_status, open_deployment, wait_for
from tests.web.harness import Shop, hub_product_title
from wholesync.cli import app
from wholesync.hub.models import ExternalRef, SyncRun
from wholesync.hub.models.types import utcnow
from wholesync.runtime.models import InboxEntry, InboxStatus, JobStatus, RunLease
from wholesync.simulator.server import RunningSimulator, free_port

# The run lease of the service processes, in seconds. A claim older than a lease belongs to a
# dead worker (the sweeper's rule), so a short one lets the restarted service see it at once.
LEASE_TTL = 1


@pytest.fixture
def deployment(
    simulator: RunningSimulator,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Deployment]:
    with open_deployment(simulator, database_url, tmp_path, monkeypatch) as deployment:
        yield deployment


@pytest.fixture
def shop(simulator: RunningSimulator, deployment: Deployment) -> Iterator[Shop]:
    """The deployment's shop, whose catalogue the hub already holds."""
    synced = CliRunner().invoke(app, ["sync", "products", "--tenant", "brand"])
    assert synced.exit_code == 0, synced.output
    runtime = deployment.runtime()
    yield Shop(simulator, deployment.shop, deployment.secret, runtime, deployment.tenant_id)
    runtime.close()


def connect(port: int) -> None:
    """Subscribe the shop's webhooks to the service on ``port``."""
    url = f"http://127.0.0.1:{port}"
    connected = CliRunner().invoke(app, ["tenants", "connect", "brand", "--callback-url", url])
    assert connected.exit_code == 0, connected.output


def catalogued_product(shop: Shop) -> tuple[str, str | None]:
    """A product the hub holds: its GID and its hub title."""
    with shop.runtime.sessions() as session:
        gid = session.scalars(
            select(ExternalRef.shopify_gid)
            .where(ExternalRef.tenant_id == shop.tenant_id, ExternalRef.entity == "product")
            .order_by(ExternalRef.id)
        ).first()
    assert gid is not None, "the hub holds no product"
    return gid, hub_product_title(shop.runtime.sessions, shop.tenant_id, gid)


def rename(shop: Shop, gid: str, title: str) -> None:
    """The merchant renames the product in the shop."""
    shop.control("POST", f"/products/{gid.rsplit('/', 1)[1]}", {"title": title})


def kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL


def processed(shop: Shop) -> bool:
    rows = shop.inbox()
    return bool(rows) and all(row.status == InboxStatus.PROCESSED for row in rows)


def webhook_runs(shop: Shop) -> list[SyncRun]:
    """The products runs that webhooks triggered, oldest first."""
    with shop.runtime.sessions() as session:
        return list(
            session.scalars(
                select(SyncRun)
                .where(SyncRun.tenant_id == shop.tenant_id, SyncRun.flow == "products")
                .where(SyncRun.trigger == "webhook")
                .order_by(SyncRun.id)
            )
        )


def test_a_delivery_stored_before_a_kill_is_processed_once_after_the_restart(
    deployment: Deployment, shop: Shop
) -> None:
    port = free_port()
    web = deployment.serve(port, "--workers", "0", "--no-scheduler")  # nothing drains the inbox
    connect(port)
    gid, before = catalogued_product(shop)
    rename(shop, gid, "Renamed before the crash")
    [delivery] = shop.settled(1)
    # Answered 200: the intake stored the row and enqueued its drain.
    assert delivery["status"] == "delivered"
    [row] = shop.inbox()
    assert (row.webhook_id, row.status) == (delivery["webhook_id"], InboxStatus.RECEIVED)
    [drain] = shop.jobs()
    assert drain.status == JobStatus.QUEUED

    kill(web)
    assert hub_product_title(shop.runtime.sessions, shop.tenant_id, gid) == before

    deployment.serve(port)  # as an operator restarts it: worker threads and scheduler on
    # The drain the killed process enqueued is the one that runs.
    wait_for(lambda: job_status(shop.runtime, drain.id) == JobStatus.SUCCEEDED, "the drain job")
    assert processed(shop)
    assert hub_product_title(shop.runtime.sessions, shop.tenant_id, gid) == (
        "Renamed before the crash"
    )
    [row] = shop.inbox()
    assert row.attempts == 1
    assert [(run.status, run.counts["updated"]) for run in webhook_runs(shop)] == [("succeeded", 1)]


def test_a_delivery_claimed_by_a_killed_worker_is_handed_back_and_processed_once(
    deployment: Deployment, shop: Shop
) -> None:
    deployment.env["WHOLESYNC_LEASE_TTL_SECONDS"] = str(LEASE_TTL)
    port = free_port()
    service = deployment.serve(port, "--workers", "1", "--no-scheduler")
    connect(port)
    gid, before = catalogued_product(shop)
    # Every Shopify call now hangs, so the drain that claimed the delivery waits on its fetch
    # until the kill.
    shop.faults(latency=10)
    rename(shop, gid, "Renamed during the crash")
    wait_for(
        lambda: [row.status for row in shop.inbox()] == [InboxStatus.PROCESSING],
        "the delivery claimed",
    )
    kill(service)
    shop.faults(latency=0)
    assert hub_product_title(shop.runtime.sessions, shop.tenant_id, gid) == before
    [killed] = shop.jobs()
    assert killed.status == JobStatus.RUNNING

    def abandoned() -> bool:
        """The claim and every lease of the tenant have outlived the lease time, so the
        restarted service's first maintenance round finds them."""
        now = utcnow()
        with shop.runtime.sessions() as session:
            live = session.scalar(
                select(func.count())
                .select_from(RunLease)
                .where(RunLease.tenant_id == shop.tenant_id, RunLease.expires_at > now)
            )
            claimed = session.scalar(
                select(func.max(InboxEntry.processed_at)).where(
                    InboxEntry.tenant_id == shop.tenant_id
                )
            )
        assert claimed is not None
        return live == 0 and claimed < now - timedelta(seconds=LEASE_TTL)

    wait_for(abandoned, "the dead worker's claim and leases to expire")

    deployment.serve(port)  # its first maintenance round runs at once
    wait_for(lambda: processed(shop), "the delivery processed")
    assert hub_product_title(shop.runtime.sessions, shop.tenant_id, gid) == (
        "Renamed during the crash"
    )
    [row] = shop.inbox()
    # Claimed by the killed worker, handed back by the sweeper, and claimed once more.
    assert row.attempts == 2
    jobs = {job.id: job for job in shop.jobs()}
    assert jobs[killed.id].status == JobStatus.FAILED
    assert (jobs[killed.id].error or "").startswith("WORKER_LOST")
    # One run succeeded and updated the product. If the kill landed after the cut-short run
    # recorded itself, that record was closed as WORKER_LOST at the restart, having written
    # nothing; no record is left running.
    runs = webhook_runs(shop)
    succeeded = [run for run in runs if run.status == "succeeded"]
    assert [run.counts["updated"] for run in succeeded] == [1]
    for run in runs:
        if run not in succeeded:
            assert run.status == "failed" and (run.error or "").startswith("WORKER_LOST"), run
            assert run.counts.get("updated", 0) == 0 and run.finished_at is not None
