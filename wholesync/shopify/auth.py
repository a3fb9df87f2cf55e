"""How the client proves who it is to a shop: a static Admin API token (legacy custom apps) or
the client-credentials grant of a Dev Dashboard app (a 24-hour token per shop, cached and
renewed before it expires and once more when Shopify answers 401)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import httpx

from wholesync.shopify.errors import AuthError, UnavailableError

TOKEN_PATH = "/admin/oauth/access_token"
RENEW_MARGIN = 300.0  # seconds before expiry at which a cached token is renewed
DEFAULT_TTL = 24 * 3600.0


class Auth(Protocol):
    """Supplies the ``X-Shopify-Access-Token`` for a shop."""

    def token(self, http: httpx.Client, shop_domain: str, base_url: str) -> str:
        """A token valid now for ``shop_domain`` (whose API lives at ``base_url``)."""
        ...

    def renew(self, shop_domain: str) -> bool:
        """Forget the shop's token after a 401; True if a fresh one can be fetched."""
        ...


class StaticToken:
    """A fixed Admin API access token; a 401 means it was revoked, so nothing to renew."""

    def __init__(self, token: str) -> None:
        if not token:
            raise AuthError(
                "The Admin API access token is empty.",
                fix="Set the environment variable named by the tenant's token setting.",
            )
        self._token = token

    def __repr__(self) -> str:
        return "StaticToken(<hidden>)"

    def token(self, http: httpx.Client, shop_domain: str, base_url: str) -> str:
        return self._token

    def renew(self, shop_domain: str) -> bool:
        return False


@dataclass
class _Cached:
    token: str
    renew_at: float


class ClientCredentials:
    """The client-credentials grant: client id and secret in, a short-lived token out.

    Tokens are cached per shop and renewed ``margin`` seconds before they expire. The app's
    client secret also signs its webhooks, hence ``webhook_secret``.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        token_url: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        margin: float = RENEW_MARGIN,
    ) -> None:
        if not client_id or not client_secret:
            raise AuthError(
                "The app's client id or client secret is empty.",
                fix="Set the environment variables named by the tenant's client id and secret "
                "settings to the values shown in the app's Dev Dashboard.",
            )
        self.client_id = client_id
        self._secret = client_secret
        self.token_url = token_url
        self._clock = clock
        self.margin = margin
        self._cache: dict[str, _Cached] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self.client_id!r}, client_secret=<hidden>)"

    @property
    def webhook_secret(self) -> str:
        return self._secret

    def token(self, http: httpx.Client, shop_domain: str, base_url: str) -> str:
        with self._lock:
            cached = self._cache.get(shop_domain)
            if cached is not None and self._clock() < cached.renew_at:
                return cached.token
            fresh = self._fetch(http, self.token_url or base_url.rstrip("/") + TOKEN_PATH)
            self._cache[shop_domain] = fresh
            return fresh.token

    def renew(self, shop_domain: str) -> bool:
        with self._lock:
            self._cache.pop(shop_domain, None)
        return True

    def _fetch(self, http: httpx.Client, url: str) -> _Cached:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._secret,
        }
        asked_at = self._clock()
        response = http.post(url, data=form, headers={"Accept": "application/json"})
        if response.status_code >= 500:
            raise UnavailableError(f"The token endpoint answered HTTP {response.status_code}.")
        body = _json(response)
        token = body.get("access_token")
        if response.status_code != 200 or not isinstance(token, str) or not token:
            reason = body.get("error_description") or body.get("error") or response.status_code
            raise AuthError(
                f"Shopify refused the client-credentials grant ({reason}).",
                fix="Check the app's client id and secret and that the app is installed on "
                "this shop.",
            )
        ttl = body.get("expires_in")
        lifetime = float(ttl) if isinstance(ttl, int | float) and ttl > 0 else DEFAULT_TTL
        # A short-lived token (tests, odd setups) is renewed halfway rather than never used.
        return _Cached(token, asked_at + lifetime - min(self.margin, lifetime / 2))


def _json(response: httpx.Response) -> dict[str, object]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
