"""F4 mapping, pure: hub orders built in memory, no network and no database."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import shared_path
from wholesync.hub.models import Buyer, Customer, Order, OrderLine
from wholesync.sync.map_orders_export import (
    Location,
    Resolved,
    VariantFacts,
    draft_input,
    missing_variants,
    note,
    order_input,
    order_options,
    stock_shortfall,
    user_error_problem,
)
from wholesync.sync.settings import SettingsError, TenantSettings

SETTINGS = TenantSettings()
SHOP = "gid://shopify/Location/1"
WAREHOUSE = "gid://shopify/Location/2"
CUSTOMER_GID = "gid://shopify/Customer/7"


def configured(**values: str) -> TenantSettings:
    settings = SETTINGS
    for key, value in values.items():
        settings = settings.set_path(key.replace("__", "."), value)
    return settings


def make_order(**fields: Any) -> Order:
    customer = Customer(
        id=3,
        customer_code="C-100",
        company="Corner Boutique",
        email="buyer@corner.example",
        first_name="Ada",
        last_name="Lovelace",
        tags=["vip"],
        addresses=[],
    )
    order = Order(
        id=1,
        number="WS000001",
        export_key="ws-0123456789abcdef",
        currency="USD",
        po_number="PO-9",
        payment_terms="Net 30",
        shipping_method="UPS Ground",
        linesheet="FW26",
        ship_start=date(2026, 8, 1),
        ship_complete=date(2026, 8, 15),
        shipping_address={
            "company": "Corner Boutique",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "address1": "1 Main Street",
            "address2": "Suite 5",
            "city": "London",
            "country_code": "gb",
            "zip": "N1 9GU",
        },
        customer=customer,
        buyer=Buyer(first_name="Grace", last_name="Hopper", email="g@corner.example"),
        lines=[
            OrderLine(position=1, upc="SKU-1", title="Tee", quantity=3, unit_price=Decimal("9.5")),
            OrderLine(position=2, upc="SKU-2", title="Cap", quantity=1, unit_price=Decimal("20")),
        ],
    )
    for name, value in fields.items():
        setattr(order, name, value)
    return order


VARIANTS = {
    "SKU-1": VariantFacts("gid://shopify/ProductVariant/11", True, {SHOP: 2, WAREHOUSE: 4}),
    "SKU-2": VariantFacts("gid://shopify/ProductVariant/12", False, {}),
}
RESOLVED = Resolved(CUSTOMER_GID, VARIANTS)


def test_an_order_maps_with_its_key_customer_lines_and_addresses() -> None:
    variables = order_input(make_order(), RESOLVED, SETTINGS, "the note")
    assert variables["sourceIdentifier"] == "ws-0123456789abcdef"
    assert variables["tags"] == ["wholesale", "ws-0123456789abcdef"]
    assert variables["customer"] == {"toAssociate": {"id": CUSTOMER_GID}}
    assert variables["poNumber"] == "PO-9" and variables["note"] == "the note"
    assert variables["currency"] == "USD" and variables["email"] == "buyer@corner.example"
    assert variables["lineItems"] == [
        {
            "variantId": "gid://shopify/ProductVariant/11",
            "quantity": 3,
            "priceSet": {"shopMoney": {"amount": "9.50", "currencyCode": "USD"}},
        },
        {
            "variantId": "gid://shopify/ProductVariant/12",
            "quantity": 1,
            "priceSet": {"shopMoney": {"amount": "20.00", "currencyCode": "USD"}},
        },
    ]
    shipping = variables["shippingAddress"]
    assert shipping["address2"] == "Suite 5" and shipping["countryCode"] == "GB"
    assert variables["billingAddress"] == shipping
    assert variables["financialStatus"] == "PENDING"
    assert "fulfillment" not in variables
    assert order_options(SETTINGS)["inventoryBehaviour"] == "DECREMENT_OBEYING_POLICY"


def test_paid_fulfilled_and_bypass_options() -> None:
    settings = configured(
        orders__financial_status="paid",
        orders__fulfillment_location="Warehouse",
        orders__fulfillment="fulfilled",
        orders__bypass_stock_check="true",
    )
    resolved = Resolved(CUSTOMER_GID, VARIANTS, Location(WAREHOUSE, "Warehouse"))
    variables = order_input(make_order(), resolved, settings, "n")
    assert variables["financialStatus"] == "PAID"
    assert variables["fulfillment"] == {"locationId": WAREHOUSE, "notifyCustomer": False}
    assert order_options(settings)["inventoryBehaviour"] == "DECREMENT_IGNORING_POLICY"


def test_tax_comes_from_the_billing_country_rate() -> None:
    settings = configured(orders__tax_rates__GB="0.2", orders__tax_rates__CA="0.13")
    variables = order_input(make_order(), RESOLVED, settings, "n")
    first, second = (line["taxLines"] for line in variables["lineItems"])
    assert first == [
        {
            "title": "GB tax",
            "rate": "0.2",
            "priceSet": {"shopMoney": {"amount": "5.70", "currencyCode": "USD"}},
        }
    ]
    assert second[0]["priceSet"]["shopMoney"]["amount"] == "4.00"
    billed_in_canada = make_order(billing_address={"address1": "x", "country_code": "CA"})
    variables = order_input(billed_in_canada, RESOLVED, settings, "n")
    assert variables["lineItems"][0]["taxLines"][0]["rate"] == "0.13"
    untaxed = order_input(make_order(), RESOLVED, configured(orders__tax_rates__FR="0.2"), "n")
    assert all("taxLines" not in line for line in untaxed["lineItems"])


def test_the_default_note_names_terms_window_linesheet_and_po() -> None:
    text = note(make_order(), SETTINGS)
    assert text == (
        "Wholesale order WS000001 (PO PO-9)\n"
        "Payment terms: Net 30\n"
        "Shipping: UPS Ground, ship window 2026-08-01 to 2026-08-15\n"
        "Linesheet: FW26"
    )
    without_po = note(make_order(po_number=None), SETTINGS)
    assert isinstance(without_po, str) and without_po.startswith("Wholesale order WS000001\n")


def test_a_custom_note_template_sees_every_field() -> None:
    template = (
        "{{ company }} / {{ customer_code }} / {{ buyer_name }} / {{ ship_start }}-{{ ship_end }}"
        "{% if notes %} / {{ notes | upper }}{% endif %}"
    )
    settings = configured(orders__note_template=template)
    assert note(make_order(notes="rush"), settings) == (
        "Corner Boutique / C-100 / Grace Hopper / 2026-08-01-2026-08-15 / RUSH"
    )


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ order }}", "unknown note field(s) ['order']"),
        ("{% if po_number %}open", "malformed at line 1"),
        ("{{ notes.__class__.__mro__ }}", "cannot be rendered"),
    ],
)
def test_a_bad_note_template_is_refused_with_the_reason(template: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        configured(orders__note_template=template)
    assert message in str(caught.value)


def test_a_draft_order_carries_the_key_as_a_tag_and_the_prices() -> None:
    variables = draft_input(make_order(), RESOLVED, SETTINGS, "n")
    assert "ws-0123456789abcdef" in variables["tags"]
    assert variables["purchasingEntity"] == {"customerId": CUSTOMER_GID}
    assert variables["lineItems"][0]["priceOverride"] == {"amount": "9.50", "currencyCode": "USD"}
    assert variables["presentmentCurrencyCode"] == "USD" and variables["poNumber"] == "PO-9"


def test_a_missing_variant_is_named_by_its_key() -> None:
    problem = missing_variants(make_order(), {"SKU-1": VARIANTS["SKU-1"]}, "sku", "acme")
    assert problem is not None and problem.code == "VARIANT_NOT_FOUND"
    assert "SKU 'SKU-2'" in problem.message
    assert "wholesync tenants set acme upc_key" in problem.message
    barcode = missing_variants(make_order(), {}, "barcode", "acme")
    assert barcode is not None and "barcode 'SKU-1'" in barcode.message
    assert missing_variants(make_order(), VARIANTS, "sku", "acme") is None


def test_stock_is_checked_at_the_location_or_over_all_locations() -> None:
    order = make_order()
    at_shop = stock_shortfall(order, VARIANTS, Location(SHOP, "Shop"), {}, "acme")
    assert at_shop is not None and at_shop.code == "INSUFFICIENT_INVENTORY"
    assert at_shop.message.startswith("Only 2 of 'SKU-1' are available at location 'Shop'")
    assert "3 are ordered" in at_shop.message
    assert "wholesync tenants set acme orders.bypass_stock_check true" in at_shop.message
    assert stock_shortfall(order, VARIANTS, Location(WAREHOUSE, "Warehouse"), {}, "acme") is None
    assert stock_shortfall(order, VARIANTS, None, {}, "acme") is None  # 6 over both locations
    taken: dict[tuple[str, str | None], int] = {("gid://shopify/ProductVariant/11", None): 4}
    summed = stock_shortfall(order, VARIANTS, None, taken, "acme")
    assert (
        summed is not None and "Only 2 of 'SKU-1' are available at all locations" in summed.message
    )


def test_user_errors_keep_shopifys_words() -> None:
    problem = user_error_problem(
        [
            {
                "field": ["order", "lineItems"],
                "message": "Line items must have at least one line item",
                "code": "INVALID",
            }
        ]
    )
    assert problem.code == "SHOPIFY_USER_ERROR"
    assert "order.lineItems: Line items must have at least one line item (INVALID)" in (
        problem.message
    )
    coded = user_error_problem([{"field": ["order"], "code": "REDUNDANT_CUSTOMER_FIELDS"}])
    assert "order: Redundant customer fields" in coded.message


def _captured_user_errors() -> list[list[dict[str, Any]]]:
    found = []
    for name in (
        "order-create-validation-matrix.json",
        "order-create-validation-matrix-extended.json",
    ):
        capture = json.loads(shared_path("shopify", "graphql", "orders", name).read_text())
        for payload in capture["mutation"]["response"]["data"].values():
            assert payload["order"] is None
            found.append(payload["userErrors"])
    return found


def test_captured_order_create_user_errors_become_shopify_user_error() -> None:
    captured = _captured_user_errors()
    assert len(captured) == 5
    for errors in captured:
        problem = user_error_problem(errors)
        assert problem.code == "SHOPIFY_USER_ERROR"
        for error in errors:
            assert ".".join(str(p) for p in error["field"]) in problem.message
            assert (error.get("message") or error["code"].replace("_", " ").capitalize()) in (
                problem.message
            )
