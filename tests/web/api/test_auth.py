"""API keys over HTTP: Bearer or X-API-Key, and a 401 problem saying what to do for a
missing, malformed, wrong or revoked key."""

from __future__ import annotations

import httpx
import pytest

from tests.web.api.conftest import Hub, problem
from wholesync.hub.apikeys import revoke_key
from wholesync.hub.models import ApiKey


@pytest.fixture
def database_url(tmp_path: object) -> str:
    return f"sqlite:///{tmp_path}/hub.db"


def test_a_key_as_bearer_or_header_reads_its_tenant(hub: Hub) -> None:
    for headers in (
        {"Authorization": f"Bearer {hub.acme.key}"},
        {"X-API-Key": hub.acme.key},
    ):
        response = httpx.get(f"{hub.url}/api/v1/customers", headers=headers)
        assert response.status_code == 200, response.text
        assert [c["id"] for c in response.json()["items"]] == [hub.acme.ids["customer"]]
    with hub.runtime.sessions() as session:
        row = session.query(ApiKey).filter_by(tenant_id=hub.acme.id).one()
        assert row.last_used_at is not None


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "API_KEY_MISSING"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "API_KEY_MISSING"),
        ({"Authorization": "Bearer not-a-key"}, "API_KEY_INVALID"),
        ({"X-API-Key": "wsk_000000000000_" + "0" * 64}, "API_KEY_INVALID"),
    ],
)
def test_missing_or_invalid_keys_get_401(hub: Hub, headers: dict[str, str], code: str) -> None:
    response = httpx.get(f"{hub.url}/api/v1/orders", headers=headers)
    body = problem(response, 401, code)
    assert "wholesync apikeys create" in body["detail"] or "wsk_" in body["detail"]
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_wrong_secret_with_a_real_prefix_is_invalid(hub: Hub) -> None:
    prefix, secret = hub.acme.key.split("_")[1:]
    forged = f"wsk_{prefix}_{'0' * len(secret)}"
    problem(
        httpx.get(f"{hub.url}/api/v1/orders", headers={"X-API-Key": forged}), 401, "API_KEY_INVALID"
    )


def test_a_revoked_key_gets_401_and_other_keys_still_work(hub: Hub) -> None:
    with hub.runtime.sessions.begin() as session:
        revoke_key(session, hub.acme.key.split("_")[1])
    with hub.client() as client:
        problem(client.get("/orders"), 401, "API_KEY_REVOKED")
    with hub.client(hub.other.key) as client:
        assert client.get("/orders").status_code == 200


def test_errors_outside_routes_are_problems_too(hub: Hub) -> None:
    with hub.client() as client:
        problem(client.get("/no-such-thing"), 404, "NOT_FOUND")
        not_allowed = problem(client.delete("/orders"), 405, "METHOD_NOT_ALLOWED")
        assert "GET" in not_allowed["detail"]
    # Outside the API, the integration center answers: an HTML page, not problem+json.
    outside = httpx.get(f"{hub.url}/nowhere")
    assert outside.status_code == 404 and outside.headers["content-type"].startswith("text/html")
    assert httpx.get(f"{hub.url}/healthz").json() == {"status": "ok"}
