"""When a failed call may be sent again, and how long to wait first (jittered backoff)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx

# Statuses where the request was refused before any work was done. A 502 or 504 comes from a
# gateway that may have handed the request on: a mutation may have run behind it.
SAFE_STATUSES = frozenset({429, 503})
# Errors raised before the request left this machine: even a mutation may be repeated.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with equal jitter: attempt n waits between d/2 and d, where
    d = min(cap, base * 2**(n - 1)), so retries of many workers do not line up."""

    max_retries: int = 5
    base: float = 0.5
    cap: float = 30.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        ceiling: float = min(self.cap, self.base * 2.0 ** max(0, attempt - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


@dataclass(frozen=True)
class Failure:
    """A retryable failure. ``ambiguous`` means the server may have acted on the request."""

    reason: str
    ambiguous: bool


def transport_failure(exc: httpx.TransportError) -> Failure:
    name = type(exc).__name__
    return Failure(f"{name}: {exc}" if str(exc) else name, not isinstance(exc, NOT_SENT))


def status_failure(status: int) -> Failure | None:
    """A retryable HTTP status, or None when retrying cannot help."""
    if status in SAFE_STATUSES:
        return Failure(f"HTTP {status}", ambiguous=False)
    if status >= 500:
        return Failure(f"HTTP {status}", ambiguous=True)
    return None
