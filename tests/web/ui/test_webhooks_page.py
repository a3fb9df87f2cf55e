"""The webhook inbox pages over HTTP: deliveries received through the signed intake endpoint
and processed or failed by the inbox, counted per status, filtered, paged, and shown one by
one with their payload, never with a secret or a signature."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import orjson
import pytest

from tests.web.ui.conftest import OPERATOR, UiHub
from wholesync.runtime import inbox
from wholesync.runtime.inbox import Delivery
from wholesync.runtime.models import InboxStatus
from wholesync.shopify.webhooks import sign
from wholesync.web.ui.listing import PER_PAGE

SECRET = "whsec-acme-do-not-show"
RECEIVED = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
FINISHED = datetime(2026, 11, 23, 10, 5, 30, tzinfo=UTC)
PAYLOAD = {"id": 1001, "title": "<b>Bold</b> Parka", "variants": [{"sku": "PK-1"}]}


def entry_ids(html: str) -> list[int]:
    results = html.split('id="results"', 1)[1]
    return [int(found) for found in re.findall(r'href="/webhooks/(\d+)"', results)]


def direct(ui: UiHub, tenant_id: int, topic: str, outcome: InboxStatus, error: str | None) -> int:
    """Store a delivery as the intake does, then claim and finish it as the worker does."""
    delivery = Delivery(
        tenant_id,
        f"wh-{uuid.uuid4()}",
        topic,
        orjson.dumps({**PAYLOAD, "topic": topic}),
        RECEIVED,
    )
    with ui.runtime.sessions.begin() as session:
        inbox.store(session, [delivery])
    with ui.runtime.sessions.begin() as session:
        [claimed] = inbox.claim(session, tenant_id, now=RECEIVED, limit=1)
        inbox.finish(session, [claimed.id], outcome, now=FINISHED, error=error)
        return claimed.id


@dataclass(frozen=True)
class Deliveries:
    """The ids of the deliveries made for a test (and the webhook id of the received one)."""

    received: int
    webhook_id: str
    processed: int
    failed: int
    theirs: int


@pytest.fixture
def deliveries(ui: UiHub, monkeypatch: pytest.MonkeyPatch) -> Deliveries:
    """Beside each tenant's seeded processed delivery: for acme, one received through the
    intake endpoint, one processed and one failed; for the other tenant, a failed one."""
    processed = direct(ui, ui.acme.id, "customers/update", InboxStatus.PROCESSED, None)
    failed = direct(
        ui,
        ui.acme.id,
        "inventory_levels/update",
        InboxStatus.FAILED,
        "WAREHOUSE_UNMAPPED: location Depot maps to no warehouse; add it to the warehouse map.",
    )
    theirs = direct(ui, ui.other.id, "orders/create", InboxStatus.FAILED, "Otherbrand failure")
    # After the others: claiming takes a tenant's oldest received delivery.
    monkeypatch.setenv("S", SECRET)  # the seeded tenants' webhook secret variable
    body = orjson.dumps(PAYLOAD)
    webhook_id = f"wh-{uuid.uuid4()}"
    sent = httpx.post(
        f"{ui.url}/webhooks/shopify",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Shopify-Topic": "products/update",
            "X-Shopify-Hmac-Sha256": sign(body, SECRET),
            "X-Shopify-Shop-Domain": "acme.myshopify.com",
            "X-Shopify-API-Version": "2026-07",
            "X-Shopify-Webhook-Id": webhook_id,
            "X-Shopify-Event-Id": "ev-1",
            "X-Shopify-Triggered-At": "2026-11-23T09:59:58Z",
        },
        timeout=30,
    )
    assert sent.json() == {"status": "stored"}, sent.text
    with ui.runtime.sessions() as session:
        [received] = session.scalars(inbox.entries(ui.acme.id, status=InboxStatus.RECEIVED))
    return Deliveries(received.id, webhook_id, processed, failed, theirs)


def test_inbox_counts_filters_and_lists_the_tenants_deliveries(
    ui: UiHub, deliveries: Deliveries
) -> None:
    client = ui.client(OPERATOR)
    page = client.get("/webhooks")
    assert page.status_code == 200
    html = page.text
    counts = dict(
        re.findall(r"(All|Received|Processing|Processed|Ignored|Failed) <strong>(\d+)", html)
    )
    assert counts == {
        "All": "4",
        "Received": "1",
        "Processing": "0",
        "Processed": "2",
        "Ignored": "0",
        "Failed": "1",
    }
    seeded = ui.acme.ids["webhook"]
    # Newest first; the other tenant's delivery is not there.
    assert entry_ids(html) == [
        deliveries.received,
        deliveries.failed,
        deliveries.processed,
        seeded,
    ]
    assert "Otherbrand" not in html and "orders/create" not in html
    assert "WAREHOUSE_UNMAPPED" in html

    def found(**params: str) -> list[int]:
        response = client.get("/webhooks", params=params)
        assert response.status_code == 200, response.text[:500]
        return entry_ids(response.text)

    assert found(status="failed") == [deliveries.failed]
    assert found(status="received") == [deliveries.received]
    assert found(status="processed") == [deliveries.processed, seeded]
    assert found(topic="products/update") == [deliveries.received, seeded]
    assert found(status="processed", topic="products/update") == [seeded]
    assert found(status="ignored") == []
    for params in ({"status": "lost"}, {"topic": "orders/create"}):
        bad = client.get("/webhooks", params=params)
        assert bad.status_code == 422 and "INVALID_FILTER" in bad.text


def test_a_delivery_page_shows_its_record_and_payload_escaped_without_secrets(
    ui: UiHub, deliveries: Deliveries
) -> None:
    client = ui.client(OPERATOR)
    failed = client.get(f"/webhooks/{deliveries.failed}").text
    assert "<h1>inventory_levels/update</h1>" in failed
    assert "WAREHOUSE_UNMAPPED: location Depot maps to no warehouse" in failed
    assert "Received</dt><dd>2026-11-23 10:00:00 UTC" in failed
    assert "Processed</dt><dd>2026-11-23 10:05:30 UTC" in failed
    assert "Attempts</dt><dd>1</dd>" in failed
    # Pretty-printed, and the HTML in it escaped.
    assert "  &#34;title&#34;: &#34;&lt;b&gt;Bold&lt;/b&gt; Parka&#34;,\n" in failed
    assert "<b>Bold</b>" not in failed

    received = client.get(f"/webhooks/{deliveries.received}").text
    assert deliveries.webhook_id in received
    assert "ev-1" in received and "2026-07" in received
    assert "Triggered in Shopify</dt><dd>2026-11-23 09:59:58 UTC" in received
    assert "Processed</dt><dd>—</dd>" in received
    body = orjson.dumps(PAYLOAD)
    for secret in (SECRET, sign(body, SECRET)):
        assert secret not in received and secret not in client.get("/webhooks").text

    for missing in (deliveries.theirs, 999999):
        response = client.get(f"/webhooks/{missing}")
        assert response.status_code == 404 and "NOT_FOUND" in response.text
        assert "Otherbrand" not in response.text


def test_the_inbox_pages_newest_first(ui: UiHub) -> None:
    made = [
        Delivery(ui.acme.id, f"bulk-{n}", "products/update", b"not json <i>", RECEIVED)
        for n in range(PER_PAGE + 3)
    ]
    with ui.runtime.sessions.begin() as session:
        inbox.store(session, made)
    client = ui.client()
    first = client.get("/webhooks", params={"status": "received"}).text
    second = client.get("/webhooks", params={"status": "received", "page": "2"}).text
    assert f"1\N{EN DASH}{PER_PAGE} of {PER_PAGE + 3} deliveries" in first
    assert 'href="?status=received&amp;page=2"' in first
    ids = entry_ids(first) + entry_ids(second)
    assert len(ids) == PER_PAGE + 3 and ids == sorted(ids, reverse=True)
    # A body that is not JSON is shown as received, escaped.
    raw = client.get(f"/webhooks/{ids[0]}").text
    assert "not json &lt;i&gt;" in raw and "<i>" not in raw
