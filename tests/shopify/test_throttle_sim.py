"""Throttling against the simulator over HTTP. The simulator runs on a manual clock that the
client's recorded sleeps move, so a bucket that takes minutes to refill is waited out at once
and every figure is deterministic."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.shopify.conftest import RecordingSleep, Shop, Timed, create_shop, doc
from wholesync.shopify import ShopifyClient, ThrottledError

COSTLY = doc("costly_products")
PAGE = {"first": 20}


@dataclass
class Answers:
    """Every GraphQL answer a client received, read off the wire."""

    bodies: list[Any] = field(default_factory=list)

    def hook(self, response: httpx.Response) -> None:
        if response.request.url.path.endswith("graphql.json"):
            response.read()
            self.bodies.append(response.json())

    @property
    def throttled(self) -> list[dict[str, Any]]:
        return [b for b in self.bodies if "THROTTLED" in str(b.get("errors"))]


@pytest.fixture
def shop(timed: Timed) -> Iterator[Shop]:
    made = create_shop(timed.sim, products=60, locations=3)
    yield made
    httpx.delete(made.control_url, timeout=30)


def timed_client(shop: Shop, timed: Timed, **options: Any) -> tuple[ShopifyClient, RecordingSleep]:
    sleep = RecordingSleep(clock=timed.clock, overshoot=1e-6)
    client = shop.client(clock=timed.clock, sleep=sleep, **options)
    return client, sleep


def test_a_burst_waits_before_the_bucket_runs_dry(shop: Shop, timed: Timed) -> None:
    client, sleep = timed_client(shop, timed)
    answers = Answers()
    client.http.event_hooks["response"].append(answers.hook)
    for _ in range(15):
        data = client.execute(COSTLY, PAGE)
        assert len(data["products"]["nodes"]) == 20
    assert answers.throttled == [] and client.throttled_responses == 0
    assert sleep.calls, "15 costly calls do not fit a 2,000-point bucket"
    costs = [b["extensions"]["cost"] for b in answers.bodies]
    requested = costs[0]["requestedQueryCost"]
    assert requested > 300
    # It waited no longer than the restore of what was used beyond the first bucket, plus one
    # call's up-front charge.
    used = sum(c["actualQueryCost"] for c in costs)
    assert sum(sleep.calls) <= (used - 2000 + requested) / 100


def test_two_workers_without_a_shared_bucket_absorb_throttled(shop: Shop, timed: Timed) -> None:
    """Two clients of one shop that do not know of each other overdraw it; Shopify answers
    THROTTLED, and each waits (cost - available) / restoreRate and tries again."""
    clients: list[ShopifyClient] = []
    logs: list[list[Any]] = [[], []]
    for log in logs:
        # Each client's answers and sleeps, in the order they happened.
        def sleep(seconds: float, log: list[Any] = log) -> None:
            log.append(seconds)
            timed.clock.advance(seconds + 1e-6)

        client = shop.client(clock=timed.clock, sleep=sleep)
        client.http.event_hooks["response"].append(Answers(log).hook)
        clients.append(client)
    for _ in range(12):
        for client in clients:
            assert len(client.execute(COSTLY, PAGE)["products"]["nodes"]) == 20
    assert sum(client.throttled_responses for client in clients) > 0
    for log in logs:
        for event, following in itertools.pairwise(log):
            if not isinstance(event, dict) or "THROTTLED" not in str(event.get("errors")):
                continue
            cost = event["extensions"]["cost"]
            status = cost["throttleStatus"]
            wait = (cost["requestedQueryCost"] - status["currentlyAvailable"]) / status[
                "restoreRate"
            ]
            assert following == pytest.approx(wait)


def test_forced_throttling_is_waited_out(shop: Shop, timed: Timed) -> None:
    sleep = RecordingSleep(clock=timed.clock, overshoot=1e-6)

    def sleep_then_recover(seconds: float) -> None:
        sleep(seconds)
        shop.faults(force_throttle=False)

    client = shop.client(clock=timed.clock, sleep=sleep_then_recover)
    answers = Answers()
    client.http.event_hooks["response"].append(answers.hook)
    shop.faults(force_throttle=True)
    data = client.execute(COSTLY, PAGE)
    assert len(data["products"]["nodes"]) == 20
    [refused] = answers.throttled
    cost = refused["extensions"]["cost"]
    assert cost["throttleStatus"]["currentlyAvailable"] == 0
    assert sleep.calls == [pytest.approx(cost["requestedQueryCost"] / 100)]


def test_throttled_for_good_gives_up_with_a_typed_error(shop: Shop, timed: Timed) -> None:
    client, sleep = timed_client(shop, timed, max_throttled=3)
    shop.faults(force_throttle=True)
    with pytest.raises(ThrottledError) as caught:
        client.execute(COSTLY, PAGE)
    assert caught.value.code == "SHOPIFY_UNAVAILABLE"
    assert len(sleep.calls) == 3 and client.throttled_responses == 4
