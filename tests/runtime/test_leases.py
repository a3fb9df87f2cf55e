"""Run leases on SQLite and PostgreSQL: exclusive, taken over once expired, renewed and
released only by their holder, and kept alive by a heartbeat while held."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from tests.runtime.clock import Clock
from tests.runtime.conftest import Hub
from wholesync.runtime.leases import LeaseManager

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_a_lease_is_exclusive_until_released(hub: Hub) -> None:
    leases = LeaseManager(hub.sessions, ttl=60, clock=Clock(T0))
    assert leases.acquire(1, "products", "a")
    assert not leases.acquire(1, "products", "b")
    # Not even the holder takes it twice: a job's duplicate task must not run beside it.
    assert not leases.acquire(1, "products", "a")
    # Other flows and tenants are independent.
    assert leases.acquire(1, "customers", "b")
    assert leases.acquire(2, "products", "b")
    leases.release(1, "products", "b")  # not the holder: no effect
    assert leases.holder(1, "products") == "a"
    leases.release(1, "products", "a")
    assert leases.holder(1, "products") is None
    assert leases.acquire(1, "products", "b")


def test_an_expired_lease_is_taken_over_and_the_old_holder_cannot_renew(hub: Hub) -> None:
    clock = Clock(T0)
    leases = LeaseManager(hub.sessions, ttl=60, clock=clock)
    assert leases.acquire(1, "products", "a")
    clock.advance(59)
    assert not leases.acquire(1, "products", "b")
    clock.advance(1)
    assert leases.holder(1, "products") is None
    assert leases.acquire(1, "products", "b")
    assert not leases.renew(1, "products", "a")
    leases.release(1, "products", "a")
    assert leases.holder(1, "products") == "b"


def test_renewing_pushes_the_expiry_out(hub: Hub) -> None:
    clock = Clock(T0)
    leases = LeaseManager(hub.sessions, ttl=60, clock=clock)
    assert leases.acquire(1, "products", "a")
    clock.advance(50)
    assert leases.renew(1, "products", "a")
    clock.advance(50)
    assert not leases.acquire(1, "products", "b")
    assert leases.holder(1, "products") == "a"


def test_held_renews_in_the_background_and_releases(hub: Hub) -> None:
    clock = Clock(T0)
    leases = LeaseManager(hub.sessions, ttl=60, clock=clock)
    renewed = threading.Event()
    original = leases.renew

    def renew(tenant_id: int, flow: str, holder: str) -> bool:
        clock.advance(45)  # each beat happens "45 s" after the last: within the ttl
        result = original(tenant_id, flow, holder)
        renewed.set()
        return result

    leases.renew = renew  # type: ignore[method-assign]
    with leases.held(1, "products", "a", interval=0.01) as held:
        assert held
        with leases.held(1, "products", "b") as other:
            assert not other
        assert renewed.wait(5)
        renewed.clear()
        assert renewed.wait(5)
        # Two beats moved the clock 90 s: without them the lease would have expired.
        assert leases.holder(1, "products") == "a"
    assert leases.holder(1, "products") is None


def test_concurrent_acquirers_get_one_winner(hub: Hub) -> None:
    leases = LeaseManager(hub.sessions, ttl=60)
    winners: list[str] = []
    start = threading.Barrier(6)

    def contend(name: str) -> None:
        start.wait()
        if leases.acquire(7, "inventory", name):
            winners.append(name)

    threads = [threading.Thread(target=contend, args=(f"w{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1
    assert leases.holder(7, "inventory") == winners[0]
