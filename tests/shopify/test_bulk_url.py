"""A bulk result is downloaded only from Shopify's storage, the shop, or the API the tenant
points at (the simulator); any other host in a result URL is refused before a request."""

from __future__ import annotations

import pytest

from wholesync.shopify.bulk import BULK_URL_REFUSED, check_result_url
from wholesync.shopify.errors import ShopifyError

SHOP = "acme.myshopify.com"
SIMULATOR = "http://127.0.0.1:8765"


@pytest.mark.parametrize(
    "url",
    [
        "https://storage.googleapis.com/shopify-tiers-assets-prod-us-east1/bulk/123.jsonl?X-Goog-Signature=abc",
        "https://acme.myshopify.com/bulk/1.jsonl",
        "https://cdn.shopify.com/bulk/1.jsonl",
        "http://127.0.0.1:8765/__sim/bulk/1.jsonl",
    ],
)
def test_shopify_storage_the_shop_and_the_configured_api_are_fetched(url: str) -> None:
    check_result_url(url, SHOP, SIMULATOR)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",  # a cloud metadata service
        "https://evil.example/bulk.jsonl",
        "https://storage.googleapis.com.evil.example/x.jsonl",
        "http://storage.googleapis.com/x.jsonl",  # storage only over TLS
        "http://127.0.0.1:6379/",  # the simulator's host, another port (Redis)
        "https://myshopify.com.evil.example/x",
        "file:///etc/passwd",
    ],
)
def test_any_other_host_is_refused_with_a_code(url: str) -> None:
    with pytest.raises(ShopifyError) as refused:
        check_result_url(url, SHOP, SIMULATOR)
    assert refused.value.code == BULK_URL_REFUSED
    assert "Refused to download" in str(refused.value)
