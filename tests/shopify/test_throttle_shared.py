"""Several processes with several threads each, one shop on the standard plan, one bucket in
Redis: a burst beyond what the bucket holds is waited out, and Shopify (the simulator, over
HTTP) never answers THROTTLED. Every answer is read off the wire by the client that got it, so
the sum over the clients is everything the simulator answered."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator

import pytest
from redis import Redis

from tests.shopify.conftest import ShopFactory
from tests.shopify.shared_burst import PAGE, STOCK, THREADS, Tally, Target, counting, run
from wholesync.hub.models import AuthMode, Tenant
from wholesync.shopify import ShopifyClient
from wholesync.shopify.throttle_redis import RedisBucket
from wholesync.sync.tenants import build_client

PROCESSES = 3
COST = 67  # of one STOCK page
BURST = PROCESSES * THREADS * COST
# Drained below this, the bucket cannot take the burst without waiting.
DRAIN_TO = BURST - 100


@pytest.fixture
def target(make_shop: ShopFactory, redis_url: str, redis_prefix: str) -> Iterator[Target]:
    shop = make_shop(products=20, locations=3, plan="standard")
    yield Target(shop.sim.url, shop.domain, shop.token, redis_url, redis_prefix)


def runtime_client(target: Target, redis: Redis, tally: Tally) -> ShopifyClient:
    """A client built as the runtime builds one: ``build_client`` with the shop's bucket."""
    tenant = Tenant(
        name="brand",
        shop_domain=target.domain,
        api_url=target.sim_url,
        auth_mode=AuthMode.TOKEN,
        token_env="TOKEN",
    )
    buckets = RedisBucket.factory(redis, prefix=target.prefix)
    client = build_client(tenant, environ={"TOKEN": target.token}, bucket_for=buckets)
    return counting(client, tally)


def test_the_runtime_client_keeps_its_books_in_redis(target: Target) -> None:
    redis = Redis.from_url(target.redis_url)
    with runtime_client(target, redis, Tally()) as client:
        client.execute(STOCK, PAGE)
    bucket = RedisBucket(redis, target.domain, prefix=target.prefix)
    assert bucket.status is not None and bucket.status.maximum == 2000
    assert bucket.costs["stock_page|first=20"] == COST
    redis.close()


def test_processes_and_threads_sharing_one_bucket_are_never_throttled(target: Target) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES + 1)
    results = context.Queue()
    processes = [
        context.Process(target=run, args=(target, barrier, results)) for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    # Meanwhile, a worker already running drains the bucket: the burst will not fit.
    redis = Redis.from_url(target.redis_url)
    bucket = RedisBucket(redis, target.domain, prefix=target.prefix)
    drained = Tally()
    with runtime_client(target, redis, drained) as client:
        while bucket.status is None or bucket.status.available >= DRAIN_TO:
            client.execute(STOCK, PAGE)
    barrier.wait(timeout=60)
    tallies = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    redis.close()
    assert all(isinstance(t, Tally) for t in tallies), tallies
    assert sum(t.calls for t in tallies) == PROCESSES * THREADS
    assert drained.throttled_on_wire + sum(t.throttled_on_wire for t in tallies) == 0
    assert sum(t.throttled_responses for t in tallies) == 0
    assert sum(t.slept for t in tallies) > 0
