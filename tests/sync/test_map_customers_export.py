"""F8 mapping, pure: the CustomerInput of a hub customer, and every customerCreate /
customerUpdate refusal captured from real Shopify mapped to its catalogue code."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import shared_path
from wholesync.hub.models import Address, Customer
from wholesync.sync.map_customers_export import customer_input, customer_problem, user_error_code
from wholesync.sync.settings import TenantSettings

SETTINGS = TenantSettings()
GID = "gid://shopify/Customer/7"
DUPLICATE, EMAIL, PHONE, ADDRESS, OTHER = (
    "DUPLICATE_CUSTOMER",
    "INVALID_EMAIL",
    "INVALID_PHONE",
    "ADDRESS_INCOMPLETE",
    "SHOPIFY_USER_ERROR",
)
# Every refusal in these captures (file, JSON path of the payload) -> the code F8 gives it.
EXPECTED = {
    ("customer-input-validation-parity.json", "/createScenarios/invalidEmail"): EMAIL,
    ("customer-input-validation-parity.json", "/createScenarios/invalidPhone"): PHONE,
    ("customer-input-validation-parity.json", "/createScenarios/duplicateEmail"): DUPLICATE,
    ("customer-input-validation-parity.json", "/createScenarios/duplicatePhone"): DUPLICATE,
    ("customer-input-validation-parity.json", "/createScenarios/invalidLocale"): OTHER,
    ("customer-input-validation-parity.json", "/createScenarios/oversizedTag"): OTHER,
    ("customer-input-validation-parity.json", "/createScenarios/oversizedNameAndNote"): OTHER,
    ("customer-input-validation-parity.json", "/updateScenarios/invalidEmail"): EMAIL,
    ("customer-input-validation-parity.json", "/updateScenarios/invalidPhone"): PHONE,
    ("customer-input-validation-parity.json", "/updateScenarios/duplicateEmail"): DUPLICATE,
    ("customer-input-validation-parity.json", "/updateScenarios/duplicatePhone"): DUPLICATE,
    ("customer-input-validation-parity.json", "/updateScenarios/invalidLocale"): OTHER,
    ("customer-input-validation-parity.json", "/updateScenarios/oversizedTag"): OTHER,
    ("customer-input-validation-parity.json", "/updateScenarios/oversizedNameAndNote"): OTHER,
    (
        "customer-input-validation-parity.json",
        "/deletedCustomerUpdate/updateDeletedCustomer",
    ): OTHER,
    ("customer-input-validation-parity.json", "/mergedCustomerUpdate/updateMergedSourceCustomer"): (
        OTHER
    ),
    ("customer-create-parity.json", "/validation"): OTHER,
    ("customer-update-parity.json", "/validation"): OTHER,
    ("customer-update-parity.json", "/metafieldValidation"): OTHER,
    ("customer-email-normalization.json", "/cases/duplicateCreate"): DUPLICATE,
    ("customer-email-normalization.json", "/cases/invalidFooAt"): EMAIL,
    ("customer-email-normalization.json", "/cases/invalidAtDomain"): EMAIL,
    ("customer-email-normalization.json", "/cases/invalidNoDotDomain"): EMAIL,
    ("customer-email-normalization.json", "/cases/invalidDoubleAt"): EMAIL,
    ("customer-email-normalization.json", "/cases/tooLongCreate"): EMAIL,
    ("customer-phone-normalization.json", "/duplicateNormalized"): DUPLICATE,
    ("customer-phone-normalization.json", "/invalid"): PHONE,
    ("customer-phone-normalization.json", "/tooLong"): PHONE,
    ("customer-address-input-validation.json", "/customerCreateNestedTooLong"): ADDRESS,
    ("customer-address-input-validation.json", "/customerCreateNestedBlank"): ADDRESS,
    ("customer-address-country-province-validation.json", "/customerCreateUnknownCountry"): ADDRESS,
    (
        "customer-address-country-province-validation.json",
        "/customerUpdateWrongProvinceCountry",
    ): ADDRESS,
}


def refusals(document: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(path of the scenario, its customerCreate/Update payload, its variables) for every
    refused mutation in a capture."""
    if isinstance(document, dict):
        data = (document.get("response") or {}).get("data") or {}
        for root in ("customerCreate", "customerUpdate"):
            payload = data.get(root)
            if isinstance(payload, dict) and payload.get("userErrors"):
                yield path, payload, document.get("variables") or {}
        for key, value in document.items():
            if key != "upstreamCalls":
                yield from refusals(value, f"{path}/{key}")
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from refusals(value, f"{path}/{index}")


