"""F2 mapping rules, without network or database: customers, their addresses and buyers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sync.map_nodes import (
    JSON_VALUES,
    address_node,
    as_bulk,
    as_edges,
    capture,
    customer_node,
    find_nodes,
    metafield,
    mutated,
)
from wholesync.sync.errors import CATALOGUE
from wholesync.sync.map_customers import map_customer
from wholesync.sync.records import AddressRecord, Archive, BuyerRecord, CustomerRecord, Rejection
from wholesync.sync.settings import TenantSettings

DEFAULTS = TenantSettings()
ALL = TenantSettings(sync_tag=None)


def record(node: Any, settings: TenantSettings = DEFAULTS) -> CustomerRecord:
    result = map_customer(node, settings)
    assert isinstance(result, CustomerRecord), result
    return result


def rejection(node: Any, settings: TenantSettings = DEFAULTS) -> Rejection:
    result = map_customer(node, settings)
    assert isinstance(result, Rejection), result
    assert result.code in CATALOGUE
    return result


def test_maps_every_customer_field() -> None:
    customer = record(customer_node())
    assert customer.shopify_gid == "gid://shopify/Customer/70"
    assert customer.updated_at == datetime(2026, 7, 2, 8, tzinfo=UTC)
    assert customer.customer_code == "C-10001"
    assert customer.company == "Juniper & Pine Boutique"
    assert (customer.first_name, customer.last_name) == ("Nadia", "Okafor")
    assert (customer.email, customer.phone) == ("nadia@juniper.example.com", "+15035550100")
    assert customer.tags == ("wholesale", "wholesale-buyer", "wholesync")
    assert customer.active is True
    assert customer.custom_fields == {}
    assert customer.buyer == BuyerRecord("C-10001", "Nadia", "Okafor", "nadia@juniper.example.com")


def test_billing_is_the_default_address_and_shipping_is_every_address() -> None:
    billing, head_office, store = record(customer_node()).addresses
    assert billing == AddressRecord(
        kind="billing",
        is_default=True,
        company="Juniper & Pine Boutique",
        first_name="Nadia",
        last_name="Okafor",
        address1="1 Main Street",
        address2="Suite 300",
        city="Portland",
        province="Oregon",
        province_code="OR",
        country="United States",
        country_code="US",
        zip="97201",
        phone="+15035550100",
    )
    assert head_office.kind == "shipping" and head_office.is_default
    assert head_office.address2 == "Suite 300" and head_office.city == "Portland"
    assert (store.kind, store.is_default, store.city, store.province_code) == (
        "shipping",
        False,
        "Seattle",
        "WA",
    )


def test_without_address_ids_the_default_is_found_by_content() -> None:
    default = address_node(1, "Portland", id=None)
    node = customer_node(
        defaultAddress=default,
        addressesV2={"nodes": [address_node(2, "Seattle", id=None), dict(default)]},
    )
    flags = [(a.kind, a.is_default, a.city) for a in record(node).addresses]
    assert flags == [
        ("billing", True, "Portland"),
        ("shipping", False, "Seattle"),
        ("shipping", True, "Portland"),
    ]


def test_a_customer_without_addresses_has_none() -> None:
    customer = record(customer_node(defaultAddress=None, addressesV2={"nodes": []}))
    assert customer.addresses == () and customer.company is None


def test_paginated_edges_and_bulk_shapes_map_alike() -> None:
    configured = TenantSettings.model_validate(
        {"custom_fields": {"customer": {"stores": "length(addressesV2)", "terms": "note"}}}
    )
    node = customer_node()
    paginated = record(node, configured)
    assert paginated == record(as_bulk(node), configured) == record(as_edges(node), configured)
    assert paginated.custom_fields == {"stores": 2, "terms": "Net 30"}


# Customer code.


def test_the_customer_code_falls_back_to_the_shopify_id() -> None:
    node = customer_node(metafields={"nodes": []})
    assert record(node).customer_code == "70"
    del node["legacyResourceId"]
    assert record(node).customer_code == "70"


def test_the_customer_code_metafield_is_configurable() -> None:
    node = customer_node(metafields={"nodes": [metafield("erp", "account", " ACME-9 ")]})
    configured = TenantSettings(customer_code_metafield="erp.account")
    assert record(node, configured).customer_code == "ACME-9"
    assert record(node).customer_code == "70"


# Buyers and emails.


def test_a_customer_without_email_is_a_customer_without_buyer() -> None:
    customer = record(customer_node(email=None))
    assert customer.email is None and customer.buyer is None


def test_only_customers_with_the_buyer_tag_yield_a_buyer() -> None:
    assert record(customer_node(tags=["wholesync"])).buyer is None
    configured = TenantSettings(buyer_tag="Buyer")
    assert record(customer_node(tags=["wholesync", "buyer"]), configured).buyer is not None


def test_the_email_may_come_from_the_default_email_address() -> None:
    node = customer_node(email=None, defaultEmailAddress={"emailAddress": "ops@juniper.example"})
    customer = record(node)
    assert customer.email == "ops@juniper.example"
    assert customer.buyer is not None and customer.buyer.email == "ops@juniper.example"


@pytest.mark.parametrize("email", ["nadia@", "nadia juniper@example.com", "@example.com", "a@b"])
def test_a_malformed_email_is_rejected_with_the_fix(email: str) -> None:
    bad = rejection(customer_node(email=email))
    assert bad.code == "INVALID_EMAIL"
    assert bad.key == email and bad.shopify_gid == "gid://shopify/Customer/70"
    assert f"'{email}' is not a valid email address" in bad.message
    assert "Correct the email of customer 'Nadia Okafor' in Shopify" in bad.message


# Sync tag, delete and active flag -> Archive.


def test_an_untagged_customer_is_archived() -> None:
    assert map_customer(customer_node(tags=["wholesale"]), DEFAULTS) == Archive(
        "customer", "gid://shopify/Customer/70", "untagged"
    )
    assert isinstance(map_customer(customer_node(tags=[]), ALL), CustomerRecord)


def test_a_deleted_customer_is_archived() -> None:
    rest_payload: dict[str, object] = {
        "id": 706405506930370084,
        "phone": None,
        "addresses": [],
        "tax_exemptions": [],
        "email_marketing_consent": None,
        "sms_marketing_consent": None,
        "admin_graphql_api_id": "gid://shopify/Customer/706405506930370084",
    }
    gid = "gid://shopify/Customer/706405506930370084"
    assert map_customer(rest_payload, DEFAULTS) == Archive("customer", gid, "deleted")
    assert map_customer({"id": gid}, DEFAULTS) == Archive("customer", gid, "deleted")


def test_an_inactive_customer_is_archived() -> None:
    node = customer_node(metafields={"nodes": [metafield("wholesync", "active", "false")]})
    assert map_customer(node, DEFAULTS) == Archive(
        "customer", "gid://shopify/Customer/70", "inactive"
    )
    odd = customer_node(metafields={"nodes": [metafield("wholesync", "active", "perhaps")]})
    assert rejection(odd).code == "INVALID_PAYLOAD"


def test_required_customer_fields() -> None:
    assert rejection(customer_node(updatedAt=None)).code == "INVALID_PAYLOAD"
    assert rejection(customer_node(id=None)).shopify_gid is None
    assert rejection("customer").message.startswith("A customer node must be a JSON object")


# Real payloads from ../shared/shopify.


def test_real_catalog_customers_map() -> None:
    data = capture("graphql", "customers", "customers-catalog.json")
    nodes = [edge["node"] for edge in data["data"]["customers"]["edges"]]
    customers = [record(node, ALL) for node in nodes]
    assert [c.customer_code for c in customers] == [
        "9522206933298",
        "9522206966066",
        "9522206998834",
    ]
    assert customers[0].email == "karine.ruby@example.com"
    assert customers[0].phone == "+16135550142"  # from defaultPhoneNumber
    assert [a.kind for a in customers[0].addresses] == ["billing"]
    assert customers[0].addresses[0].address1 == "Box 42 - 151 O'Connor St"
    assert customers[1].addresses == ()
    assert all(c.buyer is None for c in customers)
    assert all(isinstance(map_customer(node, DEFAULTS), Archive) for node in nodes)


def test_a_real_customer_with_several_addresses_maps() -> None:
    data = capture("graphql", "customers", "customer-merge-attached-resources-parity.json")
    node = data["downstreamRead"]["response"]["data"]["result"]
    customer = record(node, TenantSettings(sync_tag=None, buyer_tag=node["tags"][0]))
    billing, first, second = customer.addresses
    assert (billing.kind, billing.address1, billing.country_code) == (
        "billing",
        "2 Result Merge Ave",
        "CA",
    )
    assert [(a.address1, a.is_default) for a in (first, second)] == [
        ("1 Source Merge St", False),
        ("2 Result Merge Ave", True),
    ]
    assert customer.buyer is not None and customer.buyer.email == customer.email


def test_every_real_customer_capture_maps_without_surprises() -> None:
    for name in ("customer-detail.json", "customer-input-validation-parity.json"):
        for node in find_nodes(capture("graphql", "customers", name), "gid://shopify/Customer/"):
            result = map_customer(node, ALL)
            assert isinstance(result, CustomerRecord | Rejection | Archive)
            if isinstance(result, Rejection):
                assert "could not be read" not in result.message


# No exception ever escapes the mapper.


def _check(result: object) -> None:
    assert isinstance(result, CustomerRecord | Rejection | Archive)
    if isinstance(result, Rejection):
        assert result.code in CATALOGUE and result.message
        assert "could not be read" not in result.message, result.message


CONFIGURED = [
    DEFAULTS,
    TenantSettings.model_validate(
        {"sync_tag": None, "custom_fields": {"customer": {"x": "abs(note)", "y": "meta"}}}
    ),
]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    node=mutated([customer_node(), as_bulk(customer_node()), as_edges(customer_node())]),
    configured=st.sampled_from(CONFIGURED),
)
def test_no_exception_escapes_on_mutated_nodes(
    node: dict[str, Any], configured: TenantSettings
) -> None:
    _check(map_customer(node, configured))


@settings(max_examples=200)
@given(node=JSON_VALUES)
def test_no_exception_escapes_on_arbitrary_json(node: Any) -> None:
    _check(map_customer(node, ALL))
