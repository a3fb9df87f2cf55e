"""Tenant settings: defaults, validation with clear errors, and one-key changes from the CLI."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from wholesync.sync.cron import CronError, parse_cron, validate_cron
from wholesync.sync.formula import FormulaError, apply_formula, validate_formula
from wholesync.sync.setting_types import is_email
from wholesync.sync.settings import SettingsError, TenantSettings, allowed_values, load_settings

DEFAULTS = TenantSettings()


def test_defaults_are_the_documented_behaviour() -> None:
    assert DEFAULTS.sync_tag == "wholesync"
    assert DEFAULTS.active_metafield == "wholesync.active"
    assert DEFAULTS.upc_key == "sku"
    assert DEFAULTS.image_mode == "product"
    assert (DEFAULTS.prebook_tag, DEFAULTS.available_from_tag, DEFAULTS.available_to_tag) == (
        "Prebook: True",
        "Available From:",
        "Available To:",
    )
    assert DEFAULTS.wholesale_price.source == "metafield"
    assert DEFAULTS.wholesale_price.metafield == "wholesync.wholesale_price"
    assert DEFAULTS.wholesale_price.formula == "price * 0.5"
    assert DEFAULTS.customer_code_metafield == "wholesync.customer_code"
    assert DEFAULTS.buyer_tag == "wholesale-buyer"
    assert DEFAULTS.warehouse_map == {}
    assert DEFAULTS.stock_master == "shopify"
    assert DEFAULTS.orders.exportable_statuses == ("approved",)
    assert (DEFAULTS.orders.fulfillment, DEFAULTS.orders.financial_status) == (
        "unfulfilled",
        "pending",
    )
    assert DEFAULTS.flows.products.schedule == "0 * * * *"
    assert DEFAULTS.flows.customers_export.enabled is False


def test_stored_json_round_trips() -> None:
    changed = DEFAULTS.set_path("warehouse_map.Shop location", "MAIN").set_path(
        "orders.tax_rates.GB", "0.2"
    )
    stored = changed.model_dump(mode="json")
    assert load_settings(stored) == changed
    assert changed.orders.tax_rates == {"GB": Decimal("0.2")}
    assert load_settings(None) == load_settings({}) == DEFAULTS


def test_settings_are_immutable() -> None:
    with pytest.raises(ValidationError):
        DEFAULTS.image_mode = "variant"  # type: ignore[misc]


def test_unknown_stored_keys_are_refused() -> None:
    with pytest.raises(SettingsError, match="imagemode"):
        load_settings({"imagemode": "variant"})


# set_path: one key, as the CLI gives it.


def test_set_path_parses_json_else_keeps_the_string() -> None:
    assert DEFAULTS.set_path("image_mode", "variant").image_mode == "variant"
    assert DEFAULTS.set_path("flows.products.enabled", "false").flows.products.enabled is False
    assert DEFAULTS.set_path("notifications.digest_hour", "7").notifications.digest_hour == 7
    assert DEFAULTS.set_path("sync_tag", "NuORDER Sync: True").sync_tag == "NuORDER Sync: True"
    assert DEFAULTS.set_path("sync_tag", "null").sync_tag is None
    statuses = DEFAULTS.set_path("orders.exportable_statuses", '["approved", "in_review"]')
    assert statuses.orders.exportable_statuses == ("approved", "in_review")
    assert DEFAULTS.image_mode == "product"  # the original is untouched


def test_a_value_that_parses_as_json_is_kept_as_text_where_text_is_expected() -> None:
    assert DEFAULTS.set_path("sync_tag", "2026").sync_tag == "2026"
    assert DEFAULTS.set_path("buyer_tag", "true").buyer_tag == "true"
    assert DEFAULTS.set_path("warehouse_map.Shop location", "7").warehouse_map == {
        "Shop location": "7"
    }


def test_set_path_sets_and_removes_map_entries() -> None:
    mapped = DEFAULTS.set_path("warehouse_map", '{"Shop location": "MAIN"}')
    mapped = mapped.set_path("warehouse_map.gid://shopify/Location/7", "DC")
    assert mapped.warehouse_map == {"Shop location": "MAIN", "gid://shopify/Location/7": "DC"}
    assert mapped.set_path("warehouse_map.Shop location", "null").warehouse_map == {
        "gid://shopify/Location/7": "DC"
    }
    fields = DEFAULTS.set_path("custom_fields.product.season", "meta.custom.season")
    assert fields.custom_fields.product == {"season": "meta.custom.season"}


def test_a_json_object_for_a_group_updates_its_keys() -> None:
    changed = DEFAULTS.set_path("wholesale_price", '{"source": "formula"}')
    assert changed.wholesale_price.source == "formula"
    assert changed.wholesale_price.metafield == "wholesync.wholesale_price"


def test_an_invalid_choice_names_the_key_and_the_allowed_values() -> None:
    with pytest.raises(SettingsError) as caught:
        DEFAULTS.set_path("image_mode", "varient")
    error = caught.value
    assert (error.code, error.key, error.allowed) == (
        "INVALID_SETTING",
        "image_mode",
        "product, variant",
    )
    assert str(error) == (
        "Setting 'image_mode' cannot be 'varient': Input should be 'product' or 'variant'. "
        "Allowed: product, variant."
    )


def test_an_unknown_key_suggests_the_nearest_one() -> None:
    with pytest.raises(
        SettingsError, match=r"Unknown setting 'imagemode'\. Did you mean 'image_mode'"
    ):
        DEFAULTS.set_path("imagemode", "variant")
    with pytest.raises(SettingsError, match=r"Settings here: flows\.products,"):
        DEFAULTS.set_path("flows.product.enabled", "true")
    with pytest.raises(SettingsError, match="'image_mode' is a single value; it has no 'x'"):
        DEFAULTS.set_path("image_mode.x", "1")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("upc_key", "ean", "Allowed: sku, barcode, variant_id"),
        ("sync_tag", "a,b", "has no comma"),
        ("active_metafield", "active", "namespace.key"),
        ("custom_fields.product.season", "meta.[[", "not a valid JMESPath expression"),
        ("custom_fields.product.9lives", "title", "not a custom field name"),
        ("wholesale_price.formula", "price ** 2", "'price ** 2' is not allowed"),
        ("flows.inventory.schedule", "* * * * *", "the most often allowed is every 5 minutes"),
        ("notifications.alert_emails", '["ops@example.com", "nope"]', "'nope' is not an email"),
        ("orders.fulfillment", "fulfilled", "need orders.fulfillment_location"),
        ("orders.note_template", "PO {{ po }}", "unknown note field(s) ['po']"),
        ("orders.note_template", "PO {{ po_number", "malformed at line 1"),
        ("orders.note_template", "{{ notes.__class__ }}", "cannot be rendered"),
        ("orders.tax_rates.gb", "0.2", "pattern"),
        ("orders.tax_rates.GB", "1.5", "less than or equal to 1"),
        ("orders.exportable_statuses", "[]", "at least 1 item"),
        ("customer_match", '["email", "email"]', "lists a key twice"),
        ("warehouse_map.Shop location", '""', "Allowed: a hub warehouse code"),
        ("notifications.digest_hour", "24", "less than or equal to 23"),
    ],
)
def test_invalid_values_are_refused_clearly(key: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        DEFAULTS.set_path(key, value)
    assert f"Setting '{key}' cannot be" in str(caught.value)
    assert message in str(caught.value)


def test_allowed_values_describe_each_kind_of_key() -> None:
    assert allowed_values("image_mode") == "product, variant"
    assert allowed_values("flows.products.enabled") == "true, false"
    assert (
        allowed_values("orders.exportable_statuses")
        == "a JSON list of: pending, in_review, approved"
    )
    assert allowed_values("warehouse_map.Anything") == "a hub warehouse code"
    assert "JMESPath" in (allowed_values("custom_fields.variant.x") or "")
    assert (allowed_values("sync_tag") or "").startswith("a tag (no commas), or null")


def test_flat_view_lists_every_key() -> None:
    flat = DEFAULTS.as_flat_dict()
    assert flat["image_mode"] == "product"
    assert flat["wholesale_price.formula"] == "price * 0.5"
    assert flat["flows.stock_export.schedule"] == "0 * * * *"
    for key in flat:
        allowed_values(key)  # every listed key can be set


def test_stock_flows_follow_the_stock_master() -> None:
    assert DEFAULTS.flow_active("inventory") and not DEFAULTS.flow_active("stock_export")
    hub = DEFAULTS.set_path("stock_master", "hub")
    assert not hub.flow_active("inventory") and hub.flow_active("stock_export")
    assert not DEFAULTS.set_path("flows.products.enabled", "false").flow_active("products")


def test_fulfilled_orders_with_a_location_are_accepted() -> None:
    changed = DEFAULTS.set_path(
        "orders", '{"fulfillment": "fulfilled", "fulfillment_location": "DC"}'
    )
    assert (changed.orders.fulfillment, changed.orders.fulfillment_location) == ("fulfilled", "DC")


@settings(max_examples=200)
@given(key=st.text(max_size=30), value=st.text(max_size=30))
def test_set_path_only_ever_raises_settings_errors(key: str, value: str) -> None:
    try:
        result = DEFAULTS.set_path(key, value)
    except SettingsError as exc:
        assert exc.code == "INVALID_SETTING" and str(exc)
    else:
        assert isinstance(result, TenantSettings)


# The price formula: a whitelist over Python's ast, never eval.


@pytest.mark.parametrize(
    ("formula", "price", "expected"),
    [
        ("price * 0.5", "68.00", "34.00"),
        ("price*0.55", "99.99", "54.99"),  # 54.9945 rounds down
        ("(price - 2) / 2", "10", "4.00"),
        ("-price + 100", "40", "60.00"),
        ("price / 3", "10", "3.33"),
        ("price * 0.125", "1", "0.13"),  # half-up
        ("+price", "5", "5.00"),
    ],
)
def test_formulas_compute_in_decimal(formula: str, price: str, expected: str) -> None:
    assert apply_formula(validate_formula(formula), Decimal(price)) == Decimal(expected)


@pytest.mark.parametrize(
    "formula",
    [
        "price ** 2",
        "__import__('os').system('false')",
        "price.real",
        "abs(price)",
        "[price][0]",
        "lambda: price",
        "price if price else 1",
        "cost * 0.5",
        "True * price",
        "'5' * price",
        "price // 2",
        "price % 2",
        "price / 0",
        "price * 1e400",
        "",
        "price *",
        "0 - price",
        "(" * 150 + "price" + ")" * 150,
        "price" + " + 1" * 60,
    ],
)
def test_anything_but_plain_arithmetic_on_price_is_refused(formula: str) -> None:
    with pytest.raises(FormulaError):
        validate_formula(formula)


def test_a_formula_that_fails_for_one_price_says_so() -> None:
    formula = validate_formula("price / (price - 68) + 1")
    with pytest.raises(FormulaError, match="divides by zero for price 68"):
        apply_formula(formula, Decimal("68"))


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_formula_validation_only_raises_formula_errors(text: str) -> None:
    with contextlib.suppress(FormulaError):
        validate_formula(text)


# Cron schedules: five fields, at most every five minutes.


@pytest.mark.parametrize(
    "schedule",
    [
        "0 * * * *",
        "*/5 * * * *",
        "@hourly",
        "@daily",
        "0 9 * * MON-FRI",
        "15,45 * * JAN-JUN *",
        "0 0 1 * 7",
        "5-55/10 0-23/2 * * *",
    ],
)
def test_valid_schedules(schedule: str) -> None:
    assert validate_cron(schedule) == schedule


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("* * * *", "4 fields instead of 5"),
        ("* * * * *", "runs every 1 minute(s)"),
        ("*/2 * * * *", "runs every 2 minute(s)"),
        ("0,58 * * * *", "runs every 2 minute(s)"),
        ("61 * * * *", "out of range 0-59"),
        ("0 24 * * *", "out of range 0-23"),
        ("5-1 * * * *", "runs backwards"),
        ("*/0 * * * *", "invalid step"),
        ("0 * * FOO *", "not a valid month"),
        ("0 * 0 * *", "out of range 1-31"),
        ("", "0 fields"),
    ],
)
def test_invalid_schedules_say_why(schedule: str, message: str) -> None:
    with pytest.raises(CronError) as caught:
        validate_cron(schedule)
    assert message in str(caught.value)


def test_cron_expansion() -> None:
    spec = parse_cron("0,30 9-17 * * MON-FRI")
    assert spec.minutes == {0, 30} and spec.hours == set(range(9, 18))
    assert spec.weekdays == {1, 2, 3, 4, 5}
    assert parse_cron("0 0 * * 7").weekdays == {0}


# Email addresses.


@pytest.mark.parametrize(
    ("email", "valid"),
    [
        ("ops@example.com", True),
        ("first.last+tag@sub.example.co.uk", True),
        ("Russel.winfield@example.com", True),
        ("plain", False),
        ("a@b", False),
        ("two@@example.com", False),
        ("space in@example.com", False),
        (".lead@example.com", False),
        ("double..dot@example.com", False),
        ("x@" + "a" * 250 + ".com", False),
    ],
)
def test_email_check(email: str, valid: bool) -> None:
    assert is_email(email) is valid
