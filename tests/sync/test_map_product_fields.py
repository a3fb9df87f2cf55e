"""F1 mapping of product fields, without network or database: prebook tags, prices, weight,
custom fields, status and required fields."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tests.sync.map_nodes import metafield, product_node, variant_node
from wholesync.sync.errors import CATALOGUE
from wholesync.sync.map_products import map_product
from wholesync.sync.records import ProductRecord, Rejection
from wholesync.sync.settings import TenantSettings

DEFAULTS = TenantSettings()


def record(node: Any, settings: TenantSettings = DEFAULTS) -> ProductRecord:
    result = map_product(node, settings)
    assert isinstance(result, ProductRecord), result
    return result


def rejection(node: Any, settings: TenantSettings = DEFAULTS) -> Rejection:
    result = map_product(node, settings)
    assert isinstance(result, Rejection), result
    assert result.code in CATALOGUE
    return result


# Prebook.


def test_prebook_tags_give_the_flag_and_the_window() -> None:
    tags = ["wholesync", "Prebook: True", "Available From: 03/15/2027", "Available To: 5/1/2027"]
    product = record(product_node(tags=tags))
    assert product.prebook is True
    assert (product.available_from, product.available_to) == (date(2027, 3, 15), date(2027, 5, 1))


def test_prebook_tags_are_matched_like_tags_and_formats_are_configurable() -> None:
    tags = ["wholesync", "prebook:  true", "available from: 15/03/2027"]
    product = record(product_node(tags=tags), TenantSettings(prebook_date_format="DD/MM/YYYY"))
    assert (product.prebook, product.available_from) == (True, date(2027, 3, 15))
    assert record(product_node(tags=["wholesync", "Prebook: False"])).prebook is False


@pytest.mark.parametrize(
    "tag", ["Available From: 13/45/2027", "Available From: soon", "Available From:"]
)
def test_a_malformed_prebook_date_is_rejected_with_the_fix(tag: str) -> None:
    bad = rejection(product_node(tags=["wholesync", "Prebook: True", tag]))
    assert bad.code == "INVALID_PAYLOAD"
    assert f"Tag '{tag}'" in bad.message and "MM/DD/YYYY" in bad.message
    assert "'Available From: 03/15/2026'" in bad.message


def test_contradictory_prebook_windows_are_rejected() -> None:
    backwards = ["wholesync", "Available From: 06/01/2027", "Available To: 05/01/2027"]
    assert "ends before it starts" in rejection(product_node(tags=backwards)).message
    twice = ["wholesync", "Available From: 06/01/2027", "Available From: 07/01/2027"]
    assert "2 different 'Available From:' tags" in rejection(product_node(tags=twice)).message


# Prices and weight.


def test_a_variant_wholesale_metafield_wins_over_the_products() -> None:
    node = product_node(
        metafields=[metafield("wholesync", "wholesale_price", "30.00", "number_decimal")],
        variants=[
            variant_node(
                11, "A-1", metafields={"nodes": [metafield("wholesync", "wholesale_price", "28")]}
            ),
            variant_node(12, "A-2", position=2),
        ],
    )
    prices = [v.wholesale_price for v in record(node).variants]
    assert prices == [Decimal("28"), Decimal("30.00")]


def test_a_money_metafield_is_read() -> None:
    money = '{"amount": "31.50", "currency_code": "USD"}'
    node = product_node(metafields=[metafield("wholesync", "wholesale_price", money, "money")])
    assert record(node).variants[0].wholesale_price == Decimal("31.50")


def test_without_a_metafield_there_is_no_wholesale_price_unless_the_formula_backs_it_up() -> None:
    assert record(product_node()).variants[0].wholesale_price is None
    fallback = TenantSettings.model_validate({"wholesale_price": {"formula_fallback": True}})
    assert record(product_node(), fallback).variants[0].wholesale_price == Decimal("34.00")


def test_the_formula_applies_to_the_shopify_price_rounded_half_up() -> None:
    formula = TenantSettings.model_validate(
        {"wholesale_price": {"source": "formula", "formula": "(price - 0.05) * 0.5"}}
    )
    node = product_node(metafields=[metafield("wholesync", "wholesale_price", "1.00")])
    first, second = record(node, formula).variants
    assert first.wholesale_price == Decimal("33.98")  # 33.975 rounds up
    assert second.wholesale_price == Decimal("36.23")  # 36.225 rounds up
    assert first.retail_price == Decimal("68.00")


@pytest.mark.parametrize("raw", ["abc", "-5", "NaN", '{"amount": "x"}'])
def test_an_unreadable_wholesale_metafield_is_rejected(raw: str) -> None:
    bad = rejection(product_node(metafields=[metafield("wholesync", "wholesale_price", raw)]))
    assert bad.code == "INVALID_PAYLOAD"
    assert f"wholesync.wholesale_price is '{raw}'" in bad.message


def test_a_formula_that_fails_for_one_price_rejects_that_product() -> None:
    formula = TenantSettings.model_validate(
        {"wholesale_price": {"source": "formula", "formula": "price / (price - 68)"}}
    )
    bad = rejection(product_node(), formula)
    assert bad.code == "INVALID_PAYLOAD" and "divides by zero" in bad.message


@pytest.mark.parametrize("price", [None, "", "free", "-1.00"])
def test_a_variant_without_a_valid_price_is_rejected(price: str | None) -> None:
    bad = rejection(product_node(variants=[variant_node(11, "A-1", price=price)]))
    assert bad.code == "MISSING_REQUIRED_FIELD" and "valid price" in bad.message


def test_weight_comes_from_the_inventory_item_or_older_variant_fields() -> None:
    older = variant_node(11, "A-1", inventoryItem={"id": "gid://shopify/InventoryItem/1"})
    older.update(weight=1.5, weightUnit="POUNDS")
    none = variant_node(12, "A-2", position=2, inventoryItem=None)
    first, second = record(product_node(variants=[older, none])).variants
    assert (first.weight, first.weight_unit) == (Decimal("1.5"), "POUNDS")
    assert (second.weight, second.weight_unit, second.inventory_item_gid) == (None, None, None)


# Custom fields, status and required fields.


def test_custom_fields_are_jmespath_over_the_shopify_node() -> None:
    configured = TenantSettings.model_validate(
        {
            "custom_fields": {
                "product": {
                    "material": "meta.custom.material",
                    "first_collection": "collections[0].handle",
                    "absent": "meta.custom.nothing",
                },
                "variant": {"options": "selectedOptions[].value | join('-', @)"},
            }
        }
    )
    node = product_node(metafields=[metafield("custom", "material", "Linen")])
    product = record(node, configured)
    assert product.custom_fields == {
        "absent": None,
        "first_collection": "shirts",
        "material": "Linen",
    }
    assert product.variants[0].custom_fields == {"options": "Navy-M"}


def test_a_custom_field_that_fails_on_the_data_is_rejected_by_name() -> None:
    configured = TenantSettings.model_validate({"custom_fields": {"product": {"n": "abs(title)"}}})
    bad = rejection(product_node(), configured)
    assert bad.code == "INVALID_PAYLOAD" and "Custom field 'n' (abs(title))" in bad.message


@pytest.mark.parametrize(("status", "expected"), [("ARCHIVED", "archived"), ("DRAFT", "active")])
def test_the_shopify_status_is_kept(status: str, expected: str) -> None:
    assert record(product_node(status=status)).status == expected


def test_required_product_fields() -> None:
    assert rejection(product_node(updatedAt="yesterday")).code == "INVALID_PAYLOAD"
    untitled = rejection(product_node(title=" "))
    assert untitled.code == "MISSING_REQUIRED_FIELD" and "has no title" in untitled.message
    assert rejection(product_node(id=None)).shopify_gid is None
    assert rejection([1, 2]).message.startswith("A product node must be a JSON object")
