"""Webhook delivery the way Shopify does it: signed JSON POSTs with Shopify's headers, a 1 s
connect and 5 s total timeout, eight retries with exponential backoff, and per-shop fault knobs
for drops, duplicates, reordering and delay.

Deliveries run on the dispatcher's own event loop, on a thread of its own: they never compete
with API requests for the server's loop, and any thread (a request handler, a merchant action,
a bulk export finishing) can publish.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import random
import threading
import uuid
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from wholesync.simulator.control import inspector, merchant_action
from wholesync.simulator.registry import PAYLOADS, Context, webhook_payload
from wholesync.simulator.store import Record, Shop, Store
from wholesync.simulator.webhooks.rules import filter_matches, include_fields, topic_enum

log = logging.getLogger(__name__)
USER_AGENT = "Shopify-Captain-Hook"
DEFAULT_API_VERSION = "2026-07"
LOG_LIMIT = 10_000

_DISPATCHERS: weakref.WeakKeyDictionary[Store, Dispatcher] = weakref.WeakKeyDictionary()


def sign(secret: str, body: bytes) -> str:
    """The ``X-Shopify-Hmac-Sha256`` header: base64 of the HMAC-SHA256 of the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def dispatcher_for(store: Store) -> Dispatcher | None:
    """The dispatcher delivering ``store``'s webhooks, if a simulator runs it."""
    return _DISPATCHERS.get(store)


@dataclass
class Delivery:
    """One POST to one subscription, retried under the same webhook id until it succeeds."""

    url: str
    body: bytes
    headers: dict[str, str]
    log: Record
    delay: float = 0.0
    hold: bool = False


