"""Webhook subscriptions: Shopify's callback address rules and userErrors, listing and
deleting, includeFields and filter, and the app/uninstalled flow."""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest

from tests.simulator.sim_helpers import (
    SUBSCRIBE,
    Receiver,
    SimShop,
    first_product,
    number,
    update_first_product,
)
from wholesync.simulator.server import RunningSimulator
from wholesync.simulator.webhooks.dispatcher import sign
from wholesync.simulator.webhooks.rules import address_problem

DELETE = """
mutation Delete($id: ID!) {
  webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { field message } }
}
"""


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
    update_first_product(shop)
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
