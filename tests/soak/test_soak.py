"""The fault soak: two tenants, ``wholesync serve`` and two workers on PostgreSQL and Redis, a
busy merchant and wholesale buyers at each shop, and every fault on for
``WHOLESYNC_SOAK_SECONDS`` (150 here, 600 under ``make soak``), a worker killed every
``WHOLESYNC_SOAK_KILL_EVERY`` seconds (30). Afterwards each hub equals its
shop in every flow, every approved order is exactly one Shopify order, and no run record is
lost. The report of counts goes to ``WHOLESYNC_SOAK_REPORT`` (``make soak``:
bench/results/soak.json), else to soak.json in the test's temporary directory."""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.soak.chaos import FAULTS, THROTTLE_EVERY, THROTTLE_FOR, Chaos
from tests.soak.checks import compare, converge, order_counts, run_counts
from tests.soak.deployment import Soak, deployed
from wholesync.simulator.server import RunningSimulator

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

SECONDS = float(os.environ.get("WHOLESYNC_SOAK_SECONDS", "150"))
KILL_EVERY = float(os.environ.get("WHOLESYNC_SOAK_KILL_EVERY", "30"))
PRODUCTS = 40  # per shop


@pytest.fixture
def soak(
    database_url: str,
    redis_url: str,
    redis_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
    simulator: RunningSimulator,
    tmp_path: Path,
) -> Iterator[Soak]:
    # Webhook retries and held-back (reordered) deliveries in seconds rather than minutes.
    monkeypatch.setattr(simulator.sim.dispatcher, "retry_base_seconds", 1.0)
    monkeypatch.setattr(simulator.sim.dispatcher, "reorder_hold_seconds", 2.0)
    logs = tmp_path / "logs"
    logs.mkdir()
    with deployed(
        simulator, database_url, redis_url, redis_prefix, logs, monkeypatch, PRODUCTS
    ) as running:
        yield running


@pytest.mark.timeout(SECONDS + 420)
def test_the_hub_equals_the_shops_after_a_soak_under_every_fault(
    soak: Soak, tmp_path: Path
) -> None:
    started = time.monotonic()
    chaos = Chaos(soak, SECONDS, KILL_EVERY)
    chaos.run()
    for process in soak.workers:
        assert process.poll() is None, "a restarted worker died"
    convergence = converge(soak)
    approved = [order for buyer in chaos.buyers for order in buyer.approved]
    scratch = tmp_path / "reference"
    scratch.mkdir()
    results = compare(soak, approved, scratch)
    report = {
        "soak_seconds": SECONDS,
        "convergence_seconds": round(convergence, 1),
        "wall_seconds": round(time.monotonic() - started, 1),
        "tenants": [brand.name for brand in soak.brands],
        "faults": {**FAULTS, "throttle_burst": f"{THROTTLE_FOR:g} s every {THROTTLE_EVERY:g} s"},
        **chaos.report(),
        "orders_approved": len(approved),
        "orders": order_counts(soak),
        **run_counts(soak),
        "comparisons": results,
    }
    target = Path(os.environ.get("WHOLESYNC_SOAK_REPORT") or tmp_path / "soak.json")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(report, indent=2, sort_keys=False) + "\n")
    print(f"\nsoak report ({target}):\n{target.read_text()}")

    assert {name: r for name, r in results.items() if r["differences"]} == {}
    assert report["worker_kills"] >= math.ceil(SECONDS / chaos.kill_every) - 1
    assert approved and all(report["merchant_actions"].values())
    assert [p.args for p in soak.processes() if p.poll() is not None] == [], "a service died"