class Dispatcher:
    """Delivers the webhooks that shops' subscriptions ask for."""

    # Doubling from 60 s, eight retries span about four hours, as Shopify's do.
    retry_base_seconds = 60.0
    max_retries = 8
    connect_timeout = 1.0
    total_timeout = 5.0
    # A delivery held back to arrive out of order goes anyway when nothing overtakes it.
    reorder_hold_seconds = 10.0

    def __init__(
        self,
        store: Store,
        allow_http_callbacks: bool,
        rng: random.Random,
        retry_base_seconds: float | None = None,
    ) -> None:
        self.store = store
        self.allow_http_callbacks = allow_http_callbacks
        self.rng = rng
        if retry_base_seconds is not None:
            self.retry_base_seconds = retry_base_seconds
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._held: dict[str, Delivery] = {}
        _DISPATCHERS[store] = self

    def publish(self, shop: Shop, topic: str, record: Record) -> None:
        """Send ``topic`` about ``record`` to each of ``shop``'s subscriptions for it.

        The body is built now, so it shows the state at the event. Safe from any thread.
        """
        build = PAYLOADS.get(topic)
        if build is None:
            return
        enum = topic_enum(topic)
        with shop.lock:
            subscriptions = [s for s in shop.webhook_subscriptions.values() if s["topic"] == enum]
            if not subscriptions:
                return
            try:
                payload = build(shop, record)
            except Exception:  # a broken body must not fail the request that caused the event
                log.exception("building the %s webhook body failed", topic)
                return
        faults = shop.faults
        event_id = str(uuid.uuid4())
        triggered_at = datetime.fromtimestamp(shop.clock(), UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        for subscription in subscriptions:
            if not filter_matches(subscription.get("filter"), payload):
                continue
            body = orjson.dumps(include_fields(payload, subscription.get("includeFields") or []))
            # A duplicate is the same event sent again: same event id, its own webhook id.
            copies = 2 if faults.roll(faults.webhook_duplicate_rate, self.rng) else 1
            shop.fault_counts["webhooks_duplicated"] += copies - 1
            for copy in range(copies):
                delivery = self._delivery(shop, topic, subscription, body, event_id, triggered_at)
                delivery.log["duplicate"] = copy > 0
                if faults.roll(faults.webhook_drop_rate, self.rng):
                    shop.fault_counts["webhooks_dropped"] += 1
                    delivery.log["status"] = "dropped"
                    continue
                delivery.delay = faults.webhook_delay
                delivery.hold = faults.roll(faults.webhook_reorder_rate, self.rng)
                shop.fault_counts["webhooks_held_back"] += delivery.hold
                asyncio.run_coroutine_threadsafe(
                    self._dispatch(shop.handle, delivery), self._ensure_loop()
                )

    def _delivery(
        self,
        shop: Shop,
        topic: str,
        subscription: Record,
        body: bytes,
        event_id: str,
        triggered_at: str,
    ) -> Delivery:
        webhook_id = str(uuid.uuid4())
        url = subscription["uri"]
        version = (subscription.get("apiVersion") or {}).get("handle", DEFAULT_API_VERSION)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": sign(shop.webhook_secret, body),
            "X-Shopify-Shop-Domain": shop.domain,
            "X-Shopify-API-Version": version,
            "X-Shopify-Webhook-Id": webhook_id,
            "X-Shopify-Event-Id": event_id,
            "X-Shopify-Triggered-At": triggered_at,
        }
        log: Record = {
            "topic": topic,
            "url": url,
            "subscription_id": subscription["id"],
            "webhook_id": webhook_id,
            "event_id": event_id,
            "triggered_at": triggered_at,
            "duplicate": False,
            "status": "pending",
            "attempts": 0,
            "response_status": None,
            "error": None,
        }
        with shop.lock:
            shop.webhook_deliveries.append(log)
            if len(shop.webhook_deliveries) > LOG_LIMIT:
                del shop.webhook_deliveries[:-LOG_LIMIT]
        return Delivery(url=url, body=body, headers=headers, log=log)

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="webhook-dispatcher", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    async def _dispatch(self, shop_key: str, delivery: Delivery) -> None:
        try:
            if delivery.delay:
                await asyncio.sleep(delivery.delay)
            held = self._held.pop(shop_key, None)
            if delivery.hold and held is None:
                self._held[shop_key] = delivery
                delivery.log["status"] = "held"
                await asyncio.sleep(self.reorder_hold_seconds)
                if self._held.get(shop_key) is not delivery:
                    return  # a later delivery overtook it and sent it on
                del self._held[shop_key]
            await self._send(delivery, then=held)
        except asyncio.CancelledError:
            if delivery.log["status"] not in ("delivered", "failed"):
                delivery.log["status"] = "cancelled"
            raise
        except Exception as exc:  # a bug must show in the log, not vanish in a future
            delivery.log["status"] = "failed"
            delivery.log["error"] = f"{type(exc).__name__}: {exc}"

    async def _send(self, delivery: Delivery, then: Delivery | None) -> None:
        """Post until a 2xx answer or the retries run out; ``then`` goes after the first try."""
        log = delivery.log
        for attempt in range(1, self.max_retries + 2):
            log["attempts"] = attempt
            log["status"] = "sending"
            error = await self._post(delivery)
            if then is not None:
                self._spawn(self._send(then, None))
                then = None
            log["error"] = error
            if error is None:
                log["status"] = "delivered"
                return
            if attempt > self.max_retries:
                break
            log["status"] = "retrying"
            await asyncio.sleep(self.retry_base_seconds * 2 ** (attempt - 1))
        log["status"] = "failed"

    def _spawn(self, coroutine: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post(self, delivery: Delivery) -> str | None:
        """One attempt; the error that makes Shopify retry, or ``None`` on success."""
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.total_timeout, connect=self.connect_timeout),
                follow_redirects=False,
                trust_env=False,
            )
        try:
            response = await asyncio.wait_for(
                self._client.post(delivery.url, content=delivery.body, headers=delivery.headers),
                self.total_timeout,
            )
        except (TimeoutError, httpx.TimeoutException):
            return "timeout"
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}".rstrip(": ")
        delivery.log["response_status"] = response.status_code
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"

    async def close(self) -> None:
        """Stop delivering: cancel pending deliveries and retries and close the HTTP client."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._shutdown(), loop))
        loop.call_soon_threadsafe(loop.stop)
        await asyncio.to_thread(thread.join, 5)
        if not thread.is_alive():
            loop.close()

    async def _shutdown(self) -> None:
        current = asyncio.current_task()
        pending = [task for task in asyncio.all_tasks() if task is not current]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        self._held.clear()
        if self._client is not None:
            await self._client.aclose()
            self._client = None


@inspector("webhook_deliveries")
def _deliveries(shop: Shop) -> list[Record]:
    return [dict(entry) for entry in shop.webhook_deliveries]


@merchant_action("POST", "/uninstall")
def _uninstall(context: Context, _params: dict[str, str], _body: dict[str, Any]) -> Record:
    """The merchant removes the app: Shopify sends ``app/uninstalled``, then the app's access
    tokens stop working and its webhook subscriptions are gone."""
    shop = context.shop
    dispatcher = dispatcher_for(context.store)
    if dispatcher is not None:
        dispatcher.publish(shop, "app/uninstalled", {"id": shop.gid})
    revoked = len(shop.tokens)
    shop.tokens.clear()
    shop.webhook_subscriptions.clear()
    return {"uninstalled": True, "revoked_tokens": revoked}


@webhook_payload("app/uninstalled")
def shop_payload(shop: Shop, _record: Record) -> Record:
    """The shop in the REST shape Shopify sends with ``app/uninstalled``."""
    location = min(shop.locations.items(), default=None)
    address: Record = (location[1].get("address") or {}) if location else {}
    email = f"owner@{shop.handle}.example.com"
    return {
        "id": shop.shop_id,
        "name": shop.name,
        "email": email,
        "domain": shop.domain,
        "province": address.get("province"),
        "country": address.get("countryCode") or "US",
        "address1": address.get("address1"),
        "zip": address.get("zip"),
        "city": address.get("city"),
        "source": None,
        "phone": address.get("phone"),
        "latitude": None,
        "longitude": None,
        "primary_locale": "en",
        "address2": address.get("address2"),
        "created_at": None,
        "updated_at": None,
        "country_code": address.get("countryCode") or "US",
        "country_name": address.get("country") or "United States",
        "currency": shop.currency,
        "customer_email": email,
        "timezone": "(GMT-05:00) Eastern Time (US & Canada)",
        "iana_timezone": "America/New_York",
        "shop_owner": f"{shop.name} Owner",
        "money_format": "${{amount}}",
        "money_with_currency_format": f"${{{{amount}}}} {shop.currency}",
        "weight_unit": "kg",
        "province_code": address.get("provinceCode"),
        "taxes_included": False,
        "auto_configure_tax_inclusivity": None,
        "tax_shipping": None,
        "county_taxes": True,
        "plan_display_name": shop.plan.name.title(),
        "plan_name": shop.plan.name,
        "has_discounts": False,
        "has_gift_cards": False,
        "myshopify_domain": shop.domain,
        "google_apps_domain": None,
        "google_apps_login_enabled": None,
        "money_in_emails_format": "${{amount}}",
        "money_with_currency_in_emails_format": f"${{{{amount}}}} {shop.currency}",
        "eligible_for_payments": True,
        "requires_extra_payments_agreement": False,
        "password_enabled": False,
        "has_storefront": True,
        "finances": True,
        "primary_location_id": location[0] if location else None,
        "checkout_api_supported": True,
        "multi_location_enabled": len(shop.locations) > 1,
        "setup_required": False,
        "pre_launch_enabled": False,
        "enabled_presentment_currencies": [shop.currency],
        "marketing_sms_consent_enabled_at_checkout": False,
        "transactional_sms_disabled": False,
    }
