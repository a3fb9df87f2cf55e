"""Who may call the simulator: legacy tokens, client-credentials tokens, and refusals."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from wholesync.simulator.clock import ManualClock
from wholesync.simulator.server import RunningSimulator, start_in_thread

INVALID = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
SHOP_QUERY = {"query": "{ shop { myshopifyDomain } }"}


Timed = tuple[RunningSimulator, ManualClock, dict[str, str]]


@pytest.fixture(scope="module")
def timed() -> Iterator[Timed]:
    clock = ManualClock()
    running = start_in_thread(clock=clock)
    spec = {
        "shop": "auth",
        "token": "shpat_legacy",
        "client_id": "app-id",
        "client_secret": "app-secret",
        "token_ttl": 86400,
    }
    created = httpx.post(f"{running.url}/__sim/shops", json=spec)
    assert created.status_code == 201
    yield running, clock, created.json()
    running.stop()


def _grant(url: str, client_id: str = "app-id", secret: str = "app-secret") -> httpx.Response:
    return httpx.post(
        f"{url}/admin/oauth/access_token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )


def _ask(running: RunningSimulator, token: str | None) -> httpx.Response:
    headers = {"X-Shopify-Access-Token": token} if token is not None else {}
    return httpx.post(running.graphql_url(), json=SHOP_QUERY, headers=headers)


@pytest.mark.parametrize("token", [None, "", "shpat_wrong"])
def test_missing_or_wrong_token_is_401_with_shopify_body(timed: Timed, token: str | None) -> None:
    running, _, _ = timed
    answer = _ask(running, token)
    assert answer.status_code == 401
    assert answer.json() == INVALID


def test_token_selects_its_shop(timed: Timed) -> None:
    running, _, _ = timed
    answer = _ask(running, "shpat_legacy")
    assert answer.status_code == 200
    assert answer.json()["data"]["shop"]["myshopifyDomain"] == "auth.myshopify.com"


def test_client_credentials_token_lasts_its_lifetime(timed: Timed) -> None:
    running, clock, _ = timed
    grant = _grant(running.url)
    assert grant.status_code == 200
    body = grant.json()
    assert set(body) == {"access_token", "scope", "expires_in"}
    assert body["expires_in"] == 86400
    assert "read_products" in body["scope"].split(",")
    token = body["access_token"]
    assert _ask(running, token).status_code == 200
    clock.advance(86399)
    assert _ask(running, token).status_code == 200
    clock.advance(2)
    assert _ask(running, token).status_code == 401
    assert _ask(running, "shpat_legacy").status_code == 200, "legacy tokens never expire"


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        (
            {"grant_type": "client_credentials", "client_id": "app-id", "client_secret": "nope"},
            401,
            "invalid_client",
        ),
        (
            {
                "grant_type": "client_credentials",
                "client_id": "other",
                "client_secret": "app-secret",
            },
            401,
            "invalid_client",
        ),
        (
            {
                "grant_type": "authorization_code",
                "client_id": "app-id",
                "client_secret": "app-secret",
            },
            400,
            "unsupported_grant_type",
        ),
    ],
)
def test_bad_grants_are_refused(
    timed: Timed, form: dict[str, str], status: int, error: str
) -> None:
    running, _, _ = timed
    answer = httpx.post(f"{running.url}/admin/oauth/access_token", data=form)
    assert answer.status_code == status
    assert answer.json()["error"] == error


def test_unknown_api_version_is_404(timed: Timed) -> None:
    running, _, _ = timed
    answer = httpx.post(
        f"{running.url}/admin/api/2026-13/graphql.json",
        json=SHOP_QUERY,
        headers={"X-Shopify-Access-Token": "shpat_legacy"},
    )
    assert answer.status_code == 404
