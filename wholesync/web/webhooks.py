"""``POST /webhooks/shopify``: verify a delivery, store it in the inbox, enqueue its drain.

The order of checks matters. The body is read with a size cap first (a signature can only be
checked over all of it). The shop picks the tenant, and the tenant's secrets check the
signature before anything else about the request is trusted: an unknown shop or a bad
signature gets 401 and nothing is stored. Processing happens later, in a worker; the answer
only waits for the row to be committed.

This is the one endpoint called thousands of times a second, so it is plain ASGI served ahead
of the framework's router: it needs none of the request parsing and validation a FastAPI
route would spend most of its time on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import orjson
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from wholesync.hub.models.types import utcnow
from wholesync.runtime.inbox import Delivery
from wholesync.runtime.models import InboxStatus
from wholesync.shopify.webhooks import verify_webhook
from wholesync.web.intake import InboxWriter
from wholesync.web.problems import problem
from wholesync.web.shops import ShopDirectory

PATH = "/webhooks/shopify"
# Column widths of webhook_inbox: longer header values are refused, not truncated.
HEADER_LIMITS = {
    "x-shopify-webhook-id": 64,
    "x-shopify-topic": 64,
    "x-shopify-event-id": 64,
    "x-shopify-api-version": 16,
}
DISABLED = "TENANT_DISABLED: the tenant was disabled; enable it and run a reconcile."
_STORED = Response(orjson.dumps({"status": "stored"}), media_type="application/json")
_DUPLICATE = Response(orjson.dumps({"status": "duplicate"}), media_type="application/json")


class _TooLarge(Exception):
    pass


class _Gone(Exception):
    """The client disconnected before sending its whole body."""


class WebhookIntake:
    """ASGI middleware serving ``POST /webhooks/shopify``; other requests go on to ``app``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        shops: ShopDirectory,
        writer: InboxWriter,
        max_body_bytes: int,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.app = app
        self.shops = shops
        self.writer = writer
        self.max_body_bytes = max_body_bytes
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        if scope["method"] != "POST":
            response = problem(
                405,
                "METHOD_NOT_ALLOWED",
                "Shopify delivers webhooks with POST; other methods are not served here.",
                headers={"Allow": "POST"},
            )
        else:
            try:
                response = await self.handle(scope, receive)
            except _Gone:
                return  # nobody is left to answer
        await response(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive) -> Response:
        headers: dict[str, bytes] = {
            name.decode("latin-1"): value for name, value in scope["headers"]
        }

        def header(name: str) -> str:
            return headers.get(name, b"").decode("latin-1").strip()

        try:
            body = await self._body(header("content-length"), receive)
        except _TooLarge:
            return problem(
                413,
                "PAYLOAD_TOO_LARGE",
                f"The body is over the {self.max_body_bytes}-byte limit of this endpoint. "
                "Raise WHOLESYNC_WEBHOOK_MAX_BYTES if deliveries this large are expected.",
            )
        shop = header("x-shopify-shop-domain").lower()
        if not shop:
            return problem(
                401,
                "SHOP_MISSING",
                "The X-Shopify-Shop-Domain header is missing; Shopify sends it with every webhook.",
            )
        entry = await self.shops.lookup(shop)
        if entry is None:
            return problem(
                401,
                "UNKNOWN_SHOP",
                f"No tenant is connected to {shop}; connect it with `wholesync tenants "
                "connect` before subscribing to its webhooks.",
            )
        if not verify_webhook(body, header("x-shopify-hmac-sha256"), entry.secrets):
            return problem(
                401,
                "INVALID_SIGNATURE",
                "X-Shopify-Hmac-Sha256 is missing or does not sign this body with the shop's "
                "webhook secret; check the tenant's secret (and the rotated old one).",
            )
        bad = _bad_headers(header)
        if bad is not None:
            return bad
        delivery = Delivery(
            tenant_id=entry.tenant_id,
            webhook_id=header("x-shopify-webhook-id"),
            topic=header("x-shopify-topic").lower(),
            body=body,
            received_at=self.clock(),
            event_id=header("x-shopify-event-id") or None,
            triggered_at=_timestamp(header("x-shopify-triggered-at")),
            api_version=header("x-shopify-api-version") or None,
            status=InboxStatus.RECEIVED if entry.enabled else InboxStatus.IGNORED,
            error=None if entry.enabled else DISABLED,
        )
        try:
            new = await self.writer.store(delivery)
        except Exception:  # logged by the writer; Shopify retries on any non-2xx answer
            return problem(
                503,
                "INBOX_UNAVAILABLE",
                "The delivery could not be stored (the database is unavailable); "
                "Shopify retries it.",
                headers={"Retry-After": "5"},
            )
        return _STORED if new else _DUPLICATE

    async def _body(self, declared: str, receive: Receive) -> bytes:
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise _TooLarge
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Gone
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:  # a lying or absent Content-Length
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _bad_headers(header: Callable[[str], str]) -> Response | None:
    if not header("x-shopify-webhook-id"):
        return problem(
            400,
            "WEBHOOK_ID_MISSING",
            "X-Shopify-Webhook-Id is missing; it makes retries of one delivery recognisable. "
            "Send Shopify's header unchanged.",
        )
    if not header("x-shopify-topic"):
        return problem(
            400,
            "TOPIC_MISSING",
            "X-Shopify-Topic is missing; say what happened, e.g. products/update.",
        )
    for name, limit in HEADER_LIMITS.items():
        if len(header(name)) > limit:
            return problem(
                400,
                "INVALID_HEADER",
                f"{name} is longer than {limit} characters; send Shopify's value unchanged.",
            )
    return None


def _timestamp(raw: str) -> datetime | None:
    """X-Shopify-Triggered-At, or None when absent or unreadable (it is informative only)."""
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
