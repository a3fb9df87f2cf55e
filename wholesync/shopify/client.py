"""The Shopify Admin GraphQL client: named documents in, ``data`` out, typed errors otherwise.

One ``execute`` loop handles everything between us and Shopify: the access token (renewed once
on a 401), the cost throttle (wait before a call, wait again on THROTTLED), and retries with
jittered backoff on 5xx, timeouts and dropped connections.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any

import httpx
import orjson

from wholesync.shopify import operations
from wholesync.shopify.auth import Auth
from wholesync.shopify.bulk import BulkRunner, BulkSignals
from wholesync.shopify.errors import (
    AuthError,
    InvalidQueryError,
    ThrottledError,
    UnavailableError,
)
from wholesync.shopify.metrics import CALLS, COST_POINTS, THROTTLED_RESPONSES
from wholesync.shopify.operations import Operation
from wholesync.shopify.pagination import paginate
from wholesync.shopify.retry import Failure, RetryPolicy, status_failure, transport_failure
from wholesync.shopify.throttle import CostThrottle

DEFAULT_API_VERSION = "2026-07"
DEFAULT_TIMEOUT = 30.0
MAX_THROTTLED = 10  # THROTTLED answers in a row before a call gives up


class ShopifyClient:
    """Talks to one shop's Admin GraphQL API; safe to share between threads."""

    def __init__(
        self,
        shop_domain: str,
        auth: Auth,
        *,
        api_version: str = DEFAULT_API_VERSION,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        throttle: CostThrottle | None = None,
        max_retries: int = 5,
        max_throttled: int = MAX_THROTTLED,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if not shop_domain or "/" in shop_domain:
            raise InvalidQueryError(
                f"{shop_domain!r} is not a shop domain.",
                fix="Give the shop's myshopify domain, e.g. 'brand.myshopify.com', without "
                "https:// (use base_url to point elsewhere).",
            )
        self.shop_domain = shop_domain
        self.auth = auth
        self.api_version = api_version
        self.base_url = (base_url or f"https://{shop_domain}").rstrip("/")
        self.endpoint = f"{self.base_url}/admin/api/{api_version}/graphql.json"
        self.clock = clock
        self.sleep = sleep
        self.rng = rng if rng is not None else random.Random()
        self.throttle = throttle if throttle is not None else CostThrottle(clock=clock, sleep=sleep)
        self.retry = RetryPolicy(max_retries=max_retries)
        self.max_throttled = max_throttled
        self.http = httpx.Client(transport=transport, timeout=timeout)
        self.bulk_signals = BulkSignals()
        # Figures for run records and benchmarks.
        self.cost_used = 0
        self.calls = 0
        self.throttled_responses = 0
        self.retries = 0

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ShopifyClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def execute(
        self,
        operation: str | Operation,
        variables: Mapping[str, Any] | None = None,
        *,
        idempotent: bool | None = None,
        before_send: Callable[[], None] | None = None,
    ) -> dict[str, Any]:
        """Run the document ``operations/<operation>.graphql`` and return its ``data``.

        Mutations answer ``userErrors`` inside ``data``; pass the payload to
        ``errors.raise_user_errors`` to turn them into an exception. A mutation is not sent
        again after a failure that leaves its outcome unknown (a dropped connection after the
        request went out) unless ``idempotent=True`` says repeating it is harmless.
        ``before_send`` is called just before each attempt goes out (after any throttle wait),
        so a caller can record when a mutation may last have reached Shopify.
        """
        document = operations.load(operation) if isinstance(operation, str) else operation
        safe = (not document.is_mutation) if idempotent is None else idempotent
        payload = self._request(
            document.name, document.text, dict(variables or {}), safe, before_send
        )
        data = payload.get("data")
        if not isinstance(data, dict):
            raise InvalidQueryError(
                f"Shopify answered {document.name} without data.",
                fix="Check the document against the API version in use.",
            )
        return data

    def paginate(
        self,
        operation: str | Operation,
        variables: Mapping[str, Any] | None,
        connection_path: Sequence[str],
    ) -> Iterator[dict[str, Any]]:
        """Every node of the connection at ``connection_path``, page after page (250 each)."""
        return paginate(self.execute, operation, variables, connection_path)

    def bulk_query(
        self, operation: str | Operation, *, timeout: float | None = None
    ) -> Iterator[dict[str, Any]]:
        """Run ``operation`` as a bulk query, wait for it, then stream its rebuilt root objects.

        Starting and waiting happen now (errors surface here); the result file is read lazily
        as the returned iterator is consumed, one root object and its children at a time.
        """
        return BulkRunner(self).run(operation, timeout=timeout)

    def notify_finished(self, bulk_operation_id: str) -> None:
        """Wake a ``bulk_query`` waiting on this operation (from the bulk_operations/finish
        webhook), instead of letting it find out at its next poll."""
        self.bulk_signals.notify(bulk_operation_id)

    # The request loop.

    def _request(
        self,
        name: str,
        text: str,
        variables: dict[str, Any],
        safe: bool,
        before_send: Callable[[], None] | None = None,
    ) -> dict[str, Any]:
        body = orjson.dumps({"query": text, "variables": variables})
        key = CostThrottle.key(name, variables)
        failures = 0
        renewed = False
        throttled = 0
        while True:
            try:
                token = self.auth.token(self.http, self.shop_domain, self.base_url)
            except httpx.TransportError as exc:
                failures = self._back_off(failures, transport_failure(exc), name, safe=True)
                continue
            except UnavailableError as exc:
                failures = self._back_off(failures, Failure(exc.message, False), name, safe=True)
                continue
            ticket = self.throttle.acquire(key)
            try:
                if before_send is not None:
                    before_send()
                response = self.http.post(
                    self.endpoint,
                    content=body,
                    headers={"X-Shopify-Access-Token": token, "Content-Type": "application/json"},
                )
            except httpx.TransportError as exc:
                self.throttle.cancel(ticket)
                failures = self._back_off(failures, transport_failure(exc), name, safe)
                continue
            except BaseException:
                self.throttle.cancel(ticket)
                raise
            self.calls += 1
            CALLS.labels(self.shop_domain).inc()
            if response.status_code == 401:
                self.throttle.cancel(ticket)
                if not renewed and self.auth.renew(self.shop_domain):
                    renewed = True
                    continue
                raise AuthError(
                    f"{self.shop_domain} refused the access token (HTTP 401).",
                    fix="Check the tenant's credentials and that the app is still installed.",
                )
            if response.status_code != 200:
                self.throttle.cancel(ticket)
                failure = status_failure(response.status_code)
                if failure is None:
                    raise _http_error(response, self.shop_domain, self.api_version)
                failures = self._back_off(failures, failure, name, safe)
                continue
            payload = _payload(response)
            if payload is None:
                self.throttle.cancel(ticket)
                failures = self._back_off(failures, Failure("unreadable body", True), name, safe)
                continue
            cost = (payload.get("extensions") or {}).get("cost")
            actual = self.throttle.settle(ticket, cost)
            if _codes(payload) & {"THROTTLED"}:
                self.throttled_responses += 1
                THROTTLED_RESPONSES.labels(self.shop_domain).inc()
                throttled += 1
                if throttled > self.max_throttled:
                    raise ThrottledError(
                        f"{self.shop_domain} stayed THROTTLED for {name} after {throttled} waits.",
                        fix="Another app is using this shop's rate limit; try again later.",
                    )
                continue
            self.cost_used += actual
            COST_POINTS.labels(self.shop_domain).inc(actual)
            _raise_for_errors(payload, name)
            return payload

    def _back_off(self, failures: int, failure: Failure, name: str, safe: bool) -> int:
        """Sleep before the next attempt, or raise once retrying is unsafe or exhausted."""
        failures += 1
        if failure.ambiguous and not safe:
            raise UnavailableError(
                f"{name} failed with {failure.reason} after it was sent; it may have been applied.",
                fix="Check the shop for the change before sending it again.",
                outcome_unknown=True,
            )
        if failures > self.retry.max_retries:
            raise UnavailableError(
                f"{self.shop_domain} is unavailable: {name} failed {failures} times, last with "
                f"{failure.reason}.",
                fix="Shopify or the network is having trouble; the next scheduled run retries.",
            )
        self.retries += 1
        self.sleep(self.retry.delay(failures, self.rng))
        return failures


def _payload(response: httpx.Response) -> dict[str, Any] | None:
    try:
        payload = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None
    return payload if isinstance(payload, dict) else None


def _errors(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    errors = payload.get("errors")
    if isinstance(errors, str):
        return [{"message": errors}]
    if isinstance(errors, list):
        return [e if isinstance(e, dict) else {"message": str(e)} for e in errors]
    return []


def _codes(payload: Mapping[str, Any]) -> set[str]:
    return {str((e.get("extensions") or {}).get("code")) for e in _errors(payload)}


def _raise_for_errors(payload: Mapping[str, Any], name: str) -> None:
    errors = _errors(payload)
    if not errors:
        return
    codes = _codes(payload)
    first = str(errors[0].get("message", "unknown error")).strip().splitlines()[0]
    if "ACCESS_DENIED" in codes:
        raise AuthError(
            f"Access denied for {name}: {first}",
            fix="Grant the app the access scopes this data needs and reinstall it.",
        )
    fix = "The document does not fit this API version; run tests/shopify/test_operations_valid.py."
    if "MAX_COST_EXCEEDED" in codes:
        fix = "Ask for smaller pages (first:) or fewer nested fields, or use a bulk query."
    raise InvalidQueryError(f"Shopify rejected {name}: {first}", fix=fix, errors=errors)


def _http_error(response: httpx.Response, shop: str, version: str) -> Exception:
    status = response.status_code
    if status == 403:
        return AuthError(
            f"{shop} forbids this request (HTTP 403).",
            fix="Grant the app the access scopes it needs and reinstall it.",
        )
    if status == 404:
        return InvalidQueryError(
            f"{shop} has no Admin API at version {version} (HTTP 404).",
            fix="Check the shop domain and the API version.",
        )
    if status in (402, 423):
        return UnavailableError(
            f"{shop} is frozen or locked (HTTP {status}).",
            fix="The store needs attention in its Shopify admin (billing or a lock).",
        )
    return InvalidQueryError(
        f"{shop} refused the request (HTTP {status}).",
        fix="Check the document and its variables.",
    )
