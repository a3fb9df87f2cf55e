"""Webhook subscriptions and deliveries: real POSTs to a receiver on loopback, Shopify's headers
and HMAC, bodies shaped like Shopify's documented examples, retries and the fault knobs."""

from __future__ import annotations

import asyncio
import random
import re
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import shared_path
from tests.simulator.sim_helpers import Receiver, SimShop, open_shop, start_receiver
from wholesync.simulator import engine
from wholesync.simulator.registry import PAYLOADS
from wholesync.simulator.server import RunningSimulator
from wholesync.simulator.store import Store
from wholesync.simulator.webhook_rules import address_problem
from wholesync.simulator.webhooks import Dispatcher, sign

TRIGGERED_AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
PRODUCTS = "{ products(first: 5) { nodes { id variants(first: 5) { nodes { id sku } } } } }"
CUSTOMERS = "{ customers(first: 1) { nodes { id } } }"
FULFILL = """
mutation Fulfill($f: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $f) { fulfillment { id } userErrors { field message } }
}
"""
BULK = """
mutation Bulk($q: String!) {
  bulkOperationRunQuery(query: $q) { bulkOperation { id } userErrors { field message } }
}
"""
DELETE = """
mutation Delete($id: ID!) {
  webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { field message } }
}
"""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = start_receiver()
    yield running
    running.server.shutdown()
    running.server.server_close()


@pytest.fixture
def shop(simulator: RunningSimulator) -> Iterator[SimShop]:
    yield from open_shop(simulator, products=2, customers=2)


