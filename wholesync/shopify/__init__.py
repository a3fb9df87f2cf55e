"""Shopify Admin GraphQL client. Knows nothing of the hub."""

from wholesync.shopify.auth import Auth, ClientCredentials, StaticToken
from wholesync.shopify.client import DEFAULT_API_VERSION, ShopifyClient
from wholesync.shopify.errors import (
    AuthError,
    InvalidQueryError,
    ShopifyError,
    ThrottledError,
    UnavailableError,
    UserErrorsError,
    raise_user_errors,
)
from wholesync.shopify.throttle import Bucket, CostThrottle, LocalBucket, ThrottleStatus
from wholesync.shopify.webhooks import subscribed_topics, verify_webhook

__all__ = [
    "DEFAULT_API_VERSION",
    "Auth",
    "AuthError",
    "Bucket",
    "ClientCredentials",
    "CostThrottle",
    "InvalidQueryError",
    "LocalBucket",
    "ShopifyClient",
    "ShopifyError",
    "StaticToken",
    "ThrottleStatus",
    "ThrottledError",
    "UnavailableError",
    "UserErrorsError",
    "raise_user_errors",
    "subscribed_topics",
    "verify_webhook",
]
