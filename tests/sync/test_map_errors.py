"""The error catalogue: every code of DESIGN.md has a fix-it message."""

from __future__ import annotations

import pytest

from wholesync.sync.cron import CronError, validate_cron
from wholesync.sync.errors import CATALOGUE, reject, render
from wholesync.sync.records import Rejection

DESIGN_CODES = [
    "CUSTOMER_NOT_FOUND",
    "VARIANT_NOT_FOUND",
    "INSUFFICIENT_INVENTORY",
    "INVALID_EMAIL",
    "INVALID_PHONE",
    "ADDRESS_INCOMPLETE",
    "DUPLICATE_CUSTOMER",
    "WAREHOUSE_UNMAPPED",
    "MISSING_REQUIRED_FIELD",
    "ALREADY_EXPORTED",
    "SHOPIFY_USER_ERROR",
    "SHOPIFY_UNAVAILABLE",
    "AUTH_FAILED",
    "INVALID_PAYLOAD",
]


def test_every_design_code_is_in_the_catalogue() -> None:
    assert set(DESIGN_CODES) <= set(CATALOGUE)
    assert {"DUPLICATE_VARIANT_KEY", "INVALID_SETTING"} <= set(CATALOGUE)


@pytest.mark.parametrize("code", sorted(set(CATALOGUE) - {"INVALID_PAYLOAD", "INVALID_SETTING"}))
def test_each_message_tells_how_to_fix_it(code: str) -> None:
    message = render(code)
    assert message.endswith(".") and len(message) > 40
    assert "{" not in message.replace('{"', "")  # every placeholder is filled, if only with '?'


def test_render_fills_parameters_and_defaults() -> None:
    message = render("VARIANT_NOT_FOUND", key_name="SKU", key="HLS-1")
    assert message.startswith("No Shopify variant has the SKU 'HLS-1'.")
    assert "wholesync tenants set NAME upc_key" in message
    assert "tenants set acme upc_key" in render("VARIANT_NOT_FOUND", tenant="acme")
    assert render("INVALID_EMAIL", email="x@", customer=None) == (
        "'x@' is not a valid email address. Correct the email of customer '?' in Shopify; the "
        "customer is synced again on the next run."
    )


def test_unknown_codes_still_render() -> None:
    assert render("SOMETHING_NEW", b=2, a=1) == "SOMETHING_NEW: a=1, b=2"


def test_reject_builds_a_rejection_even_when_a_parameter_is_named_key() -> None:
    rejection = reject(
        "product",
        "gid://shopify/Product/1",
        "tee",
        "DUPLICATE_VARIANT_KEY",
        variants="'S', 'M'",
        product="Tee",
        key_name="SKU",
        key="T-1",
    )
    assert rejection == Rejection(
        "product",
        "gid://shopify/Product/1",
        "tee",
        "DUPLICATE_VARIANT_KEY",
        rejection.message,
    )
    assert "share the SKU 'T-1'" in rejection.message


def test_a_malformed_schedule_shows_the_format() -> None:
    with pytest.raises(CronError, match="use five fields 'minute hour"):
        validate_cron("61 * * * *")