@pytest.fixture
def fast(simulator: RunningSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries and held deliveries in fractions of a second instead of minutes."""
    dispatcher = simulator.sim.dispatcher
    monkeypatch.setattr(dispatcher, "retry_base_seconds", 0.05)
    monkeypatch.setattr(dispatcher, "reorder_hold_seconds", 2.0)


def first_product(shop: SimShop) -> dict[str, Any]:
    product: dict[str, Any] = shop.gql(PRODUCTS)["products"]["nodes"][0]
    return product


def number(gid: str) -> str:
    return gid.rsplit("/", 1)[-1]


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


def _stock(shop: SimShop, sku: str) -> None:
    shop.control("POST", "/inventory", {"sku": sku, "available": 50})


def _order(shop: SimShop) -> dict[str, Any]:
    sku = first_product(shop)["variants"]["nodes"][0]["sku"]
    _stock(shop, sku)
    customer = shop.gql(CUSTOMERS)["customers"]["nodes"][0]["id"]
    address = {
        "firstName": "Ada",
        "lastName": "Byron",
        "address1": "1 Market St",
        "city": "San Francisco",
        "provinceCode": "CA",
        "countryCode": "US",
        "zip": "94105",
        "phone": "+14155550100",
    }
    body = {
        "lineItems": [{"sku": sku, "quantity": 2}],
        "customerId": customer,
        "email": "ada@example.com",
        "shippingAddress": address,
    }
    order: dict[str, Any] = shop.control("POST", "/orders", body)
    return order


def _products_create(shop: SimShop) -> None:
    body = {
        "title": "Hook Tee",
        "tags": ["summer"],
        "options": [{"name": "Size", "values": ["S", "M"]}],
        "variants": [
            {"sku": "HOOK-S", "price": "20.00", "options": ["S"]},
            {"sku": "HOOK-M", "price": "20.00", "options": ["M"]},
        ],
        "images": ["https://cdn.example.com/hook.png"],
    }
    shop.control("POST", "/products", body)


def _products_update(shop: SimShop) -> None:
    shop.control("POST", f"/products/{number(first_product(shop)['id'])}", {"title": "New"})


def _products_delete(shop: SimShop) -> None:
    shop.control("DELETE", f"/products/{number(first_product(shop)['id'])}")


def _inventory_items_update(shop: SimShop) -> None:
    product = first_product(shop)
    variant = product["variants"]["nodes"][0]
    body = {"variants": [{"id": variant["id"], "sku": "RENAMED-SKU"}]}
    shop.control("POST", f"/products/{number(product['id'])}", body)


def _inventory_levels_update(shop: SimShop) -> None:
    _stock(shop, first_product(shop)["variants"]["nodes"][0]["sku"])


def _customers_create(shop: SimShop) -> None:
    address = {"address1": "2 Main St", "city": "Austin", "countryCode": "US", "zip": "73301"}
    body = {
        "email": "new.buyer@example.com",
        "firstName": "New",
        "lastName": "Buyer",
        "tags": ["wholesale"],
        "addresses": [address],
    }
    shop.control("POST", "/customers", body)


def _customers_update(shop: SimShop) -> None:
    customer = shop.gql(CUSTOMERS)["customers"]["nodes"][0]["id"]
    shop.control("POST", f"/customers/{number(customer)}", {"note": "prefers email"})


def _orders_cancel(shop: SimShop) -> None:
    order = _order(shop)
    shop.control("POST", f"/orders/{number(order['id'])}/cancel", {"reason": "CUSTOMER"})


def _fulfillments_create(shop: SimShop) -> None:
    order = _order(shop)
    lines = [{"fulfillmentOrderId": fo} for fo in order["fulfillmentOrders"]]
    tracking = {"number": "1Z999", "company": "UPS"}
    answer = shop.gql(
        FULFILL, {"f": {"lineItemsByFulfillmentOrder": lines, "trackingInfo": tracking}}
    )
    assert answer["fulfillmentCreate"]["userErrors"] == []


def _bulk_finish(shop: SimShop) -> None:
    query = "{ products { edges { node { id title } } } }"
    assert shop.gql(BULK, {"q": query})["bulkOperationRunQuery"]["userErrors"] == []


def _uninstall(shop: SimShop) -> None:
    shop.control("POST", "/uninstall")


TRIGGERS: dict[str, Callable[[SimShop], Any]] = {
    "products/create": _products_create,
    "products/update": _products_update,
    "products/delete": _products_delete,
    "inventory_items/update": _inventory_items_update,
    "inventory_levels/update": _inventory_levels_update,
    "customers/create": _customers_create,
    "customers/update": _customers_update,
    "orders/create": _order,
    "orders/updated": _orders_cancel,
    "orders/cancelled": _orders_cancel,
    "fulfillments/create": _fulfillments_create,
    "bulk_operations/finish": _bulk_finish,
    "app/uninstalled": _uninstall,
}


# Shopify's documented example for inventory_levels/update is an empty object; its body is
# the REST InventoryLevel resource, whose keys these are.
EMPTY_EXAMPLES: dict[str, dict[str, Any]] = {
    "inventory_levels/update": dict.fromkeys(
        ["inventory_item_id", "location_id", "available", "updated_at", "admin_graphql_api_id"]
    ),
}


def key_differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Where two bodies' key sets differ, recursively (lists by their first element)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        problems = [f"{path}/{key}: missing" for key in expected if key not in actual]
        problems += [f"{path}/{key}: unexpected" for key in actual if key not in expected]
        for key in expected.keys() & actual.keys():
            problems += key_differences(expected[key], actual[key], f"{path}/{key}")
        return problems
    if isinstance(expected, list) and isinstance(actual, list) and expected and actual:
        return key_differences(expected[0], actual[0], f"{path}/0")
    return []


def docs_examples() -> list[Path]:
    return sorted(shared_path("shopify", "webhooks").glob("*/*/docs_example_2026-01.json"))


def test_every_documented_topic_has_a_trigger() -> None:
    topics = {f"{p.parent.parent.name}/{p.parent.name}" for p in docs_examples()}
    assert topics == set(TRIGGERS)


@pytest.mark.parametrize("topic", sorted(TRIGGERS))
def test_delivered_body_has_the_documented_keys(
    topic: str, shop: SimShop, receiver: Receiver
) -> None:
    engine.schema()  # imports every domain, so each registers its payload builders
    if topic not in PAYLOADS:
        pytest.skip(f"no payload builder is registered for {topic} yet")
    example_file = shared_path(
        "shopify", "webhooks", *topic.split("/"), "docs_example_2026-01.json"
    )
    expected = orjson.loads(example_file.read_bytes())["response"] or EMPTY_EXAMPLES[topic]
    shop.subscribe(topic.replace("/", "_").upper(), receiver.url)
    TRIGGERS[topic](shop)
    got = receiver.wait(1, topic=topic)[0]
    assert key_differences(expected, orjson.loads(got.body)) == []


# --- retries -----------------------------------------------------------------------------------


def test_a_failed_delivery_is_retried_under_the_same_webhook_id(
    shop: SimShop, receiver: Receiver, fast: None
) -> None:
    receiver.answer(500, 503)
    shop.subscribe("PRODUCTS_UPDATE", receiver.url)
    _products_update(shop)
    attempts = receiver.wait(3)
    assert len({a.headers["x-shopify-webhook-id"] for a in attempts}) == 1
    assert len({a.headers["x-shopify-event-id"] for a in attempts}) == 1
    assert len({a.body for a in attempts}) == 1
    assert attempts[2].at - attempts[1].at > attempts[1].at - attempts[0].at  # backing off
    entry = _settled(shop)[0]
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
    _products_update(shop)
    receiver.wait(3)
    entry = _settled(shop)[0]
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
    _products_update(shop)
    first, second = receiver.wait(2)
    assert first.headers["x-shopify-webhook-id"] == second.headers["x-shopify-webhook-id"]
    entry = _settled(shop)[0]
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
    _products_update(shop)
    entry = _settled(shop)[0]
    assert entry["status"] == "failed"
    assert entry["attempts"] == 2
    assert entry["error"].startswith("ConnectError")


def _settled(shop: SimShop, count: int = 1, timeout: float = 10) -> list[dict[str, Any]]:
    """The delivery log once ``count`` entries have reached a final state."""
    deadline = time.monotonic() + timeout
    while True:
        log = shop.deliveries()
        done = [e for e in log if e["status"] in ("delivered", "failed", "dropped")]
        if len(done) >= count or time.monotonic() > deadline:
            return done
        time.sleep(0.02)


# --- fault knobs -------------------------------------------------------------------------------


def test_dropped_deliveries_never_arrive(shop: SimShop, receiver: Receiver) -> None:
    shop.control("PUT", "/faults", {"webhook_drop_rate": 1.0})
    shop.subscribe("PRODUCTS_UPDATE", receiver.url)
    _products_update(shop)
    [entry] = _settled(shop)
    assert entry["status"] == "dropped"
    time.sleep(0.3)
    assert receiver.requests == []


def test_duplicates_share_the_event_id_but_not_the_webhook_id(
    shop: SimShop, receiver: Receiver
) -> None:
    shop.control("PUT", "/faults", {"webhook_duplicate_rate": 1.0})
    shop.subscribe("PRODUCTS_UPDATE", receiver.url)
    _products_update(shop)
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
    _products_update(shop)
    assert len(receiver.wait(1)) == 1


def test_webhook_delay_postpones_each_delivery(shop: SimShop, receiver: Receiver) -> None:
    shop.control("PUT", "/faults", {"webhook_delay": 0.5})
    shop.subscribe("PRODUCTS_UPDATE", receiver.url)
    started = time.monotonic()
    _products_update(shop)
    [got] = receiver.wait(1)
    assert got.at - started >= 0.5


# --- subscriptions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "allow_http", "problem"),
    [
        ("https://hooks.example.com/shopify", False, None),
        ("http://hooks.example.com/shopify", False, "Address protocol http:// is not supported"),
        ("http://hooks.example.com/shopify", True, "Address protocol http:// is not supported"),
        ("ftp://hooks.example.com/x", False, "Address protocol ftp:// is not supported"),
        ("http://127.0.0.1:9000/hooks", False, "Address protocol http:// is not supported"),
        ("http://127.0.0.1:9000/hooks", True, None),
        ("http://localhost:9000/hooks", True, None),
        ("http://[::1]:9000/hooks", True, None),
        ("https://localhost:3000/hook", False, "Address cannot be a Shopify or an internal domain"),
        ("https://10.0.0.8/hook", False, "Address cannot be a Shopify or an internal domain"),
        ("https://intranet/hook", False, "Address cannot be a Shopify or an internal domain"),
        (
            "https://a.myshopify.com/hook",
            False,
            "Address cannot be a Shopify or an internal domain",
        ),
        ("https://", False, "Address is invalid"),
        ("hooks.example.com/shopify", False, "Address is invalid"),
        ("", False, "Address can't be blank"),
    ],
)
def test_callback_addresses_are_checked_like_shopify(
    address: str, allow_http: bool, problem: str | None
) -> None:
    assert address_problem(address, allow_http) == problem


def test_create_refuses_http_unless_the_simulator_allows_loopback(
    simulator: RunningSimulator, shop: SimShop, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.simulator.sim_helpers import SUBSCRIBE

    def create(uri: str) -> dict[str, Any]:
        answer = shop.gql(SUBSCRIBE, {"topic": "ORDERS_CREATE", "sub": {"uri": uri}})
        created: dict[str, Any] = answer["webhookSubscriptionCreate"]
        return created

    monkeypatch.setattr(simulator.sim.dispatcher, "allow_http_callbacks", False)
    refused = create("http://127.0.0.1:9/hooks")
    assert refused == {
        "webhookSubscription": None,
        "userErrors": [
            {
                "field": ["webhookSubscription", "callbackUrl"],
                "message": "Address protocol http:// is not supported",
            }
        ],
    }
    assert create("https://hooks.example.com/orders")["userErrors"] == []
    monkeypatch.setattr(simulator.sim.dispatcher, "allow_http_callbacks", True)
    assert create("http://127.0.0.1:9/hooks")["userErrors"] == []


def test_the_same_address_cannot_subscribe_twice_to_a_topic(shop: SimShop) -> None:
    from tests.simulator.sim_helpers import SUBSCRIBE

    shop.subscribe("ORDERS_CREATE", "https://hooks.example.com/orders")
    again = shop.gql(
        SUBSCRIBE, {"topic": "ORDERS_CREATE", "sub": {"uri": "https://hooks.example.com/orders"}}
    )["webhookSubscriptionCreate"]
    assert again["userErrors"] == [
        {
            "field": ["webhookSubscription", "callbackUrl"],
            "message": "Address for this topic has already been taken",
        }
    ]
    shop.subscribe("ORDERS_UPDATED", "https://hooks.example.com/orders")


def test_subscriptions_are_listed_filtered_and_paged(shop: SimShop) -> None:
    created = [
        shop.subscribe(topic, f"https://hooks.example.com/{n}")
        for n, topic in enumerate(["ORDERS_CREATE", "PRODUCTS_UPDATE", "ORDERS_CREATE"])
    ]
    query = """
    query List($topics: [WebhookSubscriptionTopic!], $after: String) {
      webhookSubscriptions(first: 1, after: $after, topics: $topics) {
        nodes { id topic uri format includeFields filter createdAt updatedAt
                apiVersion { handle displayName supported }
                endpoint { __typename ... on WebhookHttpEndpoint { callbackUrl } } }
        pageInfo { hasNextPage endCursor }
      }
    }
    """
    first = shop.gql(query, {"topics": ["ORDERS_CREATE"]})["webhookSubscriptions"]
    assert [n["id"] for n in first["nodes"]] == [created[0]["id"]]
    assert first["pageInfo"]["hasNextPage"] is True
    node = first["nodes"][0]
    assert node["endpoint"] == {"__typename": "WebhookHttpEndpoint", "callbackUrl": node["uri"]}
    assert node["apiVersion"]["handle"] == "2026-07"
    assert (node["format"], node["includeFields"], node["filter"]) == ("JSON", [], None)
    after = first["pageInfo"]["endCursor"]
    second = shop.gql(query, {"topics": ["ORDERS_CREATE"], "after": after})
    assert [n["id"] for n in second["webhookSubscriptions"]["nodes"]] == [created[2]["id"]]
    everything = shop.gql("{ webhookSubscriptions(first: 10) { nodes { id } } }")
    assert len(everything["webhookSubscriptions"]["nodes"]) == 3


def test_deleting_a_subscription_stops_its_deliveries(shop: SimShop, receiver: Receiver) -> None:
    subscription = shop.subscribe("PRODUCTS_UPDATE", receiver.url)
    deleted = shop.gql(DELETE, {"id": subscription["id"]})["webhookSubscriptionDelete"]
    assert deleted == {"deletedWebhookSubscriptionId": subscription["id"], "userErrors": []}
    again = shop.gql(DELETE, {"id": subscription["id"]})["webhookSubscriptionDelete"]
    assert again == {
        "deletedWebhookSubscriptionId": None,
        "userErrors": [{"field": ["id"], "message": "Webhook subscription does not exist"}],
    }
    _products_update(shop)
    time.sleep(0.3)
    assert receiver.requests == []
    assert shop.deliveries() == []


def test_include_fields_and_filter_shape_and_select_bodies(
    shop: SimShop, receiver: Receiver
) -> None:
    shop.subscribe(
        "PRODUCTS_UPDATE",
        receiver.url,
        includeFields=["id", "title", "variants.sku"],
        filter="title:Wanted",
    )
    product = number(first_product(shop)["id"])
    shop.control("POST", f"/products/{product}", {"title": "Unwanted"})
    shop.control("POST", f"/products/{product}", {"title": "Wanted"})
    [got] = receiver.wait(1)
    body = orjson.loads(got.body)
    assert set(body) == {"id", "title", "variants"}
    assert body["title"] == "Wanted"
    assert all(set(v) == {"sku"} for v in body["variants"])
    assert got.headers["x-shopify-hmac-sha256"] == sign(shop.secret, got.body)
    time.sleep(0.2)
    assert len(receiver.requests) == 1


def test_uninstall_sends_app_uninstalled_then_revokes_access(
    shop: SimShop, receiver: Receiver
) -> None:
    shop.subscribe("APP_UNINSTALLED", receiver.url)
    assert shop.control("POST", "/uninstall") == {"uninstalled": True, "revoked_tokens": 1}
    [got] = receiver.wait(1, topic="app/uninstalled")
    body = orjson.loads(got.body)
    assert body["myshopify_domain"] == f"{shop.handle}.myshopify.com"
    answer = shop.client.post(shop.sim.graphql_url(), json={"query": "{ shop { id } }"})
    assert answer.status_code == 401
    assert shop.control("GET", "")["tokens"] == []


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
