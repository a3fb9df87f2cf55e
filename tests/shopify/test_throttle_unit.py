"""Throttle arithmetic, exactly, with a fake clock and recorded sleeps. Responses come from an
``httpx.MockTransport`` here only because the figures must be exact; the behaviour against the
simulator is in test_throttle_sim.py."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.conftest import shared_path
from wholesync.shopify import (
    CostThrottle,
    InvalidQueryError,
    LocalBucket,
    ShopifyClient,
    StaticToken,
    ThrottledError,
    ThrottleStatus,
)


@dataclass
class FakeTime:
    """A clock that moves only when slept on; the sleeps are recorded."""

    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def status(available: float, maximum: float = 2000, rate: float = 100) -> dict[str, Any]:
    return {"maximumAvailable": maximum, "currentlyAvailable": available, "restoreRate": rate}


def answer(requested: int, actual: int | None, throttle: dict[str, Any]) -> dict[str, Any]:
    cost = {"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": throttle}
    return {"data": {"shop": {"id": "gid://shopify/Shop/1"}}, "extensions": {"cost": cost}}


def throttled(requested: int, throttle: dict[str, Any]) -> dict[str, Any]:
    cost = {"requestedQueryCost": requested, "actualQueryCost": None, "throttleStatus": throttle}
    return {
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": {"cost": cost},
    }


@dataclass
class FakeShopify:
    """Shopify's bucket, exactly: charges ``requested`` up front, refunds down to ``actual``."""

    time: FakeTime
    requested: int
    actual: int
    maximum: float = 2000
    rate: float = 100
    available: float = 2000
    at: float = 0.0
    throttled: int = 0
    calls: int = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        self.available = min(self.maximum, self.available + (self.time() - self.at) * self.rate)
        self.at = self.time()
        if self.available < self.requested:
            self.throttled += 1
            body = throttled(self.requested, status(self.available, self.maximum, self.rate))
            return httpx.Response(200, json=body)
        self.available -= self.actual
        now = status(self.available, self.maximum, self.rate)
        return httpx.Response(200, json=answer(self.requested, self.actual, now))


def client(time: FakeTime, handler: Callable[[httpx.Request], httpx.Response]) -> ShopifyClient:
    return ShopifyClient(
        "fake.myshopify.com",
        StaticToken("shpat_fake"),
        transport=httpx.MockTransport(handler),
        clock=time,
        sleep=time.sleep,
        rng=random.Random(0),
    )


def test_waits_before_a_call_would_overdraw_the_bucket() -> None:
    time = FakeTime()
    shopify = FakeShopify(time, requested=500, actual=400)
    shop = client(time, shopify.handler)
    for _ in range(10):
        shop.execute("shop")
    assert shopify.throttled == 0 and shop.throttled_responses == 0
    # Four calls leave 2000 - 4 * 400 = 400 points; the fifth needs 500 up front: 1 s of
    # restore. From then on each call leaves 100 and the next needs 500: 4 s each.
    assert time.sleeps == [1.0, 4.0, 4.0, 4.0, 4.0, 4.0]
    assert shop.cost_used == 10 * 400


def test_the_first_call_of_an_operation_learns_its_cost() -> None:
    time = FakeTime()
    shopify = FakeShopify(time, requested=900, actual=900, available=300)
    shop = client(time, shopify.handler)
    shop.execute("shop")
    # Nothing was known: the call went out, came back THROTTLED with the cost and the bucket,
    # and the client waited exactly (cost - available) / restoreRate before trying again.
    assert shopify.throttled == 1 and shop.throttled_responses == 1
    assert time.sleeps == [(900 - 300) / 100]


def test_throttled_wait_is_cost_minus_available_over_restore_rate() -> None:
    time = FakeTime()
    script = [
        throttled(800, status(150, maximum=1000, rate=50)),
        answer(800, 640, status(10, maximum=1000, rate=50)),
    ]
    shop = client(time, lambda request: httpx.Response(200, json=script.pop(0)))
    assert shop.execute("shop") == {"shop": {"id": "gid://shopify/Shop/1"}}
    assert time.sleeps == [(800 - 150) / 50]
    assert shop.cost_used == 640


def test_estimates_are_kept_per_operation_and_page_size() -> None:
    assert CostThrottle.key("products", {"first": 10, "query": "x", "flag": True}) == (
        "products|first=10"
    )
    time = FakeTime()
    throttle = CostThrottle(clock=time, sleep=time.sleep)
    small = throttle.acquire("products|first=10")
    throttle.settle(small, answer(52, 30, status(1000))["extensions"]["cost"])
    big = throttle.acquire("products|first=250")
    throttle.settle(big, answer(700, 500, status(500))["extensions"]["cost"])
    assert throttle.estimate("products|first=10") == 52
    assert throttle.estimate("products|first=250") == 700
    throttle.acquire("products|first=250")
    assert time.sleeps == [(700 - 500) / 100]


def test_reservations_queue_behind_each_other() -> None:
    time = FakeTime()
    bucket = LocalBucket(time)
    assert bucket.reserve(300) == 0.0  # nothing known yet
    bucket.settle(300, ThrottleStatus(maximum=2000, available=100, restore_rate=100))
    assert bucket.reserve(300) == 2.0
    # The first booking ran the estimate 200 into debt: the second waits for that too.
    assert bucket.reserve(300) == 5.0


