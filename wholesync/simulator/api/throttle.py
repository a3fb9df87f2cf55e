"""Shopify's cost-based leaky bucket, one per shop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wholesync.simulator.clock import Clock


@dataclass(frozen=True)
class Plan:
    name: str
    restore_rate: float
    bucket_size: float


PLANS: dict[str, Plan] = {
    "standard": Plan("standard", 100.0, 2_000.0),
    "advanced": Plan("advanced", 200.0, 4_000.0),
    "plus": Plan("plus", 1_000.0, 20_000.0),
    "enterprise": Plan("enterprise", 2_000.0, 40_000.0),
}


class LeakyBucket:
    """Points drain on each query and restore continuously at the plan's rate."""

    def __init__(self, plan: Plan, clock: Clock) -> None:
        self.plan = plan
        self._clock = clock
        self._available = plan.bucket_size
        self._at = clock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._at)
        self._available = min(
            self.plan.bucket_size, self._available + elapsed * self.plan.restore_rate
        )
        self._at = now

    @property
    def available(self) -> float:
        self._refill()
        return self._available

    def try_take(self, cost: float) -> bool:
        """Take ``cost`` points if the bucket holds them; Shopify refuses the whole query if not."""
        self._refill()
        if cost > self._available:
            return False
        self._available -= cost
        return True

    def refund(self, points: float) -> None:
        """Give back what a query requested but did not use (requested minus actual)."""
        self._refill()
        self._available = min(self.plan.bucket_size, self._available + max(0.0, points))

    def drain(self) -> None:
        """Empty the bucket, used by the forced-throttling fault."""
        self._refill()
        self._available = 0.0

    def status(self) -> dict[str, Any]:
        self._refill()
        return {
            "maximumAvailable": _number(self.plan.bucket_size),
            "currentlyAvailable": int(self._available),
            "restoreRate": _number(self.plan.restore_rate),
        }


def _number(value: float) -> float | int:
    return int(value) if value.is_integer() else value
