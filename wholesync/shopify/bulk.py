"""Bulk queries: start one with ``bulkOperationRunQuery``, wait until it is done (polling with
backoff, or woken by the ``bulk_operations/finish`` webhook), then stream the JSONL result
line by line and rebuild its objects (``bulk_jsonl.rebuild``).

A dropped download resumes where it stopped: the file is immutable, so the lines already read
are skipped on the next attempt and nothing is yielded twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

import httpx

from wholesync.shopify import operations
from wholesync.shopify.bulk_jsonl import BulkShape, rebuild
from wholesync.shopify.errors import (
    AuthError,
    InvalidQueryError,
    ShopifyError,
    UnavailableError,
    raise_user_errors,
)
from wholesync.shopify.operations import Operation
from wholesync.shopify.retry import Failure, status_failure, transport_failure

if TYPE_CHECKING:
    from wholesync.shopify.client import ShopifyClient

IN_PROGRESS = frozenset({"CREATED", "RUNNING", "CANCELING"})
GONE_STATUSES = frozenset({403, 404, 410})  # result URLs expire after seven days
# Where Shopify keeps bulk results (signed Google Cloud Storage URLs), and its own hosts.
RESULT_STORAGE_HOST = "storage.googleapis.com"
RESULT_HOST_SUFFIXES = (".shopify.com", ".myshopify.com", ".shopifycdn.com")
BULK_URL_REFUSED = "BULK_URL_REFUSED"

Wait = Callable[[threading.Event, float], bool]


def _event_wait(event: threading.Event, seconds: float) -> bool:
    return event.wait(seconds)


class BulkSignals:
    """Lets the finish webhook wake a waiting bulk query. ``wait(event, seconds)`` pauses
    between polls and returns early, with True, when the operation's event is set."""

    def __init__(self, wait: Wait = _event_wait, first_poll: float = 0.1, max_poll: float = 10.0):
        self.wait = wait
        self.first_poll = first_poll
        self.max_poll = max_poll
        self._events: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def event(self, operation_id: str) -> threading.Event:
        with self._lock:
            return self._events.setdefault(operation_id, threading.Event())

    def notify(self, operation_id: str) -> None:
        """Wake whoever waits on the operation; with no one waiting the next poll will see it."""
        with self._lock:
            event = self._events.get(operation_id)
        if event is not None:
            event.set()

    def forget(self, operation_id: str) -> None:
        with self._lock:
            self._events.pop(operation_id, None)


@cache
def shape_of(text: str) -> BulkShape:
    return BulkShape.from_document(text)


