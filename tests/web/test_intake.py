"""POST /webhooks/shopify over real HTTP (uvicorn on loopback), on SQLite and PostgreSQL:
what is stored, what is refused, and that each accepted delivery has a drain job waiting."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from tests.web.conftest import MAX_BODY
from tests.web.harness import Shop, open_shop
from wholesync.runtime import inbox
from wholesync.runtime.models import InboxStatus, JobStatus
from wholesync.runtime.service import Runtime
from wholesync.shopify.webhooks import sign
from wholesync.simulator.server import RunningSimulator

BODY = orjson.dumps({"id": 1000001, "admin_graphql_api_id": "gid://shopify/Product/1000001"})


def problem_of(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert isinstance(body["detail"], str) and len(body["detail"]) > 20
    return body


def test_healthz(url: str) -> None:
    response = httpx.get(f"{url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_signed_delivery_is_stored_whole_and_gets_a_drain_job(url: str, shop: Shop) -> None:
    webhook_id = str(uuid.uuid4())
    response = shop.signed_post(url, BODY, webhook_id=webhook_id, topic="products/update")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "stored"}
    [row] = shop.inbox()
    assert (row.webhook_id, row.topic, row.body, row.status) == (
        webhook_id,
        "products/update",
        BODY,
        InboxStatus.RECEIVED,
    )
    assert row.api_version == "2026-07"
    assert row.event_id is not None
    assert row.triggered_at == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    [job] = shop.jobs()
    assert (job.status, job.trigger) == (JobStatus.QUEUED, "webhook")


def test_a_duplicate_webhook_id_is_stored_once_and_enqueued_once(url: str, shop: Shop) -> None:
    webhook_id = str(uuid.uuid4())
    first = shop.signed_post(url, BODY, webhook_id=webhook_id)
    again = shop.signed_post(url, BODY, webhook_id=webhook_id)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == {"status": "duplicate"}
    assert len(shop.inbox()) == 1
    assert len(shop.jobs()) == 1


def test_a_forged_signature_gets_401_and_nothing_is_stored(url: str, shop: Shop) -> None:
    forged = shop.signed_post(url, BODY, secret="not-the-secret")
    problem_of(forged, 401, "INVALID_SIGNATURE")
    tampered = shop.signed_post(url, BODY, **{"X-Shopify-Hmac-Sha256": sign(b"other", shop.secret)})
    problem_of(tampered, 401, "INVALID_SIGNATURE")
    missing = shop.signed_post(url, BODY, **{"X-Shopify-Hmac-Sha256": ""})
    problem_of(missing, 401, "INVALID_SIGNATURE")
    assert shop.inbox() == []
    assert shop.jobs() == []


def test_an_unknown_shop_gets_401(url: str, shop: Shop) -> None:
    unknown = shop.signed_post(url, BODY, **{"X-Shopify-Shop-Domain": "stranger.myshopify.com"})
    problem_of(unknown, 401, "UNKNOWN_SHOP")
    without = shop.signed_post(url, BODY, **{"X-Shopify-Shop-Domain": ""})
    problem_of(without, 401, "SHOP_MISSING")
    assert shop.inbox() == []


def test_the_rotated_old_secret_is_still_accepted(
    url: str, simulator: RunningSimulator, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = open_shop(simulator, runtime, monkeypatch, previous_secret="whsec-old")
    assert shop.signed_post(url, BODY, secret="whsec-old").status_code == 200
    assert shop.signed_post(url, BODY).status_code == 200
    problem_of(shop.signed_post(url, BODY, secret="whsec-older"), 401, "INVALID_SIGNATURE")
    assert len(shop.inbox()) == 2


def test_a_body_over_the_limit_gets_413(url: str, shop: Shop) -> None:
    big = b'{"id": 1, "pad": "' + b"x" * MAX_BODY + b'"}'
    problem_of(shop.signed_post(url, big), 413, "PAYLOAD_TOO_LARGE")

    def chunks() -> object:
        yield big[:1000]
        yield big[1000:]

    # No Content-Length (chunked): the limit is enforced while reading.
    headers = {
        "X-Shopify-Topic": "products/update",
        "X-Shopify-Hmac-Sha256": sign(big, shop.secret),
        "X-Shopify-Shop-Domain": shop.domain,
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
    }
    chunked = httpx.post(f"{url}/webhooks/shopify", content=chunks(), headers=headers)  # type: ignore[arg-type]
    problem_of(chunked, 413, "PAYLOAD_TOO_LARGE")
    assert shop.inbox() == []


def test_missing_webhook_id_or_topic_gets_400(url: str, shop: Shop) -> None:
    no_id = shop.signed_post(url, BODY, **{"X-Shopify-Webhook-Id": ""})
    problem_of(no_id, 400, "WEBHOOK_ID_MISSING")
    no_topic = shop.signed_post(url, BODY, topic="")
    problem_of(no_topic, 400, "TOPIC_MISSING")
    too_long = shop.signed_post(url, BODY, webhook_id="x" * 65)
    problem_of(too_long, 400, "INVALID_HEADER")
    assert shop.inbox() == []


def test_a_disabled_tenants_delivery_is_kept_but_not_processed(
    url: str, shop: Shop, app: FastAPI
) -> None:
    from wholesync.hub.models import Tenant

    with shop.runtime.sessions.begin() as session:
        session.get_one(Tenant, shop.tenant_id).enabled = False
    app.state.shops.forget()
    assert shop.signed_post(url, BODY).status_code == 200
    [row] = shop.inbox()
    assert row.status == InboxStatus.IGNORED
    assert row.error is not None and row.error.startswith("TENANT_DISABLED")
    assert shop.jobs() == []


def test_concurrent_deliveries_share_commits_and_one_drain_job(
    url: str, shop: Shop, app: FastAPI
) -> None:
    count = 150

    async def burst() -> list[int]:
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:

            async def one(n: int) -> int:
                body = orjson.dumps({"id": 1000001 + n})
                headers = {
                    "X-Shopify-Topic": "products/update",
                    "X-Shopify-Hmac-Sha256": sign(body, shop.secret),
                    "X-Shopify-Shop-Domain": shop.domain,
                    "X-Shopify-Webhook-Id": f"burst-{n}",
                }
                response = await client.post(
                    f"{url}/webhooks/shopify", content=body, headers=headers
                )
                return response.status_code

            return await asyncio.gather(*(one(n) for n in range(count)))

    assert asyncio.run(burst()) == [200] * count
    assert len(shop.inbox()) == count
    assert app.state.inbox_writer.batches < count  # some requests shared a transaction
    assert len(shop.jobs()) == 1


def test_a_database_failure_answers_503_not_500(
    url: str, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> set[str]:
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(inbox, "store", broken)
    response = shop.signed_post(url, BODY)
    problem_of(response, 503, "INBOX_UNAVAILABLE")
    assert response.headers["retry-after"] == "5"


def test_other_methods_get_405(url: str) -> None:
    response = httpx.get(f"{url}/webhooks/shopify")
    problem_of(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "POST"


def test_an_unexpected_error_answers_503_not_500(
    url: str, shop: Shop, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_shop: str) -> None:
        raise RuntimeError("a bug")

    app.state.shops.forget()
    monkeypatch.setattr(app.state.shops, "load", broken)
    problem_of(shop.signed_post(url, BODY), 503, "INTERNAL_ERROR")
    assert shop.inbox() == []