def test_a_call_that_never_reached_shopify_gives_its_points_back() -> None:
    time = FakeTime()
    bucket = LocalBucket(time)
    bucket.reserve(0)
    bucket.settle(0, ThrottleStatus(maximum=2000, available=600, restore_rate=100))
    assert bucket.reserve(500) == 0.0
    bucket.settle(500, None)
    assert bucket.reserve(1000) == 4.0


def test_the_bucket_restores_with_time_up_to_its_size() -> None:
    time = FakeTime()
    bucket = LocalBucket(time)
    bucket.reserve(0)
    bucket.settle(0, ThrottleStatus(maximum=1000, available=0, restore_rate=100))
    time.now = 3.0
    assert bucket.reserve(250) == 0.0
    time.now = 100.0
    assert bucket.reserve(1000) == 0.0
    assert bucket.reserve(1) == pytest.approx(0.01)


def test_in_flight_calls_are_counted_against_shopifys_figure() -> None:
    time = FakeTime()
    bucket = LocalBucket(time)
    bucket.reserve(0)
    bucket.settle(0, ThrottleStatus(maximum=2000, available=2000, restore_rate=100))
    bucket.reserve(600)  # thread A, in flight
    bucket.reserve(600)  # thread B, in flight
    # A's answer says 1400 left, but B's 600 may not be charged yet: plan with 800.
    bucket.settle(600, ThrottleStatus(maximum=2000, available=1400, restore_rate=100))
    assert bucket.reserve(1000) == 2.0


def test_an_answer_overtaken_by_a_later_one_does_not_undo_it() -> None:
    """A's answer reports the bucket before B was charged but arrives after B's: the estimate
    must not forget B's charge."""
    time = FakeTime()
    bucket = LocalBucket(time)
    bucket.reserve(0)
    bucket.settle(0, ThrottleStatus(maximum=2000, available=2000, restore_rate=100))
    bucket.reserve(500)  # A, charged at once: Shopify reports 1500
    time.now = 1.0
    bucket.reserve(300)  # B, charged at 1 s: Shopify reports 1500 + 100 - 300 = 1300
    time.now = 1.5
    bucket.settle(300, ThrottleStatus(maximum=2000, available=1300, restore_rate=100))
    time.now = 2.0
    bucket.settle(500, ThrottleStatus(maximum=2000, available=1500, restore_rate=100))
    # Shopify holds 1300 + 100 = 1400 now; A's stale 1500 less B's 300 plans with 1200.
    assert bucket.reserve(1450) == 2.5


def test_a_bucket_kept_empty_by_others_ends_in_a_throttled_error() -> None:
    time = FakeTime()
    always = throttled(100, status(0))
    shop = client(time, lambda request: httpx.Response(200, json=always))
    with pytest.raises(ThrottledError) as caught:
        shop.execute("shop")
    assert caught.value.code == "SHOPIFY_UNAVAILABLE"
    assert len(time.sleeps) == shop.max_throttled
    assert all(wait == 1.0 for wait in time.sleeps)


def test_a_shared_bucket_plugs_in_behind_the_protocol() -> None:
    """Anything with reserve/settle can stand in, e.g. a bucket kept in Redis."""

    @dataclass
    class Shared:
        log: list[str] = field(default_factory=list)
        costs: dict[str, float] = field(default_factory=dict)

        def reserve(self, cost: float) -> float:
            self.log.append(f"reserve {cost:g}")
            return 0.25

        def settle(self, reserved: float, status: ThrottleStatus | None) -> None:
            self.log.append(f"settle {reserved:g} {status.available if status else None}")

    time = FakeTime()
    shared = Shared()
    throttle = CostThrottle(shared, clock=time, sleep=time.sleep)
    body = answer(10, 4, status(1990))
    shop = ShopifyClient(
        "fake.myshopify.com",
        StaticToken("t"),
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json=body)),
        throttle=throttle,
        clock=time,
        sleep=time.sleep,
    )
    shop.execute("shop")
    shop.execute("shop")
    assert shared.log == ["reserve 0", "settle 0 1990.0", "reserve 10", "settle 10 1990.0"]
    assert time.sleeps == [0.25, 0.25]


def _capture(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(shared_path("shopify", "errors", name).read_text())
    return body


@pytest.mark.shared
def test_a_real_throttled_answer_is_waited_out_exactly() -> None:
    capture = _capture("throttled_live_capture_2026-08-28_transcribed.json")
    script = [capture, answer(862, 700, status(3710, maximum=4000, rate=200))]
    time = FakeTime()
    shop = client(time, lambda request: httpx.Response(200, json=script.pop(0)))
    shop.execute("shop")
    assert time.sleeps == [(862 - 572) / 200.0]
    assert shop.throttled_responses == 1


@pytest.mark.shared
def test_a_real_max_cost_answer_is_an_invalid_query_not_a_wait() -> None:
    capture = _capture("max_cost_exceeded_live_capture_2026-08-28_transcribed.json")
    time = FakeTime()
    shop = client(time, lambda request: httpx.Response(200, json=capture))
    with pytest.raises(InvalidQueryError) as caught:
        shop.execute("shop")
    assert caught.value.code == "INVALID_PAYLOAD"
    assert caught.value.shopify_codes == ["MAX_COST_EXCEEDED"]
    assert "smaller pages" in caught.value.fix
    assert time.sleeps == []
