"""Typed errors of the Shopify client, each carrying a code from the sync error catalogue.

The codes are plain strings equal to the catalogue's (``wholesync.sync.errors``); this package
cannot import ``sync``, so run records get the code straight from the exception.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

AUTH_FAILED = "AUTH_FAILED"
SHOPIFY_UNAVAILABLE = "SHOPIFY_UNAVAILABLE"
SHOPIFY_USER_ERROR = "SHOPIFY_USER_ERROR"
INVALID_PAYLOAD = "INVALID_PAYLOAD"


class ShopifyError(Exception):
    """Base of every error the client raises: ``code`` from the catalogue, ``fix`` for a person."""

    code: str = SHOPIFY_UNAVAILABLE

    def __init__(self, message: str, *, fix: str = "", code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.message} {self.fix}".strip()


class AuthError(ShopifyError):
    """The shop refused our credentials (HTTP 401, a refused grant, or a missing scope)."""

    code = AUTH_FAILED


class UnavailableError(ShopifyError):
    """Shopify kept failing (5xx, timeouts, resets) after every retry the policy allows.

    ``outcome_unknown`` is true when a mutation may have been applied before the failure.
    """

    code = SHOPIFY_UNAVAILABLE

    def __init__(self, message: str, *, fix: str = "", outcome_unknown: bool = False) -> None:
        super().__init__(message, fix=fix)
        self.outcome_unknown = outcome_unknown


class ThrottledError(UnavailableError):
    """Still THROTTLED after waiting as told as many times as allowed (a shared bucket kept
    empty by other apps). It is a kind of unavailability, hence its code."""


class InvalidQueryError(ShopifyError):
    """Shopify rejected the document or its variables (top-level ``errors``), or answered with
    something that is not a GraphQL response. ``shopify_codes`` holds Shopify's own codes."""

    code = INVALID_PAYLOAD

    def __init__(
        self,
        message: str,
        *,
        fix: str = "",
        errors: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        super().__init__(message, fix=fix)
        self.errors = list(errors)
        self.shopify_codes = [
            str(code) for e in self.errors if (code := (e.get("extensions") or {}).get("code"))
        ]


class UserErrorsError(ShopifyError):
    """A mutation answered with ``userErrors``; raised only through ``raise_user_errors``."""

    code = SHOPIFY_USER_ERROR

    def __init__(self, user_errors: Sequence[Mapping[str, Any]]) -> None:
        self.user_errors = [dict(e) for e in user_errors]
        described = "; ".join(_describe(e) for e in self.user_errors)
        super().__init__(
            f"Shopify refused the change: {described}.",
            fix="Correct the named fields in Shopify or in the hub and run the sync again.",
        )


def _describe(error: Mapping[str, Any]) -> str:
    field = error.get("field")
    where = ".".join(str(part) for part in field) if field else ""
    message = str(error.get("message", "unknown error"))
    return f"{where}: {message}" if where else message


def raise_user_errors(payload: Mapping[str, Any] | None, key: str = "userErrors") -> Any:
    """Return a mutation payload unchanged, or raise ``UserErrorsError`` if it has user errors."""
    if payload is None:
        raise InvalidQueryError(
            "Shopify returned no payload for the mutation.",
            fix="Check that the app has the access scopes this mutation needs.",
        )
    errors = payload.get(key) or []
    if errors:
        raise UserErrorsError(errors)
    return payload