def hub_customer(**fields: Any) -> Customer:
    values: dict[str, Any] = {
        "id": 3,
        "tenant_id": 1,
        "customer_code": "C-100",
        "company": "Corner Boutique",
        "email": "buyer@corner.example",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": "+16135550142",
        "tags": ["vip"],
        "addresses": [],
    }
    values.update(fields)
    return Customer(**values)


@pytest.mark.parametrize("name", sorted({name for name, _ in EXPECTED}))
def test_real_refusals_map_to_their_codes_with_shopifys_message(name: str) -> None:
    capture = json.loads(shared_path("shopify", "graphql", "customers", name).read_text())
    found = {}
    for path, payload, variables in refusals(capture):
        sent = (variables.get("input") if isinstance(variables, dict) else None) or {}
        problem = customer_problem(payload["userErrors"], hub_customer(), sent)
        found[path] = problem.code
        for error in payload["userErrors"]:
            assert error["message"] in problem.message, (path, problem.message)
        if problem.code != OTHER:
            assert "PATCH /api/v1/customers/3" in problem.message or "in the hub" in problem.message
    assert found == {path: code for (file, path), code in EXPECTED.items() if file == name}


def test_the_message_names_the_value_shopify_refused() -> None:
    errors = [{"field": ["phone"], "message": "Phone has already been taken"}]
    problem = customer_problem(errors, hub_customer(), {"phone": "+14155551001"})
    assert problem.code == DUPLICATE
    assert "phone '+14155551001' of customer 'C-100'" in problem.message
    email = customer_problem(
        [{"field": ["email"], "message": "Email is invalid"}], hub_customer(), {"email": "x@"}
    )
    assert email.message.startswith("Shopify refused the email 'x@' of customer 'C-100'")
    assert user_error_code({"field": ["addresses", "0", "id"], "message": "x"}) is None
    assert user_error_code({"field": None, "message": "x"}) is None


def test_a_create_has_contact_tags_code_metafield_and_every_address_once() -> None:
    billing = Address(
        id=2,
        kind="billing",
        is_default=True,
        address1="2 Side St",
        address2="Unit 1",
        city="Leeds",
        country_code="gb",
        zip="LS1 1AA",
    )
    same = Address(
        id=3,
        kind="shipping",
        is_default=True,
        address1="2 Side St",
        address2="Unit 1",
        city="Leeds",
        country_code="GB",
        zip="LS1 1AA",
    )
    shipping = Address(
        id=1, kind="shipping", address1="9 Dock Rd", city="Hull", country_code="GB", zip="HU1 1AA"
    )
    variables = customer_input(hub_customer(addresses=[shipping, same, billing]), SETTINGS)
    assert "id" not in variables
    assert variables["email"] == "buyer@corner.example" and variables["phone"] == "+16135550142"
    assert (variables["firstName"], variables["lastName"]) == ("Ada", "Lovelace")
    assert variables["tags"] == ["vip", "wholesync"]
    assert variables["metafields"] == [
        {
            "namespace": "wholesync",
            "key": "customer_code",
            "type": "single_line_text_field",
            "value": "C-100",
        }
    ]
    first, second = variables["addresses"]
    assert (first["address1"], first["address2"], first["countryCode"]) == (
        "2 Side St",
        "Unit 1",
        "GB",
    )
    assert first["company"] == "Corner Boutique" and second["address1"] == "9 Dock Rd"


def test_an_update_names_the_gid_and_clears_what_the_hub_cleared() -> None:
    configured = SETTINGS.set_path("customer_code_metafield", "erp.code").set_path(
        "sync_tag", "null"
    )
    variables = customer_input(hub_customer(phone=None, tags=[]), configured, gid=GID)
    assert variables["id"] == GID
    assert variables["phone"] is None and variables["tags"] == []
    assert variables["addresses"] == []
    assert variables["metafields"][0]["namespace"] == "erp"
    assert customer_input(hub_customer(phone=None), SETTINGS).get("phone", "absent") == "absent"
