"""A tenant's webhook subscriptions: connect the store to our webhook endpoint, and repair the
subscriptions later (each scheduled reconcile does) so that a lost one does not stay lost.

Every topic of ``wholesync.shopify.webhooks.subscribed_topics()`` is delivered, as JSON, to the
tenant's one callback URL. A subscription of ours to another address for one of those topics
(an old deployment's URL) is replaced: the new one is created first, then the old one removed,
so no delivery falls between the two.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.orm import Session

from wholesync.hub.models import Tenant
from wholesync.shopify import ShopifyClient, UserErrorsError, subscribed_topics
from wholesync.shopify.webhooks import subscribe, subscriptions, unsubscribe
from wholesync.sync.tenants import TenantError

# Where wholesync.web serves webhooks; a bare origin given on connect gets this path.
WEBHOOK_PATH = "/webhooks/shopify"


@dataclass
class SubscriptionReport:
    """What connecting or repairing did, topic by topic."""

    callback_url: str
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    # Subscriptions of ours to another address, replaced: {"topic", "uri", "id"}.
    removed: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def rows(self) -> list[tuple[str, str, str]]:
        """(topic, what happened, where it delivers) for every topic, in topic order."""
        replaced = {entry["topic"]: entry["uri"] for entry in self.removed}
        rows = []
        for topic in subscribed_topics():
            if topic in replaced:
                status = f"replaced (was {replaced[topic]})"
            elif topic in self.created:
                status = "created"
            else:
                status = "kept"
            rows.append((topic, status, self.callback_url))
        return rows


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def check_callback_url(url: str) -> str:
    """``url`` checked and completed: https (http only on loopback, which the simulator
    accepts), with the webhook path when only an origin is given."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
        _ = parts.port  # raises for a malformed port
    except ValueError:
        host, parts = "", urlsplit("")
    secure = parts.scheme == "https" or (parts.scheme == "http" and _loopback(host))
    if not host or not secure or parts.username or parts.password or parts.fragment:
        raise TenantError(
            "INVALID_CALLBACK_URL",
            f"{url!r} cannot receive webhooks: Shopify delivers only to https:// addresses "
            f"(http:// only on loopback, for the simulator), e.g. https://sync.example.com"
            f"{WEBHOOK_PATH}.",
        )
    path = parts.path if parts.path not in ("", "/") else WEBHOOK_PATH
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def repair_subscriptions(client: ShopifyClient, callback_url: str) -> SubscriptionReport:
    """Subscribe every topic to ``callback_url`` where it is missing, replacing subscriptions
    of ours to another address; what is already right is kept. Safe to repeat."""
    report = SubscriptionReport(callback_url)
    wanted = subscribed_topics()
    existing: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for subscription in subscriptions(client):
        existing[subscription["topic"]].append(subscription)
    for topic in wanted:
        mine = existing[topic]
        if any(s["uri"] == callback_url for s in mine):
            report.kept.append(topic)
        else:
            _create(client, topic, callback_url)
            report.created.append(topic)
        for stale in (s for s in mine if s["uri"] != callback_url):
            unsubscribe(client, stale["id"])
            report.removed.append({"topic": topic, "uri": stale["uri"], "id": stale["id"]})
    return report


def _create(client: ShopifyClient, topic: str, url: str) -> None:
    try:
        subscribe(client, topic, url)
    except UserErrorsError as exc:
        about_address = any(
            part in ("callbackUrl", "uri") for e in exc.user_errors for part in e.get("field") or []
        )
        code = "INVALID_CALLBACK_URL" if about_address else "SUBSCRIPTION_REFUSED"
        raise TenantError(
            code,
            f"Shopify refused to deliver {topic} to {url}: "
            + "; ".join(str(e.get("message")) for e in exc.user_errors)
            + ". "
            + (
                "Give a public https:// address that reaches `wholesync serve`."
                if about_address
                else "Check the app's access scopes for this topic."
            ),
        ) from exc


def connect(
    session: Session, tenant: Tenant, client: ShopifyClient, callback_url: str
) -> SubscriptionReport:
    """Subscribe every topic to ``callback_url`` (checked first) and store it on the tenant,
    where each scheduled reconcile finds it to repair the subscriptions."""
    url = check_callback_url(callback_url)
    report = repair_subscriptions(client, url)
    tenant.callback_url = url
    session.flush()
    return report
