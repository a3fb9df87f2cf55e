"""Helpers for tests that drive the simulator like an app does: a shop to talk to, and a real
HTTP server on loopback that receives the simulator's webhook deliveries."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import orjson

from tests.conftest import shared_path
from wholesync.simulator.server import RunningSimulator

PRODUCTS = "{ products(first: 5) { nodes { id variants(first: 5) { nodes { id sku } } } } }"
SUBSCRIBE = """
mutation Subscribe($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id topic uri format includeFields filter apiVersion { handle } }
    userErrors { field message }
  }
}
"""


@dataclass
class Received:
    """One POST the receiver got: headers (names lowercased), raw body, arrival time."""

    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def topic(self) -> str:
        return self.headers["x-shopify-topic"]


@dataclass
class Receiver:
    """A webhook endpoint on loopback that records requests and answers as told."""

    server: ThreadingHTTPServer
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/webhooks"

    def answer(self, *statuses: int, delays: tuple[float, ...] = ()) -> None:
        """Answer the next requests with these statuses (then 200) after these delays."""
        self.statuses[:] = list(statuses)
        self.delays[:] = list(delays)

    def wait(self, count: int, topic: str | None = None, timeout: float = 10) -> list[Received]:
        """The first ``count`` requests (of ``topic``), waiting until they have arrived."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                found = [r for r in self.requests if topic is None or r.topic == topic]
                if len(found) >= count:
                    return found[:count]
                left = deadline - time.monotonic()
                if left <= 0:
                    got = [r.topic for r in self.requests]
                    raise AssertionError(f"expected {count} deliveries of {topic}, got {got}")
                self.changed.wait(left)


def start_receiver() -> Receiver:
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with receiver.changed:
                delay = receiver.delays.pop(0) if receiver.delays else 0.0
                status = receiver.statuses.pop(0) if receiver.statuses else 200
            if delay:
                time.sleep(delay)
            headers = {k.lower(): v for k, v in self.headers.items()}
            with receiver.changed:
                receiver.requests.append(Received(headers, body, time.monotonic()))
                receiver.changed.notify_all()
            try:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the simulator gave up waiting, as it does on a timeout

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = Receiver(server)
    threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True).start()
    return receiver


@dataclass
class SimShop:
    """A fresh shop on the test simulator, with its token and webhook secret."""

    sim: RunningSimulator
    handle: str
    token: str
    secret: str
    client: httpx.Client

    def gql(
        self, query: str, variables: dict[str, Any] | None = None, version: str = "2026-07"
    ) -> dict[str, Any]:
        response = self.client.post(
            self.sim.graphql_url(version), json={"query": query, "variables": variables or {}}
        )
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        assert "errors" not in answer, answer
        data: dict[str, Any] = answer["data"]
        return data

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self.sim.url}/__sim/shops/{self.handle}{path}"
        response = httpx.request(method, url, json=body or {}, timeout=30)
        assert response.status_code < 300, response.text
        return response.json()

    def subscribe(self, topic: str, uri: str, **extra: Any) -> dict[str, Any]:
        answer = self.gql(SUBSCRIBE, {"topic": topic, "sub": {"uri": uri, **extra}})
        created = answer["webhookSubscriptionCreate"]
        assert created["userErrors"] == [], created
        subscription: dict[str, Any] = created["webhookSubscription"]
        return subscription

    def deliveries(self) -> list[dict[str, Any]]:
        return list(self.control("GET", "/webhook_deliveries"))


def open_shop(sim: RunningSimulator, **spec: Any) -> Iterator[SimShop]:
    """Create a shop for one test and delete it afterwards."""
    handle = f"t-{uuid.uuid4().hex[:10]}"
    token = f"shpat_{handle}"
    secret = f"whsec-{handle}"
    body = {"shop": handle, "token": token, "webhook_secret": secret, **spec}
    response = httpx.post(f"{sim.url}/__sim/shops", json=body, timeout=60)
    assert response.status_code == 201, response.text
    with httpx.Client(headers={"X-Shopify-Access-Token": token}, timeout=30) as client:
        yield SimShop(sim, handle, token, secret, client)
    httpx.delete(f"{sim.url}/__sim/shops/{handle}", timeout=30)


def documented_example(topic: str) -> Any:
    """The body of Shopify's documented example for a webhook topic such as ``products/update``."""
    example = shared_path("shopify", "webhooks", *topic.split("/"), "docs_example_2026-01.json")
    return orjson.loads(example.read_bytes())["response"]


def number(gid: str) -> str:
    return gid.rsplit("/", 1)[-1]


def first_product(shop: SimShop) -> dict[str, Any]:
    product: dict[str, Any] = shop.gql(PRODUCTS)["products"]["nodes"][0]
    return product


def update_first_product(shop: SimShop, title: str = "New") -> None:
    """The merchant renames a product: one products/update event."""
    shop.control("POST", f"/products/{number(first_product(shop)['id'])}", {"title": title})


def settled(shop: SimShop, count: int = 1, timeout: float = 10) -> list[dict[str, Any]]:
    """The delivery log once ``count`` entries have reached a final state."""
    deadline = time.monotonic() + timeout
    while True:
        done = [
            entry
            for entry in shop.deliveries()
            if entry["status"] in ("delivered", "failed", "dropped")
        ]
        if len(done) >= count or time.monotonic() > deadline:
            return done
        time.sleep(0.02)
