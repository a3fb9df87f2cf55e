"""/healthz, /readyz and /metrics of the web app, and the security headers on every answer."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import create_engine

from tests.web.api.conftest import Hub, hub
from wholesync.hub.models.types import utcnow
from wholesync.runtime.models import InboxEntry
from wholesync.runtime.queue import make_huey

__all__ = ["hub"]  # the REST API tests' fixture: two seeded tenants, the app on loopback


def test_ready_when_the_database_and_the_queue_answer(hub: Hub) -> None:
    assert httpx.get(f"{hub.url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{hub.url}/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "database": "ok", "queue": "ok"}


def test_not_ready_names_what_is_down(hub: Hub) -> None:
    runtime = hub.runtime
    engine, queue = runtime.engine, runtime.huey
    # Nothing listens on port 1: real connection failures, not stand-ins.
    runtime.engine = create_engine("postgresql+psycopg://wholesync@127.0.0.1:1/hub")
    runtime.huey = make_huey("redis://127.0.0.1:1/0")
    try:
        response = httpx.get(f"{hub.url}/readyz", timeout=30)
    finally:
        runtime.engine.dispose()
        runtime.engine, runtime.huey = engine, queue
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"].startswith("unreachable") and body["queue"].startswith("unreachable")
    # The process itself is alive, and ready again once both answer.
    assert httpx.get(f"{hub.url}/healthz").status_code == 200
    assert httpx.get(f"{hub.url}/readyz").status_code == 200


def _value(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if not line.startswith(name) or line.startswith("#"):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line))
        if line.split("{")[0].split(" ")[0] == name and found == labels:
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name}{labels} not in /metrics")


def test_metrics_report_runs_records_queue_and_webhooks(hub: Hub) -> None:
    with hub.runtime.sessions.begin() as session:
        session.add(
            InboxEntry(
                tenant_id=hub.acme.id,
                webhook_id="w-1",
                topic="products/update",
                body=b"{}",
                received_at=utcnow(),
            )
        )
    hub.runtime.request_run(hub.acme.id, "products")
    response = httpx.get(f"{hub.url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    # Each seeded tenant has one finished products run with one rejected record.
    assert (
        _value(text, "wholesync_runs_total", flow="products", status="succeeded", preview="false")
        == 2
    )
    assert _value(text, "wholesync_records_total", action="reject") == 2
    assert _value(text, "wholesync_queue_jobs", status="queued") == 1
    assert _value(text, "wholesync_webhooks_total", status="received") == 1
    assert _value(text, "wholesync_webhook_lag_seconds") >= 0
    assert "wholesync_shopify_throttle_waits_total" in text


def test_every_answer_carries_the_security_headers(hub: Hub) -> None:
    answers = [
        httpx.get(f"{hub.url}/healthz"),
        httpx.get(f"{hub.url}/api/v1/orders"),  # 401: no key
        httpx.post(f"{hub.url}/webhooks/shopify", content=b"{}"),  # refused by the intake
    ]
    with hub.client() as client:
        answers.append(client.get("/orders"))
    for response in answers:
        assert response.headers["x-content-type-options"] == "nosniff", response.url
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
    # The integration center's own, stricter policy is kept.
    page = httpx.get(f"{hub.url}/login")
    assert page.headers["referrer-policy"] == "same-origin"
    assert "script-src 'self'" in page.headers["content-security-policy"]
