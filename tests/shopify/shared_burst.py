"""A burst of costly calls from one process's threads, on a shop's bucket in Redis. Spawned
as a separate process by test_throttle_shared.py, so it imports only what a worker needs."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import httpx
from redis import Redis

from wholesync.shopify import CostThrottle, ShopifyClient, StaticToken
from wholesync.shopify.operations import Operation
from wholesync.shopify.throttle_redis import RedisBucket

STOCK = Operation.parse(
    "stock_page", (Path(__file__).parent / "documents" / "stock_page.graphql").read_text()
)
PAGE = {"first": 20}  # 67 points, requested and charged alike
THREADS = 2


@dataclass(frozen=True)
class Target:
    """The shop and the Redis holding its bucket (picklable, for spawned processes)."""

    sim_url: str
    domain: str
    token: str
    redis_url: str
    prefix: str


@dataclass
class Tally:
    """What one process's client saw: answers on the wire and the seconds it waited."""

    calls: int = 0
    throttled_on_wire: int = 0
    throttled_responses: int = 0
    slept: float = 0.0


def counting(client: ShopifyClient, tally: Tally) -> ShopifyClient:
    """Count every GraphQL answer ``client`` receives and every THROTTLED among them."""
    lock = threading.Lock()

    def count(response: httpx.Response) -> None:
        if response.request.url.path.endswith("graphql.json"):
            response.read()
            with lock:
                tally.throttled_on_wire += "THROTTLED" in response.text
                tally.calls += 1

    client.http.event_hooks["response"].append(count)
    return client


def burst(target: Target, barrier: Barrier) -> Tally:
    """THREADS threads make one call each, all processes starting together."""
    tally = Tally()
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            tally.slept += seconds
        threading.Event().wait(seconds)

    redis = Redis.from_url(target.redis_url)
    bucket = RedisBucket(redis, target.domain, prefix=target.prefix)
    client = ShopifyClient(
        target.domain,
        StaticToken(target.token),
        base_url=target.sim_url,
        throttle=CostThrottle(bucket, sleep=sleep),
    )
    errors: list[BaseException] = []

    def work() -> None:
        try:
            client.execute(STOCK, PAGE)
        except BaseException as exc:
            errors.append(exc)

    with counting(client, tally):
        barrier.wait(timeout=60)
        threads = [threading.Thread(target=work) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        tally.throttled_responses = client.throttled_responses
    redis.close()
    if errors:
        raise errors[0]
    return tally


def run(target: Target, barrier: Barrier, results: Any) -> None:
    """A process's entry point: its tally, or the error, on ``results``."""
    try:
        results.put(burst(target, barrier))
    except BaseException as exc:
        results.put(repr(exc))
