"""Fuzzing the webhook endpoint over HTTP with hypothesis: random bytes and mutated real
Shopify payloads, signed with the tenant's secret or forged. A forged delivery is 401 and
stored nowhere; a signed one is stored or refused with a code; nothing is ever a 500. The
stored deliveries are then drained: each ends processed, ignored or failed with a message,
and the drain itself never raises."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.conftest import shared_path
from tests.web.harness import Shop
from wholesync.hub.models import Tenant
from wholesync.runtime.inbox_processing import process_inbox
from wholesync.runtime.leases import LeaseManager
from wholesync.runtime.models import InboxEntry, InboxStatus
from wholesync.runtime.service import Runtime
from wholesync.sync.tenants import build_client

TOPICS = [
    "products/create",
    "products/update",
    "products/delete",
    "customers/create",
    "customers/update",
    "customers/delete",
    "inventory_levels/update",
    "orders/create",
    "orders/updated",
    "orders/cancelled",
    "bulk_operations/finish",
    "shop/update",
]
# Failing examples of real payloads are long; hypothesis warns about their size.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
TOO_LARGE = "PAYLOAD_TOO_LARGE"
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)


def _real_payloads() -> list[dict[str, Any]]:
    root = shared_path("shopify", "webhooks")
    payloads = []
    for path in sorted(Path(root).rglob("*.json")):
        loaded = json.loads(path.read_text())
        # Shopify's documented examples keep the payload under "response".
        body = loaded.get("response", loaded) if isinstance(loaded, dict) else loaded
        if isinstance(body, dict):
            payloads.append(body)
    assert payloads, f"no webhook payloads under {root}"
    return payloads


@st.composite
def mutated(draw: st.DrawFn, payloads: list[dict[str, Any]]) -> bytes:
    """A real payload with keys dropped, values replaced by random JSON, or bytes cut off."""
    payload = dict(draw(st.sampled_from(payloads)))
    for _ in range(draw(st.integers(0, 4))):
        if not payload:
            break
        key = draw(st.sampled_from(sorted(payload)))
        if draw(st.booleans()):
            del payload[key]
        else:
            payload[key] = draw(JSON)
    body = json.dumps(payload).encode()
    if draw(st.integers(0, 5)) == 0:
        body = body[: draw(st.integers(0, len(body)))]
    return body


def _stored(shop: Shop) -> int:
    return len(shop.inbox())


def test_deliveries_are_stored_or_refused_never_500(url: str, shop: Shop) -> None:
    payloads = _real_payloads()
    seen: dict[str, int] = {}

    @FUZZ
    @given(
        body=st.one_of(st.binary(max_size=512), mutated(payloads)),
        topic=st.sampled_from(TOPICS),
        forged=st.booleans(),
    )
    def deliver(body: bytes, topic: str, forged: bool) -> None:
        before = _stored(shop)
        response = shop.signed_post(
            url, body, topic=topic, secret="forged-secret" if forged else None
        )
        assert response.status_code < 500, response.text
        if forged:
            # An oversized body is refused before its signature is even checked.
            code = response.json()["code"]
            assert (response.status_code, code) in ((401, "INVALID_SIGNATURE"), (413, TOO_LARGE))
            assert _stored(shop) == before
        else:
            assert response.status_code in (200, 400, 413), response.text
            if response.status_code != 200:
                assert response.json()["code"] and _stored(shop) == before
        key = "forged" if forged else str(response.status_code)
        seen[key] = seen.get(key, 0) + 1

    deliver()
    assert seen.get("forged") and seen.get("200"), seen


def test_stored_fuzzed_deliveries_drain_to_an_outcome(
    url: str, shop: Shop, runtime: Runtime
) -> None:
    payloads = _real_payloads()

    @FUZZ
    @given(body=mutated(payloads), topic=st.sampled_from(TOPICS))
    def deliver(body: bytes, topic: str) -> None:
        assert shop.signed_post(url, body, topic=topic).status_code in (200, 413)

    deliver()
    with runtime.sessions() as session:
        tenant = session.get_one(Tenant, shop.tenant_id)
        domain = tenant.shop_domain
    report = process_inbox(
        runtime.sessions,
        shop.tenant_id,
        leases=LeaseManager(runtime.sessions),
        client_for=lambda tenant: build_client(tenant, max_retries=1),
        coalesce_seconds=0.0,
    )
    assert report.error is None, report
    with runtime.sessions() as session:
        entries = list(
            session.scalars(select(InboxEntry).where(InboxEntry.tenant_id == shop.tenant_id))
        )
    assert entries and domain
    done = {InboxStatus.PROCESSED, InboxStatus.IGNORED, InboxStatus.FAILED}
    for entry in entries:
        assert entry.status in done, (entry.topic, entry.body[:200], entry.status)
        if entry.status == InboxStatus.FAILED:
            assert entry.error, (entry.topic, entry.body[:200])
    assert report.processed + report.ignored + report.failed == len(entries)
