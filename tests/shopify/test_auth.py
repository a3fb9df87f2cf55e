"""Authentication against the simulator: a static token, and the client-credentials grant with
its per-shop cache, renewal before expiry (on a manual clock) and renewal on a 401."""

from __future__ import annotations

import random
from collections.abc import Iterator

import httpx
import pytest

from tests.shopify.conftest import Shop, Timed, create_shop
from wholesync.shopify import (
    AuthError,
    ClientCredentials,
    ShopifyClient,
    StaticToken,
)
from wholesync.simulator.clock import ManualClock

TTL = 3600


@pytest.fixture
def shop(timed: Timed) -> Iterator[Shop]:
    made = create_shop(
        timed.sim, products=1, client_id="app-id", client_secret="app-secret", token_ttl=TTL
    )
    yield made
    httpx.delete(made.control_url, timeout=30)


def tokens(shop: Shop) -> list[str]:
    listed: list[str] = shop.control("GET", "")["tokens"]
    return [t for t in listed if t != shop.token]


def statuses(client: ShopifyClient) -> list[int]:
    seen: list[int] = []
    client.http.event_hooks["response"].append(lambda response: seen.append(response.status_code))
    return seen


def cc_client(shop: Shop, auth: ClientCredentials) -> ShopifyClient:
    return ShopifyClient(shop.domain, auth, base_url=shop.sim.url, rng=random.Random(0))


def test_static_token(shop: Shop) -> None:
    assert shop.client().execute("shop")["shop"]["myshopifyDomain"] == shop.domain


def test_a_wrong_static_token_fails_without_retrying(shop: Shop) -> None:
    client = ShopifyClient(shop.domain, StaticToken("shpat_wrong"), base_url=shop.sim.url)
    seen = statuses(client)
    with pytest.raises(AuthError) as caught:
        client.execute("shop")
    assert caught.value.code == "AUTH_FAILED"
    assert seen == [401]


def test_client_credentials_fetch_once_and_cache(shop: Shop, timed: Timed) -> None:
    auth = ClientCredentials("app-id", "app-secret", clock=timed.clock)
    client = cc_client(shop, auth)
    for _ in range(3):
        assert client.execute("shop")["shop"]["myshopifyDomain"] == shop.domain
    assert len(tokens(shop)) == 1


def test_the_token_is_renewed_before_it_expires(shop: Shop, timed: Timed) -> None:
    auth = ClientCredentials("app-id", "app-secret", clock=timed.clock)
    client = cc_client(shop, auth)
    seen = statuses(client)
    client.execute("shop")
    timed.clock.advance(TTL - 400)  # outside the five-minute margin: kept
    client.execute("shop")
    assert len(tokens(shop)) == 1
    timed.clock.advance(200)  # 200 s before expiry: renewed before use
    client.execute("shop")
    assert len(tokens(shop)) == 2
    assert 401 not in seen


def test_a_401_renews_the_token_once(shop: Shop, timed: Timed) -> None:
    # The grant's own clock lags the shop's, so it still trusts a token the shop has expired.
    lagging = ManualClock(start=timed.clock())
    auth = ClientCredentials("app-id", "app-secret", clock=lagging)
    client = cc_client(shop, auth)
    seen = statuses(client)
    client.execute("shop")
    timed.clock.advance(TTL + 1)
    assert client.execute("shop")["shop"]["myshopifyDomain"] == shop.domain
    assert seen == [200, 200, 401, 200, 200]  # grant, call, refused, new grant, call
    assert len(tokens(shop)) == 2


def test_a_wrong_secret_is_auth_failed(shop: Shop, timed: Timed) -> None:
    auth = ClientCredentials("app-id", "not-the-secret", clock=timed.clock)
    with pytest.raises(AuthError) as caught:
        cc_client(shop, auth).execute("shop")
    assert caught.value.code == "AUTH_FAILED"
    assert "client id and secret" in caught.value.fix
    assert tokens(shop) == []


def test_tokens_are_cached_per_shop(shop: Shop, timed: Timed) -> None:
    """One set of app credentials serving two shop domains holds a token for each."""
    auth = ClientCredentials("app-id", "app-secret", clock=timed.clock)
    here = cc_client(shop, auth)
    # The simulator tells shops apart by client id, so the second domain is the same shop
    # under another name: enough to show the cache keeps one token per domain.
    alias = ShopifyClient("alias.myshopify.com", auth, base_url=shop.sim.url)
    for _ in range(2):
        here.execute("shop")
        alias.execute("shop")
    assert len(tokens(shop)) == 2


def test_secrets_stay_out_of_reprs_and_serve_webhooks() -> None:
    auth = ClientCredentials("app-id", "app-secret")
    assert "app-secret" not in repr(auth)
    assert auth.webhook_secret == "app-secret"
    assert "shpat_secret" not in repr(StaticToken("shpat_secret"))


@pytest.mark.parametrize("make", [lambda: StaticToken(""), lambda: ClientCredentials("", "x")])
def test_missing_credentials_are_a_clear_error(make: object) -> None:
    with pytest.raises(AuthError) as caught:
        make()  # type: ignore[operator]
    assert caught.value.code == "AUTH_FAILED" and caught.value.fix
