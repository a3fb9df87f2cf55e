"""Run records of a process that died mid-run are closed as failed; live ones are not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.runtime.clock import Clock
from tests.runtime.conftest import Hub
from wholesync.hub.models import SyncRun
from wholesync.runtime.leases import LeaseManager
from wholesync.runtime.orphans import close_orphaned_runs

T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
TTL = 60.0


def started(hub: Hub, tenant_id: int, flow: str, ago: float, *, preview: bool = False) -> int:
    with hub.sessions.begin() as session:
        run = SyncRun(
            tenant_id=tenant_id,
            flow=flow,
            status="running",
            preview=preview,
            started_at=T0 - timedelta(seconds=ago),
        )
        session.add(run)
        session.flush()
        return run.id


def statuses(hub: Hub) -> dict[int, tuple[str, str | None]]:
    with hub.sessions() as session:
        runs = session.scalars(select(SyncRun)).all()
        return {r.id: (r.status, r.error and r.error.split(":")[0]) for r in runs}


def test_only_runs_nobody_holds_are_closed(hub: Hub) -> None:
    brand = hub.add_tenant("brand")
    other = hub.add_tenant("other")
    lost = started(hub, brand, "products", ago=300)
    leased = started(hub, brand, "customers", ago=300)
    expired = started(hub, other, "customers", ago=300)
    fresh = started(hub, brand, "inventory", ago=5)
    preview = started(hub, other, "products", ago=300, preview=True)
    clock = Clock(T0 - timedelta(seconds=TTL + 1))
    leases = LeaseManager(hub.sessions, ttl=TTL, clock=clock)
    assert leases.acquire(other, "customers", "job:7")  # expired by T0
    clock.now = T0
    assert leases.acquire(brand, "customers", "job:8")

    assert sorted(close_orphaned_runs(hub.sessions, T0, TTL)) == sorted([lost, expired])
    assert statuses(hub) == {
        lost: ("failed", "WORKER_LOST"),
        leased: ("running", None),
        expired: ("failed", "WORKER_LOST"),
        fresh: ("running", None),
        preview: ("running", None),
    }
    assert close_orphaned_runs(hub.sessions, T0, TTL) == []
