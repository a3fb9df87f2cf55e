"""Cost-based throttling: keep an estimate of the shop's leaky bucket and wait before a call
would overdraw it, so Shopify's THROTTLED answer stays the exception.

Shopify reports the bucket in ``extensions.cost.throttleStatus`` on every response. The
estimate lives behind the small ``Bucket`` protocol (``reserve`` before a call, ``settle``
after it), so a bucket shared by many workers, such as one kept in Redis, can replace the
in-process ``LocalBucket`` without touching the client.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class ThrottleStatus:
    """Shopify's view of the bucket when it answered."""

    maximum: float
    available: float
    restore_rate: float

    @classmethod
    def from_cost(cls, cost: Mapping[str, Any] | None) -> ThrottleStatus | None:
        """Read ``extensions.cost``; None when the response carried no throttle status."""
        status = (cost or {}).get("throttleStatus")
        if not isinstance(status, Mapping):
            return None
        try:
            return cls(
                maximum=float(status["maximumAvailable"]),
                available=float(status["currentlyAvailable"]),
                restore_rate=float(status["restoreRate"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


class Bucket(Protocol):
    """Where the bucket estimate lives: in this process, or shared by every worker of a shop."""

    def reserve(self, cost: float) -> float:
        """Book ``cost`` points for a call about to be sent; return the seconds to wait first."""
        ...

    def settle(self, reserved: float, status: ThrottleStatus | None) -> None:
        """A call that booked ``reserved`` points is over. ``status`` is Shopify's report, or
        None when the call never reached the bucket (a network error or a 5xx)."""
        ...


class LocalBucket:
    """The bucket estimate of one process. Unknown until the first response: no waits then.

    Reservations may run the estimate below zero; that debt is what later callers wait for,
    so concurrent threads queue up in order instead of all waking at once.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._status: ThrottleStatus | None = None
        self._available = 0.0
        self._at = 0.0
        self._in_flight = 0.0

    def _level(self, now: float, status: ThrottleStatus) -> float:
        restored = self._available + max(0.0, now - self._at) * status.restore_rate
        return min(status.maximum, restored)

    def reserve(self, cost: float) -> float:
        with self._lock:
            self._in_flight += cost
            status = self._status
            if status is None:
                return 0.0
            now = self._clock()
            cost = min(cost, status.maximum)
            level = self._level(now, status)
            self._available, self._at = level - cost, now
            return max(0.0, (cost - level) / status.restore_rate)

    def settle(self, reserved: float, status: ThrottleStatus | None) -> None:
        with self._lock:
            self._in_flight = max(0.0, self._in_flight - reserved)
            now = self._clock()
            if status is None:
                if self._status is not None:  # nothing was charged: give the booking back
                    self._available = self._level(now, self._status) + reserved
                    self._at = now
                return
            # Shopify's figure is the truth; calls still in flight will draw on it too.
            self._status = status
            self._available, self._at = status.available - self._in_flight, now

    @property
    def status(self) -> ThrottleStatus | None:
        """The last status Shopify reported."""
        return self._status


@dataclass(frozen=True)
class Ticket:
    """A booking made before a call: which estimate it used and how many points it holds."""

    key: str
    reserved: float


class CostThrottle:
    """Waits before calls whose estimated cost the bucket cannot cover, and learns costs.

    A call's cost is estimated from the ``requestedQueryCost`` the same operation (with the
    same page sizes) was charged last time; Shopify charges that amount up front. After a
    THROTTLED answer the next ``acquire`` waits ``(cost - available) / restoreRate``.
    """

    def __init__(
        self,
        bucket: Bucket | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.bucket: Bucket = bucket if bucket is not None else LocalBucket(clock)
        self._sleep = sleep
        self._estimates: dict[str, float] = {}

    @staticmethod
    def key(operation: str, variables: Mapping[str, Any] | None) -> str:
        """Estimates are kept per operation and page size: integers decide a query's cost."""
        sizes = sorted(
            f"{name}={value}"
            for name, value in (variables or {}).items()
            if isinstance(value, int) and not isinstance(value, bool)
        )
        return "|".join([operation, *sizes])

    def estimate(self, key: str) -> float:
        return self._estimates.get(key, 0.0)

    def acquire(self, key: str) -> Ticket:
        """Book the estimated cost and sleep until the bucket can cover it."""
        cost = self.estimate(key)
        wait = self.bucket.reserve(cost)
        if wait > 0:
            self._sleep(wait)
        return Ticket(key, cost)

    def settle(self, ticket: Ticket, cost: Mapping[str, Any] | None) -> int:
        """Record a response's ``extensions.cost``; return its actual cost (0 if none)."""
        requested = (cost or {}).get("requestedQueryCost")
        if isinstance(requested, int | float) and math.isfinite(requested):
            self._estimates[ticket.key] = float(requested)
        self.bucket.settle(ticket.reserved, ThrottleStatus.from_cost(cost))
        actual = (cost or {}).get("actualQueryCost")
        return int(actual) if isinstance(actual, int | float) else 0

    def cancel(self, ticket: Ticket) -> None:
        """The call never reached the bucket: release the booking."""
        self.bucket.settle(ticket.reserved, None)
