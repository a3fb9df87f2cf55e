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
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, Protocol

from .metrics import THROTTLE_WAIT_SECONDS, THROTTLE_WAITS


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
    """Where the bucket estimate lives: in this process, or shared by every worker of a shop.

    Shared or not, every implementation keeps the same books (``LocalBucket`` is the model):
    each call books its estimated cost, and Shopify's figure, whenever one comes back, replaces
    the estimate less what is still booked.
    """

    def reserve(self, cost: float) -> float:
        """Book ``cost`` points for a call about to be sent; return the seconds to wait first."""
        ...

    def settle(self, reserved: float, status: ThrottleStatus | None) -> None:
        """A call that booked ``reserved`` points is over. ``status`` is Shopify's report, or
        None when the call never reached the bucket (a network error or a 5xx)."""
        ...

    @property
    def costs(self) -> MutableMapping[str, float]:
        """The cost each operation was last charged, learned by whoever called it."""
        ...


def restored(available: float, at: float, now: float, status: ThrottleStatus) -> float:
    """The level at ``now`` of a bucket that held ``available`` points at ``at``."""
    return min(status.maximum, available + max(0.0, now - at) * status.restore_rate)


def wait_for(cost: float, level: float, status: ThrottleStatus) -> float:
    """Seconds until a bucket at ``level`` covers ``cost`` (at most a full bucket)."""
    return max(0.0, (min(cost, status.maximum) - level) / status.restore_rate)


# How long a booking may stay open after its call went out. Longer than any one HTTP attempt
# (the client's timeout is 30 s); a booking older than this belongs to a caller that died.
DEFAULT_LEASE = 120.0


@dataclass
class _Booking:
    cost: float
    # When the call may go out (booked + waited): anything Shopify charged before this is in
    # the figure its answer reports.
    sent_at: float


class LocalBucket:
    """The bucket estimate of one process. Unknown until the first response: no waits then.

    Reservations may run the estimate below zero; that debt is what later callers wait for,
    so concurrent threads queue up in order instead of all waking at once.

    When an answer comes back, Shopify's figure becomes the estimate, less the bookings still
    open and less the calls settled since this one went out: those may have been charged after
    Shopify reported, when answers overtake each other.
    """

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, *, lease: float = DEFAULT_LEASE
    ) -> None:
        self._clock = clock
        self._lease = lease
        self._lock = threading.Lock()
        self._status: ThrottleStatus | None = None
        self._available = 0.0
        self._at = 0.0
        self._open: list[_Booking] = []
        self._settled: list[tuple[float, float]] = []  # (when, cost)
        self.costs: dict[str, float] = {}

    def _now(self) -> float:
        """The time, after dropping the bookings of callers gone for longer than the lease."""
        now = self._clock()
        self._open = [b for b in self._open if b.sent_at >= now - self._lease]
        return now

    def reserve(self, cost: float) -> float:
        with self._lock:
            now = self._now()
            wait = 0.0
            if self._status is not None:
                level = restored(self._available, self._at, now, self._status)
                wait = wait_for(cost, level, self._status)
                self._available = level - min(cost, self._status.maximum)
                self._at = now
            self._open.append(_Booking(cost, now + wait))
            return wait

    def settle(self, reserved: float, status: ThrottleStatus | None) -> None:
        with self._lock:
            now = self._now()
            booking = next((b for b in self._open if b.cost == reserved), None)
            if booking is not None:
                self._open.remove(booking)
            if status is None:
                if self._status is not None:  # nothing was charged: give the booking back
                    self._available = restored(self._available, self._at, now, self._status)
                    self._available += reserved
                    self._at = now
                return
            since = (
                sum(cost for when, cost in self._settled if when > booking.sent_at)
                if booking is not None
                else 0.0
            )
            # Shopify's figure is the truth; calls still in flight will draw on it too.
            self._status = status
            self._available = status.available - sum(b.cost for b in self._open) - since
            self._at = now
            oldest = min((b.sent_at for b in self._open), default=now)
            self._settled = [s for s in self._settled if s[0] > oldest]
            self._settled.append((now, reserved))

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
        return self.bucket.costs.get(key, 0.0)

    def acquire(self, key: str) -> Ticket:
        """Book the estimated cost and sleep until the bucket can cover it."""
        cost = self.estimate(key)
        wait = self.bucket.reserve(cost)
        if wait > 0:
            THROTTLE_WAITS.inc()
            THROTTLE_WAIT_SECONDS.inc(wait)
            self._sleep(wait)
        return Ticket(key, cost)

    def settle(self, ticket: Ticket, cost: Mapping[str, Any] | None) -> int:
        """Record a response's ``extensions.cost``; return its actual cost (0 if none)."""
        requested = (cost or {}).get("requestedQueryCost")
        if isinstance(requested, int | float) and math.isfinite(requested):
            self.bucket.costs[ticket.key] = float(requested)
        self.bucket.settle(ticket.reserved, ThrottleStatus.from_cost(cost))
        actual = (cost or {}).get("actualQueryCost")
        return int(actual) if isinstance(actual, int | float) else 0

    def cancel(self, ticket: Ticket) -> None:
        """The call never reached the bucket: release the booking."""
        self.bucket.settle(ticket.reserved, None)
