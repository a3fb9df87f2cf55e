"""Typed errors from real simulator answers: user errors only when asked, invalid documents,
unknown documents and bad settings, each with a catalogue code and a fix."""

from __future__ import annotations

import pytest

from tests.shopify.conftest import Shop, ShopFactory
from wholesync.shopify import (
    InvalidQueryError,
    ShopifyClient,
    StaticToken,
    UserErrorsError,
    raise_user_errors,
)
from wholesync.shopify.operations import Operation, load


@pytest.fixture
def shop(make_shop: ShopFactory) -> Shop:
    return make_shop(products=2)


def test_user_errors_come_back_as_data_until_asked(shop: Shop) -> None:
    client = shop.client()
    variables = {"topic": "PRODUCTS_UPDATE", "subscription": {"uri": "ftp://nowhere"}}
    data = client.execute("webhook_subscription_create", variables)
    payload = data["webhookSubscriptionCreate"]
    assert payload["userErrors"]
    with pytest.raises(UserErrorsError) as caught:
        raise_user_errors(payload)
    assert caught.value.code == "SHOPIFY_USER_ERROR"
    assert caught.value.user_errors == payload["userErrors"]
    assert payload["userErrors"][0]["message"] in str(caught.value)


def test_a_clean_payload_passes_through(shop: Shop) -> None:
    variables = {"topic": "PRODUCTS_UPDATE", "subscription": {"uri": "https://e.com/h"}}
    data = shop.client().execute("webhook_subscription_create", variables)
    assert raise_user_errors(data["webhookSubscriptionCreate"])["webhookSubscription"]["id"]


def test_top_level_errors_are_an_invalid_query(shop: Shop) -> None:
    broken = Operation.parse("broken", "query Broken { shop { noSuchField } }")
    with pytest.raises(InvalidQueryError) as caught:
        shop.client().execute(broken)
    assert caught.value.code == "INVALID_PAYLOAD"
    assert caught.value.shopify_codes == ["undefinedField"]
    assert "noSuchField" in str(caught.value)


def test_bad_variables_are_an_invalid_query(shop: Shop) -> None:
    with pytest.raises(InvalidQueryError) as caught:
        shop.client().execute("bulk_status", {"id": None})
    assert caught.value.shopify_codes == ["INVALID_VARIABLE"]


def test_an_unknown_api_version_is_a_clear_error(shop: Shop) -> None:
    client = shop.client(api_version="2019-13")
    with pytest.raises(InvalidQueryError) as caught:
        client.execute("shop")
    assert "HTTP 404" in str(caught.value) and "API version" in caught.value.fix


@pytest.mark.parametrize("name", ["nope", "../secrets", "Shop"])
def test_unknown_documents_are_named_with_a_fix(name: str) -> None:
    with pytest.raises(InvalidQueryError) as caught:
        load(name)
    assert caught.value.code == "INVALID_PAYLOAD" and caught.value.fix


def test_documents_know_their_kind_and_defaults() -> None:
    assert load("bulk_run").is_mutation and not load("shop").is_mutation
    assert load("webhook_subscription_list").defaults == {}


def test_a_url_is_not_a_shop_domain() -> None:
    with pytest.raises(InvalidQueryError) as caught:
        ShopifyClient("https://brand.myshopify.com", StaticToken("t"))
    assert "without https://" in caught.value.fix


def test_the_endpoint_follows_domain_version_and_base_url() -> None:
    client = ShopifyClient("brand.myshopify.com", StaticToken("t"))
    assert client.endpoint == "https://brand.myshopify.com/admin/api/2026-07/graphql.json"
    other = ShopifyClient(
        "brand.myshopify.com",
        StaticToken("t"),
        base_url="http://127.0.0.1:9/",
        api_version="2026-04",
    )
    assert other.endpoint == "http://127.0.0.1:9/admin/api/2026-04/graphql.json"
