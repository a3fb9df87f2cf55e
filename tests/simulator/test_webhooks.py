"""Webhook deliveries: real POSTs to a receiver on loopback with Shopify's headers and HMAC,
retries with backoff under one webhook id, and the drop, duplicate, reorder and delay knobs."""

from __future__ import annotations

import asyncio
import random
import re
import time
import uuid

import orjson
import pytest

from tests.conftest import shared_path
from tests.simulator.sim_helpers import (
    Receiver,
    SimShop,
    first_product,
    number,
    settled,
    start_receiver,
    update_first_product,
)
from wholesync.simulator.server import RunningSimulator
from wholesync.simulator.store import Store
from wholesync.simulator.webhooks.dispatcher import Dispatcher, sign

TRIGGERED_AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


@pytest.fixture
def fast(simulator: RunningSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries and held deliveries in fractions of a second instead of minutes."""
    dispatcher = simulator.sim.dispatcher
    monkeypatch.setattr(dispatcher, "retry_base_seconds", 0.05)
    monkeypatch.setattr(dispatcher, "reorder_hold_seconds", 2.0)


# --- HMAC -------------------------------------------------------------------------------------


def hmac_vectors() -> list[tuple[str, bytes, str, str]]:
    root = shared_path("shopify", "hmac")
    vectors = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        body = next(p for p in folder.iterdir() if p.name.startswith("body")).read_bytes()
        secret = (folder / "secret.txt").read_text().strip()
        expected = (folder / "expected_x-shopify-hmac-sha256.txt").read_text().strip()
        vectors.append((folder.name, body, secret, expected))
        old = folder / "old_secret.txt"
        if old.exists():
            rotated = (folder / "expected_with_old_secret.txt").read_text().strip()
            vectors.append((f"{folder.name}-old-secret", body, old.read_text().strip(), rotated))
    return vectors


def test_sign_reproduces_every_shopify_vector() -> None:
    vectors = hmac_vectors()
    assert len(vectors) >= 4
    for name, body, secret, expected in vectors:
        assert sign(secret, body) == expected, name


# --- one delivery, end to end -----------------------------------------------------------------


def test_delivery_has_shopify_headers_and_a_valid_hmac(shop: SimShop, receiver: Receiver) -> None:
    shop.subscribe("PRODUCTS_UPDATE", receiver.url)
    product = first_product(shop)
    shop.control("POST", f"/products/{number(product['id'])}", {"title": "Renamed/Tee"})
    [got] = receiver.wait(1)
    headers = got.headers
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == "Shopify-Captain-Hook"
    assert headers["x-shopify-topic"] == "products/update"
    assert headers["x-shopify-shop-domain"] == f"{shop.handle}.myshopify.com"
    assert headers["x-shopify-api-version"] == "2026-07"
    assert headers["x-shopify-hmac-sha256"] == sign(shop.secret, got.body)
    assert uuid.UUID(headers["x-shopify-webhook-id"])
    assert uuid.UUID(headers["x-shopify-event-id"])
    assert TRIGGERED_AT.match(headers["x-shopify-triggered-at"])
    body = orjson.loads(got.body)
    assert body["admin_graphql_api_id"] == product["id"]
    assert body["title"] == "Renamed/Tee"
    [entry] = shop.deliveries()
    assert entry["status"] == "delivered"
    assert entry["attempts"] == 1
    assert entry["webhook_id"] == headers["x-shopify-webhook-id"]
    assert entry["event_id"] == headers["x-shopify-event-id"]


# --- every topic's body has the documented shape ----------------------------------------------


# --- retries -----------------------------------------------------------------------------------


def test_a_failed_delivery_is_retried_under_the_same_webhook_id(
    shop: SimShop, receiver: Receiver, fast: None
) -> None:
    receiver.answer(500, 503)
    shop.subscribe("PRODUCTS_UPDATE", receiver.url)
    update_first_product(shop)
    attempts = receiver.wait(3)
    assert len({a.headers["x-shopify-webhook-id"] for a in attempts}) == 1
    assert len({a.headers["x-shopify-event-id"] for a in attempts}) == 1
    assert len({a.body for a in attempts}) == 1
    assert attempts[2].at - attempts[1].at > attempts[1].at - attempts[0].at  # backing off
    entry = settled(shop)[0]
    assert (entry["status"], entry["attempts"], entry["response_status"]) == ("delivered", 3, 200)


def test_delivery_gives_up_after_the_last_retry(
    simulator: RunningSimulator,
    shop: SimShop,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(simulator.sim.dispatcher, "retry_base_seconds", 0.01)
    monkeypatch.setattr(simulator.sim.dispatcher, "max_retries", 2)
    receiver.answer(500, 500, 500, 500)
    shop.subscribe("PRODUCTS_UPDATE", receiver.url)
    update_first_product(shop)
    receiver.wait(3)
    entry = settled(shop)[0]
    assert (entry["status"], entry["attempts"], entry["error"]) == ("failed", 3, "HTTP 500")


def test_a_slow_receiver_times_out_and_is_retried(
    simulator: RunningSimulator,
    shop: SimShop,
    receiver: Receiver,
    fast: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(simulator.sim.dispatcher, "total_timeout", 0.3)
    receiver.answer(200, delays=(1.0,))
    shop.subscribe("PRODUCTS_UPDATE", receiver.url)
    update_first_product(shop)
    first, second = receiver.wait(2)
    assert first.headers["x-shopify-webhook-id"] == second.headers["x-shopify-webhook-id"]
    entry = settled(shop)[0]
    assert (entry["status"], entry["attempts"]) == ("delivered", 2)


def test_an_unreachable_endpoint_counts_as_a_failed_attempt(
    simulator: RunningSimulator, shop: SimShop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(simulator.sim.dispatcher, "retry_base_seconds", 0.01)
    monkeypatch.setattr(simulator.sim.dispatcher, "max_retries", 1)
    closed = start_receiver()
    url = closed.url
    closed.server.server_close()
    shop.subscribe("PRODUCTS_UPDATE", url)
    update_first_product(shop)
    entry = settled(shop)[0]
    assert entry["status"] == "failed"
    assert entry["attempts"] == 2
    assert entry["error"].startswith("ConnectError")


# --- fault knobs -------------------------------------------------------------------------------


def test_dropped_deliveries_never_arrive(shop: SimShop, receiver: Receiver) -> None:
    shop.control("PUT", "/faults", {"webhook_drop_rate": 1.0})
    shop.subscribe("PRODUCTS_UPDATE", receiver.url)
    update_first_product(shop)
    [entry] = settled(shop)
    assert entry["status"] == "dropped"
    time.sleep(0.3)
    assert receiver.requests == []


def test_duplicates_share_the_event_id_but_not_the_webhook_id(
    shop: SimShop, receiver: Receiver
) -> None:
    shop.control("PUT", "/faults", {"webhook_duplicate_rate": 1.0})
    shop.subscribe("PRODUCTS_UPDATE", receiver.url)
    update_first_product(shop)
    first, second = receiver.wait(2)
    assert first.headers["x-shopify-event-id"] == second.headers["x-shopify-event-id"]
    assert first.headers["x-shopify-webhook-id"] != second.headers["x-shopify-webhook-id"]
    assert first.body == second.body
    assert sorted(e["duplicate"] for e in shop.deliveries()) == [False, True]


def test_a_reordered_delivery_arrives_after_the_next_one(
    shop: SimShop, receiver: Receiver, fast: None
) -> None:
    shop.control("PUT", "/faults", {"webhook_reorder_rate": 1.0})
    shop.subscribe("PRODUCTS_UPDATE", receiver.url)
    product = number(first_product(shop)["id"])
    shop.control("POST", f"/products/{product}", {"title": "First"})
    time.sleep(0.2)
    shop.control("POST", f"/products/{product}", {"title": "Second"})
    titles = [orjson.loads(r.body)["title"] for r in receiver.wait(2)]
    assert titles == ["Second", "First"]


def test_a_held_delivery_goes_anyway_when_nothing_overtakes_it(
    shop: SimShop, receiver: Receiver, simulator: RunningSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(simulator.sim.dispatcher, "reorder_hold_seconds", 0.2)
    shop.control("PUT", "/faults", {"webhook_reorder_rate": 1.0})
    shop.subscribe("PRODUCTS_UPDATE", receiver.url)
    update_first_product(shop)
    assert len(receiver.wait(1)) == 1


def test_webhook_delay_postpones_each_delivery(shop: SimShop, receiver: Receiver) -> None:
    shop.control("PUT", "/faults", {"webhook_delay": 0.5})
    shop.subscribe("PRODUCTS_UPDATE", receiver.url)
    started = time.monotonic()
    update_first_product(shop)
    [got] = receiver.wait(1)
    assert got.at - started >= 0.5


# --- subscriptions ----------------------------------------------------------------------------


def test_close_cancels_pending_retries(receiver: Receiver) -> None:
    store = Store()
    dispatcher = Dispatcher(store, allow_http_callbacks=True, rng=random.Random(1))
    shop = store.create_shop("closing")
    shop.webhook_subscriptions[1] = {
        "id": "gid://shopify/WebhookSubscription/1",
        "topic": "APP_UNINSTALLED",
        "uri": receiver.url,
        "includeFields": [],
        "filter": None,
        "apiVersion": {"handle": "2026-07"},
    }
    receiver.answer(500)
    dispatcher.publish(shop, "app/uninstalled", {})
    receiver.wait(1)
    deadline = time.monotonic() + 5
    while shop.webhook_deliveries[0]["status"] != "retrying" and time.monotonic() < deadline:
        time.sleep(0.01)
    asyncio.run(dispatcher.close())
    assert shop.webhook_deliveries[0]["status"] == "cancelled"
    dispatcher.publish(shop, "app/uninstalled", {})  # a closed dispatcher starts again
    assert len(receiver.wait(2)) == 2
    asyncio.run(dispatcher.close())
