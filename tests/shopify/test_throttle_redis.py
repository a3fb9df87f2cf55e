"""The shared bucket in Redis keeps exactly the books of LocalBucket: the same scenarios give
the same figures through both, random sequences of calls give identical waits, and what only a
shared bucket needs (leases, expiry, Redis time, learned costs) works. Real Redis throughout."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from tests.shopify.test_throttle_unit import FakeTime
from wholesync.shopify import Bucket, CostThrottle, LocalBucket, ThrottleStatus, UnavailableError
from wholesync.shopify.throttle_redis import RedisBucket

STATUS = ThrottleStatus(maximum=2000, available=2000, restore_rate=100)
Make = Callable[[FakeTime], Bucket]
_shops = itertools.count(1)


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def shared(redis_client: Redis, redis_prefix: str) -> Callable[..., RedisBucket]:
    """A RedisBucket of a fresh shop (or of ``shop``, to share it) under the test's prefix."""

    def make(time: FakeTime | None, shop: str | None = None, **options: float) -> RedisBucket:
        name = shop or f"shop-{next(_shops)}.myshopify.com"
        return RedisBucket(redis_client, name, clock=time, prefix=redis_prefix, **options)

    return make


@pytest.fixture(params=["local", "redis"])
def make(request: pytest.FixtureRequest) -> Make:
    if request.param == "local":
        return LocalBucket
    factory: Callable[..., RedisBucket] = request.getfixturevalue("shared")
    return lambda time: factory(time)


def known(bucket: Bucket, status: ThrottleStatus = STATUS) -> None:
    bucket.reserve(0)
    bucket.settle(0, status)


# The figures of the LocalBucket unit tests, through both buckets.


def test_reservations_queue_behind_each_other(make: Make) -> None:
    bucket = make(FakeTime())
    assert bucket.reserve(300) == 0.0  # nothing known yet
    bucket.settle(300, ThrottleStatus(maximum=2000, available=100, restore_rate=100))
    assert bucket.reserve(300) == 2.0
    assert bucket.reserve(300) == 5.0


def test_a_call_that_never_reached_shopify_gives_its_points_back(make: Make) -> None:
    bucket = make(FakeTime())
    known(bucket, ThrottleStatus(maximum=2000, available=600, restore_rate=100))
    assert bucket.reserve(500) == 0.0
    bucket.settle(500, None)
    assert bucket.reserve(1000) == 4.0


def test_the_bucket_restores_exactly_with_time_up_to_its_size(make: Make) -> None:
    time = FakeTime()
    bucket = make(time)
    known(bucket, ThrottleStatus(maximum=1000, available=0, restore_rate=100))
    time.now = 3.0
    assert bucket.reserve(250) == 0.0
    time.now = 3.25
    assert bucket.reserve(100) == 0.25  # 50 left plus 25 restored: 25 short
    time.now = 100.0
    assert bucket.reserve(1000) == 0.0
    assert bucket.reserve(1) == 0.01


def test_in_flight_calls_are_counted_against_shopifys_figure(make: Make) -> None:
    bucket = make(FakeTime())
    known(bucket)
    bucket.reserve(600)
    bucket.reserve(600)
    bucket.settle(600, ThrottleStatus(maximum=2000, available=1400, restore_rate=100))
    assert bucket.reserve(1000) == 2.0


def test_an_overtaken_answer_does_not_undo_a_later_charge(make: Make) -> None:
    time = FakeTime()
    bucket = make(time)
    known(bucket)
    bucket.reserve(500)
    time.now = 1.0
    bucket.reserve(300)
    time.now = 1.5
    bucket.settle(300, ThrottleStatus(maximum=2000, available=1300, restore_rate=100))
    time.now = 2.0
    bucket.settle(500, ThrottleStatus(maximum=2000, available=1500, restore_rate=100))
    assert bucket.reserve(1450) == 2.5


# Random sequences: both buckets answer alike, to the last bit.

Step = tuple[str, int]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("reserve"), st.integers(0, 1200)),
        st.tuples(st.just("answer"), st.integers(0, 2000)),
        st.tuples(st.just("lost"), st.integers(0, 9)),
        st.tuples(st.just("time"), st.integers(0, 2000)),  # milliseconds
    ),
    max_size=40,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=steps)