class BulkRunner:
    """Runs one bulk query for a client."""

    def __init__(self, client: ShopifyClient) -> None:
        self.client = client

    def run(
        self, operation: str | Operation, timeout: float | None = None
    ) -> Iterator[dict[str, Any]]:
        document = operations.load(operation) if isinstance(operation, str) else operation
        if document.is_mutation:
            raise InvalidQueryError(
                f"{document.name} is a mutation; bulk_query runs queries.",
                fix="Give the name of a bulk query document such as bulk_products.",
            )
        shape = shape_of(document.text)
        started = self.start(document.text)
        finished = self.wait(started["id"], timeout)
        url = finished.get("url")
        if not url:  # Shopify gives no file when the query matched nothing
            return iter(())
        check_result_url(str(url), self.client.shop_domain, self.client.base_url)
        return rebuild(self.lines(str(url)), shape)

    def start(self, query: str) -> dict[str, Any]:
        # Starting twice after an unclear failure only costs a spare operation.
        data = self.client.execute("bulk_run", {"query": query}, idempotent=True)
        payload = raise_user_errors(data.get("bulkOperationRunQuery"))
        operation: dict[str, Any] = payload["bulkOperation"]
        return operation

    def status(self, operation_id: str) -> dict[str, Any]:
        record = self.client.execute("bulk_status", {"id": operation_id}).get("bulkOperation")
        if not isinstance(record, dict):
            raise InvalidQueryError(
                f"Bulk operation {operation_id} does not exist on {self.client.shop_domain}.",
                fix="Start a new bulk query.",
            )
        return record

    def cancel(self, operation_id: str) -> None:
        self.client.execute("bulk_cancel", {"id": operation_id}, idempotent=True)

    def wait(self, operation_id: str, timeout: float | None = None) -> dict[str, Any]:
        """Poll until the operation is COMPLETED; raise if it failed or ``timeout`` passed."""
        signals = self.client.bulk_signals
        event = signals.event(operation_id)
        clock = self.client.clock
        deadline = None if timeout is None else clock() + timeout
        delay = signals.first_poll
        try:
            while True:
                event.clear()  # a notice arriving from here on ends the next pause early
                record = self.status(operation_id)
                if record["status"] == "COMPLETED":
                    return record
                if record["status"] not in IN_PROGRESS:
                    raise _failed(record)
                if deadline is not None and clock() >= deadline:
                    self.cancel(operation_id)
                    raise UnavailableError(
                        f"Bulk operation {operation_id} was still {record['status']} after "
                        f"{timeout:g} s; it was cancelled.",
                        fix="Run the sync again later, or allow a longer time.",
                    )
                signals.wait(event, delay)
                delay = min(signals.max_poll, delay * 2)
        finally:
            signals.forget(operation_id)

    def lines(self, url: str) -> Iterator[bytes]:
        """The result file's lines, read as they arrive; resumes after a dropped download."""
        client = self.client
        read = 0
        failures = 0
        while True:
            try:
                for line in self._read(url, skip=read):
                    read += 1
                    yield line
                return
            except _Retry as exc:
                failure = exc.failure
            except httpx.TransportError as exc:
                failure = transport_failure(exc)
            failures += 1
            if failures > client.retry.max_retries:
                raise UnavailableError(
                    f"Could not download the bulk result: {failure.reason}.",
                    fix="Run the bulk query again; its result stays available for seven days.",
                )
            client.retries += 1
            client.sleep(client.retry.delay(failures, client.rng))

    def _read(self, url: str, skip: int) -> Iterator[bytes]:
        # No access token: the result lives in storage outside the shop's API.
        with self.client.http.stream("GET", url) as response:
            _check_download(response)
            for line in _split_lines(response.iter_bytes()):
                if skip:
                    skip -= 1
                    continue
                yield line


def check_result_url(url: str, shop_domain: str, base_url: str) -> None:
    """Refuse a result URL outside Shopify's storage, the shop and the API we were pointed at
    (the simulator): a forged or tampered answer must not make us fetch an arbitrary host."""
    parsed = httpx.URL(url)
    api = httpx.URL(base_url)
    own = (parsed.scheme, parsed.host, parsed.port) == (api.scheme, api.host, api.port)
    shopify = parsed.scheme == "https" and (
        parsed.host in (RESULT_STORAGE_HOST, shop_domain)
        or parsed.host.endswith(RESULT_HOST_SUFFIXES)
    )
    if not (own or shopify):
        raise ShopifyError(
            f"Refused to download a bulk result from {parsed.scheme}://{parsed.host}: it is not "
            "Shopify's storage or the shop.",
            fix="Check the tenant's API URL; if Shopify moved its bulk storage, report it.",
            code=BULK_URL_REFUSED,
        )


class _Retry(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.reason)
        self.failure = failure


def _check_download(response: httpx.Response) -> None:
    status = response.status_code
    if status == 200:
        return
    if status in GONE_STATUSES:
        raise UnavailableError(
            f"The bulk result file is gone (HTTP {status}).",
            fix="Results expire after seven days; run the bulk query again.",
        )
    failure = status_failure(status)
    if failure is None:
        raise UnavailableError(f"The bulk result download was refused (HTTP {status}).")
    raise _Retry(failure)


def _split_lines(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Split a byte stream on newlines, keeping only the unfinished line between chunks."""
    pending = b""
    for chunk in chunks:
        if b"\n" not in chunk:
            pending += chunk
            continue
        first, *complete, rest = chunk.split(b"\n")
        yield pending + first
        yield from complete
        pending = rest
    if pending:
        yield pending


def _failed(record: dict[str, Any]) -> Exception:
    status, code = record["status"], record.get("errorCode")
    message = f"Bulk operation {record['id']} ended {status}" + (f" ({code})." if code else ".")
    if code == "ACCESS_DENIED":
        return AuthError(message, fix="Grant the app the scopes the bulk query reads.")
    return UnavailableError(message, fix="Run the sync again; Shopify's bulk export failed.")
