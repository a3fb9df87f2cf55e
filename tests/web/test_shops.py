"""The shop directory's cache: fresh answers, stale answers while one refresh runs, one read
shared by concurrent first deliveries, and a bound on what unknown shops can make it hold."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from tests.web.harness import make_runtime
from wholesync.runtime.service import Runtime
from wholesync.sync.tenants import add_tenant
from wholesync.web import shops
from wholesync.web.shops import ShopDirectory, ShopEntry

DOMAIN = "acme.myshopify.com"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class CountingDirectory(ShopDirectory):
    """Counts database reads; a read waits for ``gate`` once it is cleared."""

    def __init__(self, runtime: Runtime, clock: Clock) -> None:
        super().__init__(runtime.sessions, ttl=5, environ={"ACME_SECRET": "s1"}, clock=clock)
        self.reads = 0
        self.gate = threading.Event()
        self.gate.set()

    def load(self, shop_domain: str) -> ShopEntry | None:
        self.reads += 1
        self.gate.wait(10)
        return super().load(shop_domain)


@pytest.fixture
def directory(tmp_path: Path) -> CountingDirectory:
    runtime = make_runtime(f"sqlite:///{tmp_path / 'hub.db'}", tmp_path)
    with runtime.sessions.begin() as session:
        add_tenant(session, "acme", shop=DOMAIN, token_env="ACME_TOKEN", secret_env="ACME_SECRET")
    return CountingDirectory(runtime, Clock())


def test_concurrent_first_deliveries_share_one_read(directory: CountingDirectory) -> None:
    async def burst() -> list[ShopEntry | None]:
        return await asyncio.gather(*(directory.lookup(DOMAIN) for _ in range(50)))

    entries = asyncio.run(burst())
    assert directory.reads == 1
    assert {e.secrets if e else None for e in entries} == {("s1",)}


def test_a_stale_answer_serves_while_one_refresh_runs(directory: CountingDirectory) -> None:
    async def scenario() -> None:
        first = await directory.lookup(DOMAIN)
        assert first is not None and directory.reads == 1
        assert isinstance(directory.clock, Clock)
        directory.clock.now += 6  # stale now
        directory.gate.clear()  # the refresh hangs in the database
        stale = await asyncio.gather(*(directory.lookup(DOMAIN) for _ in range(20)))
        assert stale == [first] * 20
        await asyncio.sleep(0.05)
        assert directory.reads == 2  # one refresh for all twenty
        directory.gate.set()
        while DOMAIN in directory._loading:
            await asyncio.sleep(0.01)
        assert await directory.lookup(DOMAIN) == first
        assert directory.reads == 2  # fresh again

    asyncio.run(scenario())


def test_made_up_domains_cannot_grow_the_cache_without_bound(
    directory: CountingDirectory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shops, "MAX_ENTRIES", 10)
    for number in range(25):
        assert directory.load(f"nobody{number}.myshopify.com") is None
    assert len(directory._cache) <= 10
