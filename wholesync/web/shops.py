"""Which tenant a webhook belongs to, and the secrets that sign it, looked up by shop domain.

Every delivery needs this, so answers (unknown shops included) are kept for a few seconds:
at thousands of deliveries a second, one database read per shop per few seconds replaces one
per delivery. A tenant disabled or a secret rotated is seen within that time.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from wholesync.hub.models import Tenant


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

    def cached(self, shop_domain: str) -> tuple[bool, ShopEntry | None]:
        """(True, entry) when a fresh answer is cached (entry None: no such shop)."""
        found = self._cache.get(shop_domain)
        if found is None or found[0] < self.clock():
            return False, None
        return True, found[1]

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
            self._cache[shop_domain] = (self.clock() + self.ttl, entry)
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
