"""Bulk queries against the simulator: start, wait (by polling or woken by the finish webhook),
stream and rebuild products with variants, inventory levels and media."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.shopify.conftest import Shop, ShopFactory, create_shop, doc
from wholesync.shopify import InvalidQueryError, ShopifyClient, UnavailableError, verify_webhook
from wholesync.shopify.bulk import BulkRunner, BulkSignals, shape_of
from wholesync.shopify.bulk_jsonl import rebuild
from wholesync.shopify.webhooks import subscribe
from wholesync.simulator.server import RunningSimulator

BULK = doc("bulk_catalog")
PAGE = doc("catalog_page")


@pytest.fixture(scope="module")
def shop(simulator: RunningSimulator) -> Iterator[Shop]:
    made = create_shop(simulator, products=40, locations=3)
    yield made
    httpx.delete(made.control_url, timeout=30)


def as_lists(value: Any) -> Any:
    """A paginated answer in the bulk shape: each ``{"nodes": [...]}`` becomes the list."""
    if isinstance(value, dict):
        if set(value) == {"nodes"}:
            return [as_lists(v) for v in value["nodes"]]
        return {k: as_lists(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_lists(v) for v in value]
    return value


def test_bulk_objects_equal_the_paginated_read(shop: Shop) -> None:
    client = shop.client()
    bulk = list(client.bulk_query(BULK))
    paged = [as_lists(node) for node in client.paginate(PAGE, {"first": 5}, ["products"])]
    assert len(bulk) == 40
    assert sorted(bulk, key=lambda p: p["id"]) == sorted(paged, key=lambda p: p["id"])
    sample = bulk[0]
    assert sample["variants"] and sample["media"]
    assert all(len(v["inventoryItem"]["inventoryLevels"]) == 3 for v in sample["variants"])
    assert all(m["image"]["url"].startswith("https://") for m in sample["media"])


def test_the_stream_holds_one_root_at_a_time(shop: Shop) -> None:
    """Fed from the simulator's file, the rebuild has read one line past a root when it
    yields it, never more."""
    client = shop.client()
    runner = BulkRunner(client)
    started = runner.start(BULK.text)
    finished = runner.wait(started["id"])
    url = finished["url"]
    raw = list(runner.lines(url))
    starts = [i for i, line in enumerate(raw) if b"__parentId" not in line]
    assert len(starts) == 40 and int(finished["objectCount"]) == len(raw)
    read = 0

    def counting(lines: Iterable[bytes]) -> Iterator[bytes]:
        nonlocal read
        for line in lines:
            read += 1
            yield line

    for index, _product in enumerate(rebuild(counting(runner.lines(url)), shape_of(BULK.text))):
        following = starts[index + 1] + 1 if index + 1 < len(starts) else len(raw)
        assert read == following


def test_an_empty_result_yields_nothing(make_shop: ShopFactory) -> None:
    empty = make_shop(products=0)
    assert list(empty.client().bulk_query(BULK)) == []


def test_a_mutation_cannot_run_as_a_bulk_query(shop: Shop) -> None:
    with pytest.raises(InvalidQueryError):
        shop.client().bulk_query("bulk_cancel")


def test_a_bulk_query_past_its_time_is_cancelled(make_shop: ShopFactory) -> None:
    slow = make_shop(products=3)
    slow.control("PUT", "/bulk_operations/settings", {"running_seconds": 30})
    client = slow.client()
    client.bulk_signals = BulkSignals(first_poll=0.05, max_poll=0.05)
    with pytest.raises(UnavailableError) as caught:
        client.bulk_query(BULK, timeout=0.2)
    assert "cancelled" in str(caught.value)
    [operation] = slow.control("GET", "/bulk_operations")
    assert operation["status"] in ("CANCELING", "CANCELED")


class FinishReceiver:
    """A webhook endpoint that checks the signature and wakes the waiting client."""

    def __init__(self, client: ShopifyClient, secret: str) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                signed = verify_webhook(body, self.headers.get("X-Shopify-Hmac-Sha256"), [secret])
                receiver.verified.append(signed)
                if signed and self.headers.get("X-Shopify-Topic") == "bulk_operations/finish":
                    client.notify_finished(json.loads(body)["admin_graphql_api_id"])
                self.send_response(200 if signed else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.verified: list[bool] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/webhooks"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_the_finish_webhook_wakes_the_wait(make_shop: ShopFactory) -> None:
    """With polls an hour apart, only the bulk_operations/finish webhook can end the wait."""
    shop = make_shop(products=5, webhook_secret="whsec-bulk")
    shop.control("PUT", "/bulk_operations/settings", {"running_seconds": 0.3})
    client = shop.client()
    woken: list[bool] = []

    def wait(event: threading.Event, seconds: float) -> bool:
        assert seconds == 3600
        woken.append(event.wait(60))
        return woken[-1]

    client.bulk_signals = BulkSignals(wait=wait, first_poll=3600, max_poll=3600)
    receiver = FinishReceiver(client, "whsec-bulk")
    try:
        subscribe(client, "BULK_OPERATIONS_FINISH", receiver.url)
        products = list(client.bulk_query(BULK))
    finally:
        receiver.close()
    assert len(products) == 5
    assert woken == [True] and receiver.verified == [True]


class DroppingServer:
    """Serves a file over loopback HTTP, cutting the first response off part-way."""

    def __init__(self, content: bytes, cut_at: int) -> None:
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                self.send_response(200)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                if server.requests == 1:
                    self.wfile.write(content[:cut_at])
                    self.wfile.flush()
                    self.connection.close()
                    return
                self.wfile.write(content)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/result.jsonl"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_dropped_download_resumes_without_repeating_lines(shop: Shop) -> None:
    client = shop.client(sleep=lambda seconds: None)
    runner = BulkRunner(client)
    finished = runner.wait(runner.start(BULK.text)["id"])
    content = httpx.get(finished["url"]).content
    server = DroppingServer(content, cut_at=len(content) // 2)
    try:
        lines = list(runner.lines(server.url))
    finally:
        server.close()
    assert server.requests == 2 and client.retries == 1
    assert lines == content.rstrip(b"\n").split(b"\n")
