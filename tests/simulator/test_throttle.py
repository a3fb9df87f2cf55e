"""The leaky bucket: exact arithmetic with a manual clock, and THROTTLED over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import shared_path
from wholesync.simulator.api.throttle import PLANS, LeakyBucket
from wholesync.simulator.clock import ManualClock
from wholesync.simulator.server import RunningSimulator, start_in_thread

# One page of 250 products with 250 variants each: 2 + 9 * (1 + 2 + 9) = 110 points requested.
EXPENSIVE = "{ products(first: 250) { nodes { id variants(first: 250) { nodes { id sku } } } } }"


def test_bucket_restores_at_plan_rate() -> None:
    clock = ManualClock()
    bucket = LeakyBucket(PLANS["standard"], clock)
    assert bucket.try_take(1_990)
    assert bucket.status()["currentlyAvailable"] == 10
    assert not bucket.try_take(11)
    clock.advance(0.5)
    assert bucket.status()["currentlyAvailable"] == 60
    clock.advance(100)
    assert bucket.status() == {
        "maximumAvailable": 2000,
        "currentlyAvailable": 2000,
        "restoreRate": 100,
    }


def test_refund_of_unused_points_is_capped_at_bucket_size() -> None:
    bucket = LeakyBucket(PLANS["plus"], ManualClock())
    assert bucket.try_take(500)
    bucket.refund(800)
    assert bucket.status()["currentlyAvailable"] == 20_000


@pytest.fixture(scope="module")
def manual() -> Iterator[tuple[RunningSimulator, ManualClock]]:
    clock = ManualClock()
    running = start_in_thread(clock=clock)
    yield running, clock
    running.stop()


def _shop(running: RunningSimulator, handle: str, plan: str) -> httpx.Client:
    spec = {"shop": handle, "token": f"shpat_{handle}", "plan": plan, "products": 3}
    assert httpx.post(f"{running.url}/__sim/shops", json=spec).status_code == 201
    return httpx.Client(headers={"X-Shopify-Access-Token": f"shpat_{handle}"}, timeout=30)


@pytest.mark.parametrize("plan", ["standard", "plus"])
def test_burst_is_throttled_then_refills(
    manual: tuple[RunningSimulator, ManualClock], plan: str
) -> None:
    running, clock = manual
    preset = PLANS[plan]
    with _shop(running, f"burst-{plan}", plan) as client:
        first = client.post(running.graphql_url(), json={"query": EXPENSIVE}).json()
        requested = first["extensions"]["cost"]["requestedQueryCost"]
        actual = first["extensions"]["cost"]["actualQueryCost"]
        assert actual < requested
        expected_left = preset.bucket_size - actual
        assert first["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == expected_left
        answers = []
        # The clock stands still, so the bucket only drains: it must refuse before it goes negative.
        for _ in range(int(preset.bucket_size // actual) + 2):
            answers.append(client.post(running.graphql_url(), json={"query": EXPENSIVE}).json())
        throttled = [a for a in answers if "errors" in a]
        assert throttled, "a burst over the bucket must be throttled"
        refusal = throttled[0]
        assert refusal["errors"][0]["extensions"]["code"] == "THROTTLED"
        assert refusal["errors"][0]["message"] == "Throttled"
        status = refusal["extensions"]["cost"]["throttleStatus"]
        assert status["maximumAvailable"] == preset.bucket_size
        assert status["restoreRate"] == preset.restore_rate
        assert status["currentlyAvailable"] < requested
        assert refusal["extensions"]["cost"]["actualQueryCost"] is None
        left = status["currentlyAvailable"]
        clock.advance(1.0)
        after = client.post(running.graphql_url(), json={"query": "{ shop { id } }"}).json()
        assert after["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == min(
            preset.bucket_size, left + preset.restore_rate - 1
        )


def test_throttled_shape_matches_live_capture(manual: tuple[RunningSimulator, ManualClock]) -> None:
    import orjson

    live = orjson.loads(
        shared_path(
            "shopify", "errors", "throttled_live_capture_2026-08-28_transcribed.json"
        ).read_bytes()
    )
    running, _ = manual
    with _shop(running, "shape-throttle", "standard") as client:
        client.put(
            f"{running.url}/__sim/shops/shape-throttle/faults", json={"force_throttle": True}
        )
        ours = client.post(running.graphql_url(), json={"query": EXPENSIVE}).json()
    assert ours["errors"] == live["errors"]
    assert set(ours["extensions"]["cost"]) == set(live["extensions"]["cost"])
    assert set(ours["extensions"]["cost"]["throttleStatus"]) == set(
        live["extensions"]["cost"]["throttleStatus"]
    )