def test_redis_keeps_the_books_of_the_local_bucket(
    shared: Callable[..., RedisBucket], steps: list[Step]
) -> None:
    time = FakeTime()
    local, remote = LocalBucket(time, lease=30), shared(time, lease=30)
    booked: list[int] = []
    for kind, value in steps:
        if kind == "reserve":
            assert local.reserve(value) == remote.reserve(value)
            booked.append(value)
        elif kind == "time":
            time.now += value / 1000
        elif booked:
            cost = booked.pop(value % len(booked) if kind == "lost" else 0)
            status = None if kind == "lost" else ThrottleStatus(2000, value, 100)
            local.settle(cost, status)
            remote.settle(cost, status)
    assert local.status == remote.status
    assert local.reserve(1000) == remote.reserve(1000)


# What only a shared bucket has.


def test_workers_of_one_shop_share_the_bucket(shared: Callable[..., RedisBucket]) -> None:
    time = FakeTime()
    first = shared(time, "acme.myshopify.com")
    second = shared(time, "acme.myshopify.com")
    other = shared(time, "other.myshopify.com")
    known(first, ThrottleStatus(maximum=2000, available=1000, restore_rate=100))
    assert second.status == ThrottleStatus(maximum=2000, available=1000, restore_rate=100)
    assert first.reserve(800) == 0.0
    assert second.reserve(800) == 6.0  # first's booking left 200
    assert other.reserve(800) == 0.0 and other.status is None


def test_learned_costs_are_shared(shared: Callable[..., RedisBucket]) -> None:
    time = FakeTime()
    learner = CostThrottle(shared(time, "acme.myshopify.com"), sleep=time.sleep)
    ticket = learner.acquire("products|first=45")
    learner.settle(ticket, {"requestedQueryCost": 854, "actualQueryCost": 300})
    other = CostThrottle(shared(time, "acme.myshopify.com"), sleep=time.sleep)
    assert other.estimate("products|first=45") == 854.0
    assert dict(other.bucket.costs) == {"products|first=45": 854.0}


def test_a_dead_callers_booking_lapses_with_its_lease(make: Make) -> None:
    time = FakeTime()
    bucket = make(time)
    known(bucket)
    bucket.reserve(900)  # and never settles
    known(bucket)
    assert bucket.reserve(2000) == 9.0  # 2000 reported, 900 still booked
    bucket.settle(2000, STATUS)
    time.now = 121.0  # the default lease is 120 s
    known(bucket)
    assert bucket.reserve(2000) == 0.0


def test_a_dead_workers_booking_lapses_with_its_lease(
    shared: Callable[..., RedisBucket],
) -> None:
    time = FakeTime()
    alive = shared(time, "acme.myshopify.com", lease=60)
    dead = shared(time, "acme.myshopify.com", lease=60)
    known(alive)
    dead.reserve(900)  # and never settles
    known(alive)
    assert alive.reserve(2000) == 9.0  # 2000 reported, 900 still booked
    alive.settle(2000, STATUS)
    time.now = 61.0
    known(alive)
    assert alive.reserve(2000) == 0.0


def test_keys_are_prefixed_per_shop_and_expire(
    shared: Callable[..., RedisBucket], redis_client: Redis, redis_prefix: str
) -> None:
    bucket = shared(FakeTime(), "acme.myshopify.com", ttl=300)
    known(bucket)
    bucket.reserve(10)
    bucket.costs["shop"] = 2.0
    keys = sorted(k.decode() for k in redis_client.scan_iter(match=f"{redis_prefix}:*"))
    assert keys == sorted(
        f"{redis_prefix}:throttle:{{acme.myshopify.com}}{suffix}"
        for suffix in ("", ":open", ":settled", ":cost", ":learned")
    )
    assert all(0 < redis_client.pttl(key) <= 300_000 for key in keys)


def test_without_a_clock_redis_time_is_used(shared: Callable[..., RedisBucket]) -> None:
    bucket = shared(None)
    known(bucket, ThrottleStatus(maximum=2000, available=0, restore_rate=100))
    # Redis's clock moves on between the two calls, a little.
    assert 0.9 < bucket.reserve(100) <= 1.0


def test_an_unreachable_redis_is_a_typed_error() -> None:
    down = Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0))
    bucket = RedisBucket(down, "acme.myshopify.com", clock=FakeTime())
    with pytest.raises(UnavailableError) as caught:
        bucket.reserve(10)
    assert "Redis" in caught.value.message and caught.value.code == "SHOPIFY_UNAVAILABLE"
    bucket.settle(10, STATUS)  # an answer in hand is never lost to Redis
    assert CostThrottle(bucket).estimate("shop") == 0.0
