"""Parity with real Shopify: replay the captures in ../shared/shopify/graphql."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from tests.conftest import shared_path
from tests.simulator.parity_replay import Capture, Replay, load_entries
from wholesync.simulator.server import RunningSimulator

ENTRIES = load_entries()
REPLAYED = [e for e in ENTRIES if e.status == "replayed"]
REQUIRED_MUTATIONS = (
    "orderCreate",
    "draftOrderCreate",
    "customerCreate",
    "customerUpdate",
    "inventorySetQuantities",
    "bulkOperationRunQuery",
)
CAPTURE_FOLDERS = (
    "orders",
    "customers",
    "products",
    "metafields",
    "bulk-operations",
    "shipping-fulfillments",
)


@pytest.fixture(scope="module")
def captures_root() -> Path:
    return shared_path("shopify", "graphql")


def test_every_capture_is_listed(captures_root: Path) -> None:
    on_disk = {
        str(p.relative_to(captures_root))
        for folder in CAPTURE_FOLDERS
        for p in (captures_root / folder).glob("*.json")
    }
    listed = [e.file for e in ENTRIES]
    assert len(listed) == len(set(listed)), "a capture is listed twice"
    assert sorted(on_disk - set(listed)) == [], "captures missing from tests/simulator/parity"
    assert sorted(set(listed) - on_disk) == [], "listed captures that do not exist"
    for entry in ENTRIES:
        assert entry.status in ("replayed", "out_of_scope"), entry.file
        if entry.status == "out_of_scope":
            assert len(entry.reason) > 10, f"{entry.file}: say why it is out of scope"
        else:
            assert entry.steps, f"{entry.file}: a replayed capture needs steps"


def test_enough_captures_are_replayed(captures_root: Path) -> None:
    assert len(REPLAYED) >= 25
    text = " ".join((captures_root / e.file).read_text() for e in REPLAYED)
    text += " ".join(
        p.read_text() for p in (Path(__file__).parent / "parity" / "documents").glob("*.graphql")
    )
    for mutation in REQUIRED_MUTATIONS:
        assert mutation in text, f"no replayed capture exercises {mutation}"


@pytest.fixture
def replay_shop(simulator: RunningSimulator, request: pytest.FixtureRequest) -> Iterator[str]:
    entry: Capture = request.param
    handle = "parity-" + str(abs(hash(entry.file)) % 10**8)
    spec = {
        "shop": handle,
        "token": f"shpat_{handle}",
        "products": 0,
        "customers": 0,
        "locations": 1,
        **entry.shop,
    }
    response = httpx.post(f"{simulator.url}/__sim/shops", json=spec, timeout=30)
    assert response.status_code == 201, response.text
    yield handle
    httpx.delete(f"{simulator.url}/__sim/shops/{handle}")


@pytest.mark.parametrize("replay_shop", REPLAYED, ids=[e.file for e in REPLAYED], indirect=True)
def test_replay(
    simulator: RunningSimulator,
    replay_shop: str,
    captures_root: Path,
    request: pytest.FixtureRequest,
) -> None:
    entry: Capture = request.node.callspec.params["replay_shop"]
    capture = orjson.loads((captures_root / entry.file).read_bytes())
    with httpx.Client(
        headers={"X-Shopify-Access-Token": f"shpat_{replay_shop}"}, timeout=30
    ) as client:
        replay = Replay(
            client=client,
            graphql_url=simulator.graphql_url(),
            control_url=f"{simulator.url}/__sim/shops/{replay_shop}",
            capture=capture,
        )
        problems: list[str] = []
        for index, step in enumerate(entry.steps):
            problems += [f"step {index}: {line}" for line in replay.run_step(step)]
    assert problems == []
