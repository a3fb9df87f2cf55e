"""Injected faults: the bad days at Shopify a client must survive."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from wholesync.simulator.server import RunningSimulator

QUERY = {"query": "{ shop { id } }"}


@pytest.fixture
def shop(simulator: RunningSimulator) -> Iterator[str]:
    spec = {"shop": "faulty", "token": "shpat_faulty", "products": 1}
    assert httpx.post(f"{simulator.url}/__sim/shops", json=spec).status_code == 201
    yield "faulty"
    httpx.delete(f"{simulator.url}/__sim/shops/faulty")


def _faults(simulator: RunningSimulator, shop: str, **faults: object) -> httpx.Response:
    return httpx.put(f"{simulator.url}/__sim/shops/{shop}/faults", json=faults)


def _ask(simulator: RunningSimulator) -> httpx.Response:
    return httpx.post(
        simulator.graphql_url(), json=QUERY, headers={"X-Shopify-Access-Token": "shpat_faulty"}
    )


def test_error_rate_answers_5xx(simulator: RunningSimulator, shop: str) -> None:
    assert _faults(simulator, shop, error_rate=1.0).status_code == 200
    assert _ask(simulator).status_code == 503
    _faults(simulator, shop)
    assert _ask(simulator).status_code == 200


def test_connection_reset_breaks_the_response(simulator: RunningSimulator, shop: str) -> None:
    _faults(simulator, shop, reset_rate=1.0)
    with pytest.raises(httpx.TransportError):
        _ask(simulator)
    _faults(simulator, shop)
    assert _ask(simulator).status_code == 200


ORDER = """
mutation { orderCreate(order: {lineItems: [{title: "Lost", quantity: 1}], sourceIdentifier: "k1"})
  { order { id } userErrors { message } } }
"""


def test_errors_and_resets_strike_before_the_write(simulator: RunningSimulator, shop: str) -> None:
    _faults(simulator, shop, error_rate=1.0)
    assert _order(simulator).status_code == 503
    _faults(simulator, shop, reset_rate=1.0)
    with pytest.raises(httpx.TransportError):
        _order(simulator)
    assert _orders(simulator, shop) == []
    assert _struck(simulator, shop) == {"errors": 1, "resets": 1}


def test_a_lost_response_comes_after_the_write(simulator: RunningSimulator, shop: str) -> None:
    _faults(simulator, shop, lost_response_rate=1.0)
    with pytest.raises(httpx.TransportError):
        _order(simulator)
    assert [o["sourceIdentifier"] for o in _orders(simulator, shop)] == ["k1"]
    _faults(simulator, shop)
    assert _order(simulator).status_code == 200
    assert len(_orders(simulator, shop)) == 2
    assert _struck(simulator, shop) == {"lost_responses": 1}


def _order(simulator: RunningSimulator) -> httpx.Response:
    return httpx.post(
        simulator.graphql_url(),
        json={"query": ORDER},
        headers={"X-Shopify-Access-Token": "shpat_faulty"},
    )


def _orders(simulator: RunningSimulator, shop: str) -> list[dict[str, object]]:
    listing: list[dict[str, object]] = httpx.get(
        f"{simulator.url}/__sim/shops/{shop}/orders"
    ).json()
    return listing


def _struck(simulator: RunningSimulator, shop: str) -> dict[str, int]:
    """The faults that struck the shop, by kind (those that never did left out)."""
    struck: dict[str, int] = httpx.get(f"{simulator.url}/__sim/shops/{shop}").json()[
        "faults_struck"
    ]
    return {kind: count for kind, count in struck.items() if count}


def test_forced_throttling(simulator: RunningSimulator, shop: str) -> None:
    _faults(simulator, shop, force_throttle=True)
    answer = _ask(simulator).json()
    assert answer["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert _struck(simulator, shop) == {"throttled": 1}


def test_latency_spikes_are_counted(simulator: RunningSimulator, shop: str) -> None:
    _faults(simulator, shop, latency_spike_rate=1.0, latency_spike=0.05)
    assert _ask(simulator).status_code == 200
    assert _struck(simulator, shop) == {"latency_spikes": 1}


@pytest.mark.parametrize(
    "faults", [{"error_rate": 2}, {"latency": -1}, {"nonsense": 1}, {"force_throttle": "x"}]
)
def test_bad_fault_settings_are_refused(
    simulator: RunningSimulator, shop: str, faults: dict[str, object]
) -> None:
    answer = _faults(simulator, shop, **faults)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "INVALID_FAULTS"


def test_control_api_errors_are_clear(simulator: RunningSimulator) -> None:
    missing = httpx.get(f"{simulator.url}/__sim/shops/nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "SHOP_NOT_FOUND"
    bad = httpx.post(f"{simulator.url}/__sim/shops", content=b"[1, 2")
    assert bad.status_code == 400
    invalid = httpx.post(f"{simulator.url}/__sim/shops", json={"shop": "Bad Name!"})
    assert invalid.status_code == 422
    plan = httpx.post(f"{simulator.url}/__sim/shops", json={"shop": "p", "plan": "gold"})
    assert plan.status_code == 422


def test_merchant_actions_take_whole_gids_or_numbers(simulator: RunningSimulator) -> None:
    spec = {"shop": "gids", "token": "shpat_gids", "products": 2}
    assert httpx.post(f"{simulator.url}/__sim/shops", json=spec).status_code == 201
    first, second = httpx.get(f"{simulator.url}/__sim/shops/gids/products").json()
    by_gid = httpx.post(
        f"{simulator.url}/__sim/shops/gids/products/{first['id']}", json={"tags": ["a"]}
    )
    number = second["id"].rsplit("/", 1)[1]
    by_number = httpx.post(
        f"{simulator.url}/__sim/shops/gids/products/{number}", json={"tags": ["b"]}
    )
    assert (by_gid.status_code, by_number.status_code) == (200, 200)
    tags = [p["tags"] for p in httpx.get(f"{simulator.url}/__sim/shops/gids/products").json()]
    assert tags == [["a"], ["b"]]
