"""Settings as TOML: an exact round trip (none values included), and a file refused whole with
every invalid key path and its fix."""

from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wholesync.sync.settings import TenantSettings
from wholesync.sync.settings_check import SettingsProblems
from wholesync.sync.settings_toml import from_toml, to_toml


def changed() -> TenantSettings:
    """Settings far from the defaults: none values, maps with awkward keys, a multi-line note."""
    settings = TenantSettings()
    for key, value in (
        ("sync_tag", "null"),
        ("flows.orders_import.window_days", "null"),
        ("upc_key", "barcode"),
        ("customer_match", '["email"]'),
        ("wholesale_price", '{"source": "formula", "formula": "price * 0.45"}'),
        ("custom_fields.product.season", "meta.custom.season"),
        ("custom_fields.customer.tier", "metafields[?key=='tier'].value | [0]"),
        ('warehouse_map.Main "Street" = 1', "MAIN"),
        ("warehouse_map.gid://shopify/Location/2", "EAST"),
        ("orders.tax_rates.FR", "0.2"),
        ("orders.fulfillment_location", "Main Street"),
        ("orders.fulfillment", '"fulfilled"'),
        ("orders.note_template", 'PO {{ po_number }}\n"Terms": {{ payment_terms }} \\ é'),
        ("erp_defaults.payment_terms", "Net 30"),
        ("flows.products.schedule", "*/5 * * * *"),
        ("flows.customers_export.enabled", "true"),
        ("notifications.alert_emails", '["ops@acme.example"]'),
    ):
        settings = settings.set_path(key, value)
    return settings


def test_a_round_trip_is_exact() -> None:
    settings = changed()

    text = to_toml("acme", settings)
    back = from_toml(text)

    assert back == settings
    assert to_toml("acme", back) == text
    data = tomllib.loads(text)
    assert sorted(data["unset"]) == ["flows.orders_import.window_days", "sync_tag"]
    assert "fulfillment_location" in data["orders"] and "sales_rep" not in data["erp_defaults"]
    assert text.startswith("# Wholesync settings of tenant acme.")


def test_defaults_round_trip_and_a_missing_key_takes_its_default() -> None:
    text = to_toml("acme", TenantSettings())
    assert from_toml(text) == TenantSettings()
    assert tomllib.loads(text)["unset"] == []
    assert from_toml('upc_key = "variant_id"') == TenantSettings(upc_key="variant_id")
    assert from_toml("[orders.tax_rates]\nFR = 0.2").orders.tax_rates == {"FR": Decimal("0.2")}


# Any character but lone surrogates (not encodable) and NUL (refused), and no comma in a tag.
TEXT = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
TAG = st.characters(exclude_categories=["Cs"], exclude_characters=",\x00")


# No deadline: the first examples pay for building the settings model's validators.
@settings(deadline=None)
@given(
    tag=st.text(TAG, min_size=1, max_size=40).filter(str.strip),
    # A location name of only blanks is refused by the model (it names no location).
    location=st.text(TEXT, min_size=1, max_size=30).filter(str.strip),
    terms=st.text(TEXT, max_size=60),
)
def test_any_text_round_trips(tag: str, location: str, terms: str) -> None:
    settings = TenantSettings.model_validate(
        {
            "buyer_tag": tag,
            "warehouse_map": {location: "MAIN"},
            "erp_defaults": {"payment_terms": terms},
        }
    )
    text = to_toml("acme", settings)
    assert from_toml(text) == settings
    assert to_toml("acme", from_toml(text)) == text


@pytest.mark.parametrize(
    ("text", "key", "fix"),
    [
        ('upc_key = "ean"', "upc_key", "Allowed: sku, barcode, variant_id"),
        ("[custom_fields.product]\nseason = 'meta.[['", "custom_fields.product.season", "JMESPath"),
        ("[flows.products]\nschedule = '* * * * *'", "flows.products.schedule", "every 5 minutes"),
        ("[notifications]\ndigest_hours = 3", "notifications.digest_hours", "digest_hour"),
        ("[orders.tax_rates]\nFR = 2", "orders.tax_rates.FR", "less than or equal to 1"),
        ("[orders]\nfulfillment = 'fulfilled'", "orders", "fulfillment_location"),
        ("unset = ['upc_key']", "upc_key", "sku, barcode, variant_id"),
        ("unset = ['sync_tag']\nsync_tag = 'x'", "sync_tag", "keep only one"),
        ("unset = 'sync_tag'", "unset", 'unset = ["sync_tag"]'),
        ("upc_key = ", "", "not valid TOML"),
        ('[erp_defaults]\nhold_code = "a\\u0000b"', "erp_defaults.hold_code", "NUL character"),
    ],
)
def test_an_invalid_file_is_refused_with_the_key_path(text: str, key: str, fix: str) -> None:
    with pytest.raises(SettingsProblems) as refused:
        from_toml(text)
    [problem] = [p for p in refused.value.problems if p.key == key]
    assert fix in problem.message
    assert refused.value.code == "INVALID_SETTING"


def test_every_invalid_key_is_named_not_only_the_first() -> None:
    text = to_toml("acme", TenantSettings())
    bad = text.replace('upc_key = "sku"', 'upc_key = "ean"').replace(
        "digest_hour = 8", "digest_hour = 30"
    )

    with pytest.raises(SettingsProblems) as refused:
        from_toml(bad)

    keys = [problem.key for problem in refused.value.problems]
    assert keys == ["upc_key", "notifications.digest_hour"]
    assert "upc_key: Input should be 'sku', 'barcode' or 'variant_id'" in str(refused.value)
