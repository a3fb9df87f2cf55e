"""Which tenant a webhook belongs to, and the secrets that sign it, looked up by shop domain.

Every delivery needs this, so answers (unknown shops included) are kept for a few seconds:
at thousands of deliveries a second, one database read per shop per few seconds replaces one
per delivery. When an answer goes stale, deliveries keep using it while one read refreshes it
in the background; only a shop never seen waits for the database, and concurrent deliveries of
that shop share the one read. A tenant disabled or a secret rotated is seen within a few
seconds.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from wholesync.hub.models import Tenant

log = logging.getLogger(__name__)
# Answers for unknown shops are cached too; a flood of made-up domains must not grow it forever.
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class ShopEntry:
    """What intake needs of a tenant: its id, whether it is enabled and its webhook secrets
    (current first, then the rotated old one)."""

    tenant_id: int
    enabled: bool
    secrets: tuple[str, ...]


class ShopDirectory:
    """Shop domain -> :class:`ShopEntry`, from the tenants table, cached for ``ttl`` seconds."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        ttl: float = 5.0,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sessions = sessions
        self.ttl = ttl
        self.environ = os.environ if environ is None else environ
        self.clock = clock
        self._cache: dict[str, tuple[float, ShopEntry | None]] = {}
        self._lock = threading.Lock()
        self._loading: dict[str, asyncio.Future[ShopEntry | None]] = {}

    async def lookup(self, shop_domain: str) -> ShopEntry | None:
        """The shop's entry: cached, stale while a refresh runs, or read (shared by callers)."""
        found = self._cache.get(shop_domain)
        if found is not None and found[0] >= self.clock():
            return found[1]
        loading = self._loading.get(shop_domain)
        if loading is None:
            loading = asyncio.ensure_future(asyncio.to_thread(self.load, shop_domain))
            self._loading[shop_domain] = loading
            loading.add_done_callback(lambda done: self._loaded(shop_domain, done))
        if found is not None:
            return found[1]
        return await asyncio.shield(loading)

    def _loaded(self, shop_domain: str, done: asyncio.Future[ShopEntry | None]) -> None:
        self._loading.pop(shop_domain, None)
        if not done.cancelled() and done.exception() is not None:
            # Callers waiting got the error; a background refresh is retried by the next one.
            log.warning("reading the tenant of %s failed: %s", shop_domain, done.exception())

    def load(self, shop_domain: str) -> ShopEntry | None:
        """Read the shop's tenant from the database (blocking) and cache the answer."""
        with self.sessions() as session:
            tenants = session.scalars(
                select(Tenant)
                .where(Tenant.shop_domain == shop_domain)
                # Several tenants on one shop should not happen; prefer an enabled one.
                .order_by(Tenant.enabled.desc(), Tenant.id)
            ).all()
            entry = self._entry(tenants[0]) if tenants else None
        with self._lock:
            now = self.clock()
            if len(self._cache) >= MAX_ENTRIES:
                self._cache = {k: v for k, v in self._cache.items() if v[0] >= now}
                if len(self._cache) >= MAX_ENTRIES:
                    self._cache.clear()
            self._cache[shop_domain] = (now + self.ttl, entry)
        return entry

    def forget(self, shop_domain: str | None = None) -> None:
        """Drop cached answers (of one shop, or all)."""
        with self._lock:
            if shop_domain is None:
                self._cache.clear()
            else:
                self._cache.pop(shop_domain, None)

    def _entry(self, tenant: Tenant) -> ShopEntry:
        names = (tenant.secret_env, tenant.previous_secret_env)
        secrets = tuple(value for name in names if name and (value := self.environ.get(name)))
        return ShopEntry(tenant.id, tenant.enabled, secrets)
