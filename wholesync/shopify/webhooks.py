"""Webhooks from Shopify: signature checks, the topics Wholesync subscribes to, and managing
subscriptions through the Admin API."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from wholesync.shopify.errors import raise_user_errors

if TYPE_CHECKING:
    from wholesync.shopify.client import ShopifyClient

# Topics per flow, as Shopify's WebhookSubscriptionTopic values.
TOPICS: dict[str, tuple[str, ...]] = {
    "products": ("PRODUCTS_CREATE", "PRODUCTS_UPDATE", "PRODUCTS_DELETE"),
    "customers": ("CUSTOMERS_CREATE", "CUSTOMERS_UPDATE", "CUSTOMERS_DELETE"),
    "inventory": ("INVENTORY_LEVELS_UPDATE",),
    "orders": ("ORDERS_CREATE", "ORDERS_UPDATED", "ORDERS_CANCELLED"),
    "bulk": ("BULK_OPERATIONS_FINISH",),
    "app": ("APP_UNINSTALLED",),
}


def subscribed_topics(flows: Iterable[str] | None = None) -> tuple[str, ...]:
    """The topics to subscribe to for ``flows`` (all of them by default), in a stable order."""
    chosen = list(TOPICS) if flows is None else list(flows)
    unknown = [flow for flow in chosen if flow not in TOPICS]
    if unknown:
        raise ValueError(f"unknown webhook flows {unknown}; choose from {', '.join(TOPICS)}")
    return tuple(topic for flow in chosen for topic in TOPICS[flow])


def topic_from_header(header: str) -> str:
    """``products/update`` (the X-Shopify-Topic header) as ``PRODUCTS_UPDATE``."""
    return header.strip().replace("/", "_").upper()


def sign(body: bytes, secret: str) -> str:
    """The ``X-Shopify-Hmac-Sha256`` value for ``body``: base64 of its HMAC-SHA256."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_webhook(body: bytes, hmac_header: str | None, secrets: str | Sequence[str]) -> bool:
    """True if ``hmac_header`` signs the raw ``body`` with any of ``secrets``.

    Several secrets let a rotated old secret keep working until Shopify stops using it.
    Comparison is constant-time, and every secret is tried so timing tells nothing.
    """
    if isinstance(secrets, str):  # one secret, not a sequence of one-letter secrets
        secrets = [secrets]
    if not hmac_header:
        return False
    given = hmac_header.strip().encode("utf-8")
    matched = False
    for secret in secrets:
        if secret and hmac.compare_digest(sign(body, secret).encode("ascii"), given):
            matched = True
    return matched


def subscribe(
    client: ShopifyClient, topic: str, uri: str, *, include_fields: Sequence[str] = ()
) -> dict[str, Any]:
    """Create a subscription of ``topic`` delivering to ``uri``; return it."""
    subscription: dict[str, Any] = {"uri": uri, "format": "JSON"}
    if include_fields:
        subscription["includeFields"] = list(include_fields)
    data = client.execute(
        "webhook_subscription_create", {"topic": topic, "subscription": subscription}
    )
    payload = raise_user_errors(data.get("webhookSubscriptionCreate"))
    created: dict[str, Any] = payload["webhookSubscription"]
    return created


def subscriptions(client: ShopifyClient) -> Iterator[dict[str, Any]]:
    """Every webhook subscription of this app on the shop."""
    return client.paginate("webhook_subscription_list", {}, ["webhookSubscriptions"])


def unsubscribe(client: ShopifyClient, subscription_id: str) -> None:
    data = client.execute("webhook_subscription_delete", {"id": subscription_id}, idempotent=True)
    raise_user_errors(data.get("webhookSubscriptionDelete"))
