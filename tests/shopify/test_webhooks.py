"""Webhook signatures against Shopify's own test vectors, and the subscription helpers against
the simulator."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLEnumType, GraphQLSchema

from tests.conftest import shared_path
from tests.shopify.conftest import ShopFactory
from wholesync.shopify import subscribed_topics, verify_webhook
from wholesync.shopify.webhooks import (
    sign,
    subscribe,
    subscriptions,
    topic_from_header,
    unsubscribe,
)
from wholesync.simulator.api import engine

LIBRARIES = ["shopify_api_js", "shopify_api_php", "shopify_app_gem"]


def vector(library: str) -> tuple[bytes, str, str]:
    folder = shared_path("shopify", "hmac", library)
    body_file = next(p for p in folder.iterdir() if p.name.startswith("body."))
    expected = (folder / "expected_x-shopify-hmac-sha256.txt").read_text()
    return body_file.read_bytes(), (folder / "secret.txt").read_text(), expected


@pytest.mark.shared
@pytest.mark.parametrize("library", LIBRARIES)
def test_every_vector_verifies(library: str) -> None:
    body, secret, expected = vector(library)
    assert sign(body, secret) == expected
    assert verify_webhook(body, expected, [secret])


@pytest.mark.shared
@pytest.mark.parametrize("library", LIBRARIES)
def test_a_forged_body_or_wrong_secret_is_refused(library: str) -> None:
    body, secret, expected = vector(library)
    assert not verify_webhook(body + b" ", expected, [secret])
    assert not verify_webhook(body.replace(b"o", b"0", 1), expected, [secret])
    assert not verify_webhook(body, expected, ["not-the-secret"])
    assert not verify_webhook(body, "", [secret])
    assert not verify_webhook(body, None, [secret])
    assert not verify_webhook(body, expected, [])
    assert not verify_webhook(body, "ä-not-base64", [secret])


@pytest.mark.shared
def test_a_rotated_old_secret_still_verifies() -> None:
    folder: Path = shared_path("shopify", "hmac", "shopify_app_gem")
    body = (folder / "body.txt").read_bytes()
    secret = (folder / "secret.txt").read_text()
    old = (folder / "old_secret.txt").read_text()
    signed_with_old = (folder / "expected_with_old_secret.txt").read_text()
    assert verify_webhook(body, signed_with_old, [secret, old])
    assert verify_webhook(body, signed_with_old, [old, secret])
    assert not verify_webhook(body, signed_with_old, [secret])


@pytest.mark.shared
def test_a_single_secret_string_is_one_secret() -> None:
    body, secret, expected = vector("shopify_api_js")
    assert verify_webhook(body, expected, secret)
    # Read as a sequence, "secret" would be six one-letter keys an attacker could sign with.
    assert not verify_webhook(body, sign(body, secret[0]), secret)


@pytest.mark.shared
def test_topics_exist_in_shopify_and_the_simulator(real_schema: GraphQLSchema) -> None:
    topics = subscribed_topics()
    assert "PRODUCTS_UPDATE" in topics and "BULK_OPERATIONS_FINISH" in topics
    for schema in (real_schema, engine.schema()):
        enum = schema.get_type("WebhookSubscriptionTopic")
        assert isinstance(enum, GraphQLEnumType)
        assert set(topics) <= set(enum.values)


def test_topics_per_flow() -> None:
    assert subscribed_topics(["inventory"]) == ("INVENTORY_LEVELS_UPDATE",)
    assert topic_from_header("products/update") == "PRODUCTS_UPDATE"
    assert topic_from_header("bulk_operations/finish") == "BULK_OPERATIONS_FINISH"
    with pytest.raises(ValueError, match="unknown webhook flows"):
        subscribed_topics(["nope"])


def test_subscribe_list_and_unsubscribe(make_shop: ShopFactory) -> None:
    client = make_shop(products=1).client()
    made = [
        subscribe(client, topic, f"https://hooks.example.com/{topic.lower()}")
        for topic in subscribed_topics(["products", "inventory"])
    ]
    listed = {s["id"]: s["topic"] for s in subscriptions(client)}
    assert listed == {s["id"]: s["topic"] for s in made}
    unsubscribe(client, made[0]["id"])
    assert {s["id"] for s in subscriptions(client)} == {s["id"] for s in made[1:]}
