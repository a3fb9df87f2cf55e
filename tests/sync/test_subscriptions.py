"""Webhook subscriptions against the simulator over HTTP: connect subscribes every topic once,
repair brings back what went missing and moves what points elsewhere, and bad addresses are
refused with a code, by us or by Shopify."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from wholesync.hub.db import init_db, session_factory
from wholesync.shopify import ShopifyClient, subscribed_topics
from wholesync.shopify.webhooks import subscribe, subscriptions, unsubscribe
from wholesync.simulator.server import RunningSimulator
from wholesync.sync.subscriptions import (
    SubscriptionReport,
    check_callback_url,
    connect,
    repair_subscriptions,
)
from wholesync.sync.tenants import TenantError, add_tenant, build_client, get_tenant

# Loopback http, accepted by the simulator; nothing listens there, nothing is delivered.
URL = "http://127.0.0.1:9/webhooks/shopify"
_shops = itertools.count(1)


@dataclass
class Store:
    sessions: sessionmaker[Session]
    client: ShopifyClient

    def connect(self, url: str = URL) -> SubscriptionReport:
        with self.sessions.begin() as session:
            return connect(session, get_tenant(session, "brand"), self.client, url)

    def stored_url(self) -> str | None:
        with self.sessions() as session:
            return get_tenant(session, "brand").callback_url

    def listing(self) -> list[tuple[str, str]]:
        return sorted((s["topic"], s["uri"]) for s in subscriptions(self.client))


@pytest.fixture
def store(simulator: RunningSimulator, tmp_path: Path) -> Iterator[Store]:
    shop = f"hooks{next(_shops)}"
    spec = {"shop": shop, "token": f"shpat_{shop}", "products": 1}
    created = httpx.post(f"{simulator.url}/__sim/shops", json=spec, timeout=60)
    assert created.status_code == 201, created.text
    engine = init_db(f"sqlite:///{tmp_path / 'hub.db'}")
    sessions = session_factory(engine)
    with sessions.begin() as session:
        tenant = add_tenant(
            session,
            "brand",
            shop=shop,
            token_env="TOKEN",
            secret_env="SECRET",
            api_url=simulator.url,
        )
        client = build_client(tenant, environ={"TOKEN": f"shpat_{shop}"})
    with client:
        yield Store(sessions, client)
    engine.dispose()
    httpx.delete(f"{simulator.url}/__sim/shops/{shop}", timeout=30)


def test_connect_subscribes_every_topic_and_stores_the_url(store: Store) -> None:
    report = store.connect()
    topics = subscribed_topics()
    assert {"APP_UNINSTALLED", "INVENTORY_LEVELS_UPDATE", "BULK_OPERATIONS_FINISH"} <= set(topics)
    assert (report.created, report.kept, report.removed) == (list(topics), [], [])
    assert store.listing() == sorted((topic, URL) for topic in topics)
    assert store.stored_url() == URL
    assert [status for _, status, _ in report.rows()] == ["created"] * len(topics)


def test_connecting_again_changes_nothing(store: Store) -> None:
    store.connect()
    before = store.listing()
    again = store.connect()
    assert (again.created, again.kept, again.removed) == ([], list(subscribed_topics()), [])
    assert store.listing() == before


def test_repair_recreates_a_deleted_subscription(store: Store) -> None:
    store.connect()
    lost = next(s for s in subscriptions(store.client) if s["topic"] == "PRODUCTS_UPDATE")
    unsubscribe(store.client, lost["id"])
    report = repair_subscriptions(store.client, URL)
    assert report.created == ["PRODUCTS_UPDATE"] and report.removed == []
    assert len(report.kept) == len(subscribed_topics()) - 1
    assert store.listing() == sorted((topic, URL) for topic in subscribed_topics())
    assert repair_subscriptions(store.client, URL).created == []


def test_a_subscription_to_another_address_is_replaced(store: Store) -> None:
    old = subscribe(store.client, "ORDERS_CREATE", "https://old.example.com/hooks")
    report = store.connect()
    assert report.removed == [
        {"topic": "ORDERS_CREATE", "uri": "https://old.example.com/hooks", "id": old["id"]}
    ]
    replaced = ("ORDERS_CREATE", "replaced (was https://old.example.com/hooks)", URL)
    assert replaced in report.rows()
    assert store.listing() == sorted((topic, URL) for topic in subscribed_topics())


def test_an_address_shopify_refuses_is_a_clear_error_and_nothing_is_stored(store: Store) -> None:
    with pytest.raises(TenantError) as caught:
        store.connect("https://acme.myshopify.com/hooks")
    assert caught.value.code == "INVALID_CALLBACK_URL"
    assert "Shopify refused" in caught.value.message and "https://" in caught.value.message
    assert store.stored_url() is None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://sync.example.com/hooks",
        "http://sync.example.com/webhooks/shopify",  # Shopify delivers over https only
        "https://",
        "not a url",
        "https://user:pw@sync.example.com/hooks",
        "https://sync.example.com:99999/hooks",
    ],
)
def test_addresses_that_cannot_work_are_refused_before_shopify(url: str) -> None:
    with pytest.raises(TenantError) as caught:
        check_callback_url(url)
    assert caught.value.code == "INVALID_CALLBACK_URL"
    assert "https://sync.example.com/webhooks/shopify" in caught.value.message


def test_an_origin_gets_the_webhook_path() -> None:
    assert check_callback_url(" https://sync.example.com ") == (
        "https://sync.example.com/webhooks/shopify"
    )
    assert check_callback_url("https://sync.example.com/") == (
        "https://sync.example.com/webhooks/shopify"
    )
    assert check_callback_url("https://sync.example.com/in/shopify?t=1") == (
        "https://sync.example.com/in/shopify?t=1"
    )
    assert check_callback_url("http://localhost:8000") == "http://localhost:8000/webhooks/shopify"
    assert check_callback_url("http://[::1]:8000/h") == "http://[::1]:8000/h"
