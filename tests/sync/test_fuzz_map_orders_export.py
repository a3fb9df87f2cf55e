"""Fuzzing F4's export mapping: hub orders with odd fields, addresses, lines and stock, under
several tenant settings and note templates, and Shopify's userErrors (captured ones mutated,
and arbitrary JSON). Nothing raises; every result is the input Shopify takes or a problem
with a catalogue code."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import shared_path
from tests.sync.map_nodes import JSON_VALUES, check_refusal, find_values, mutated
from tests.sync.test_map_orders_export import CUSTOMER_GID, SHOP, WAREHOUSE, make_order
from wholesync.hub.models import Order, OrderLine
from wholesync.sync import map_orders_export as export
from wholesync.sync.settings import SettingsError, TenantSettings

# Templates that pass validation (rendered with sample values) and fail on some orders.
FRAGILE_NOTES = ("{{ 1 / (po_number|length) }}", "{{ notes[5] }}", "{{ (notes|int) * 2 }}")
CONFIGURED = [
    TenantSettings(),
    TenantSettings.model_validate(
        {
            "upc_key": "barcode",
            "orders": {
                "fulfillment": "fulfilled",
                "fulfillment_location": "Shop location",
                "financial_status": "paid",
                "bypass_stock_check": True,
                "tax_rates": {"GB": "0.2", "US": "0.0725"},
                "tags": [],
                "note_template": "{{ company }} {{ buyer_name }} {{ ship_window }} {{ notes }}",
            },
        }
    ),
    *[TenantSettings.model_validate({"orders": {"note_template": t}}) for t in FRAGILE_NOTES],
]
TEXT = st.none() | st.text(max_size=12)
ADDRESSES = st.none() | st.dictionaries(
    st.sampled_from([*export.ADDRESS_KEYS, "province", "country", "extra"]), JSON_VALUES, max_size=8
)
LINES = st.lists(
    st.builds(
        lambda n, upc, sku, quantity, price: OrderLine(
            position=n, upc=upc, sku=sku, title=f"Item {n}", quantity=quantity, unit_price=price
        ),
        st.integers(1, 99),
        st.none() | st.sampled_from(["SKU-1", "SKU-2", " SKU-3 ", ""]),
        st.none() | st.text(max_size=6),
        st.integers(0, 10**6),
        st.decimals(min_value=0, max_value=10**6, places=4),
    ),
    min_size=1,
    max_size=4,
)
FACTS = st.builds(
    export.VariantFacts,
    st.sampled_from(["gid://shopify/ProductVariant/11", "gid://shopify/ProductVariant/12"]),
    st.booleans(),
    st.dictionaries(st.sampled_from([SHOP, WAREHOUSE]), st.integers(-5, 10**6), max_size=2),
)


@st.composite
def hub_orders(draw: st.DrawFn) -> Order:
    """The F4 test order with its free-text fields, dates, addresses and lines replaced."""
    fields: dict[str, Any] = {
        name: draw(TEXT)
        for name in ("po_number", "payment_terms", "shipping_method", "linesheet", "notes")
    }
    order = make_order(
        **fields,
        email=draw(TEXT),
        ship_start=draw(st.none() | st.dates(date(2000, 1, 1))),
        ship_complete=draw(st.none() | st.dates(date(2000, 1, 1))),
        shipping_address=draw(ADDRESSES),
        billing_address=draw(ADDRESSES),
        lines=draw(LINES),
    )
    if draw(st.booleans()):
        order.customer, order.buyer = None, None
        order.new_customer_company = draw(TEXT)
    return order


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    order=hub_orders(),
    configured=st.sampled_from(CONFIGURED),
    found=st.dictionaries(st.sampled_from(["SKU-1", "SKU-2", "SKU-3", ""]), FACTS),
    location=st.sampled_from([None, export.Location(SHOP, "Shop location")]),
    claimed=st.dictionaries(
        st.tuples(st.sampled_from(["gid://shopify/ProductVariant/11"]), st.none() | st.just(SHOP)),
        st.integers(0, 100),
    ),
)
@example(
    order=make_order(po_number=None),
    configured=CONFIGURED[2],  # divides by the PO number's length: a crash before the fix
    found={},
    location=None,
    claimed={},
).via("a note template failing on one order")
def test_no_exception_escapes_on_odd_hub_orders(
    order: Order,
    configured: TenantSettings,
    found: dict[str, export.VariantFacts],
    location: export.Location | None,
    claimed: dict[tuple[str, str | None], int],
) -> None:
    text = export.note(order, configured)
    if isinstance(text, export.Problem):
        check_refusal(text, {"INVALID_SETTING"})
        assert "orders.note_template" in text.message
        text = ""
    missing = export.missing_variants(order, found, configured.upc_key, "acme")
    if missing is not None:
        check_refusal(missing, {"VARIANT_NOT_FOUND"})
        assert "wholesync tenants set acme upc_key" in missing.message
        return
    short = export.stock_shortfall(order, found, location, claimed, "acme")
    if short is not None:
        check_refusal(short, {"INSUFFICIENT_INVENTORY"})
    resolved = export.Resolved(CUSTOMER_GID, found, location)
    for variables in (
        export.order_input(order, resolved, configured, text),
        export.draft_input(order, resolved, configured, text),
    ):
        json.dumps(variables)  # only JSON values go to Shopify
        assert len(variables["lineItems"]) == len(order.lines)
        for line, sent in zip(order.lines, variables["lineItems"], strict=True):
            assert sent["variantId"] == found[export.line_key(line)].gid
        for kind in ("shippingAddress", "billingAddress"):
            address = variables.get(kind, {})
            assert all(isinstance(v, str) and v == v.strip() and v for v in address.values())


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("{{ notes * 10**11 }}", "may not use the ** operator"),
        ("{{ (notes ~ notes) * 100000 }}", "'*' may build at most 10000 characters or items"),
        ("{{ notes|center(1000000000) }}", "may not use the filter 'center'"),
        ('{{ "%900000000s" % notes }}', "may not use the % operator"),
        ('{{ "{:>900000000}".format(notes) }}', "may not use calls such as range()"),
        ("{% for i in range(9999) %}{% for j in range(9999) %}{{ notes }}{% endfor %}"
         "{% endfor %}", "may not use {% for %} loops"),
        ("{% set x = notes ~ notes %}{% set x = x ~ x %}{{ x }}", "may not use {% set %}"),
        ("{{ 1 / 0 }}", "cannot be rendered (ZeroDivisionError"),
    ],
)  # fmt: skip
def test_a_note_template_that_could_not_render_is_refused_not_raised(
    template: str, reason: str
) -> None:
    """The note is text: before its grammar was kept to fields, {% if %} and a few filters,
    these templates built gigabytes in the worker (or raised ZeroDivisionError out of the
    settings' validation); each is now refused with the reason."""
    with pytest.raises(SettingsError) as caught:
        TenantSettings().set_path("orders.note_template", template)
    assert reason in str(caught.value)


@pytest.mark.parametrize(
    "template",
    [
        "{{ notes | upper }}{% if po_number %} (PO {{ po_number|trim }}){% endif %}",
        '{{ company|default("?", true) }} {{ "-" * 40 }} {{ notes[:20]|title }}',
        "{{ ship_start ~ ' to ' ~ ship_end if ship_start else 'no window' }}",
    ],
)
def test_a_note_template_with_fields_conditions_and_text_filters_is_kept(template: str) -> None:
    configured = TenantSettings().set_path("orders.note_template", template)
    assert configured.orders.note_template == template


TEMPLATE_PARTS = [
    "text ",
    "{{ notes }}",
    "{{ po_number|upper }}",
    "{{ notes[2] }}",
    "{{ 1 / (notes|length) }}",
    "{{ (notes|int) * 3 }}",
    "{{ notes * 20000 }}",
    "{{ notes|center(5) }}",
    "{{ ship_start ~ ship_end }}",
    "{% if notes %}",
    "{% else %}",
    "{% endif %}",
    "{% for x in notes %}",
    "{% endfor %}",
    "{{ '%s' % notes }}",
    "{{",
    "}}",
]


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(
    template=st.lists(st.sampled_from(TEMPLATE_PARTS), min_size=1, max_size=6).map("".join),
    order=hub_orders(),
)
def test_a_note_template_is_refused_with_a_reason_or_renders_every_order(
    template: str, order: Order
) -> None:
    try:
        configured = TenantSettings().set_path("orders.note_template", template)
    except SettingsError as exc:
        assert "orders.note_template" in str(exc)
        return
    text = export.note(order, configured)
    if isinstance(text, export.Problem):
        check_refusal(text, {"INVALID_SETTING"})
    else:
        assert len(text) <= 10 * (len(template) + 200)  # text, never something huge


def _user_errors() -> list[dict[str, Any]]:
    """Every non-empty userErrors list in the order captures, each wrapped in an object."""
    folder = shared_path("shopify", "graphql", "orders")
    return [
        {"userErrors": errors}
        for path in sorted(folder.glob("*.json"))
        for errors in find_values(json.loads(path.read_text()), "userErrors")
        if isinstance(errors, list)
    ]


def _check_user_errors(errors: Any) -> None:
    listed = errors if isinstance(errors, list) else []
    problem = export.user_error_problem(listed)
    check_refusal(problem, {"SHOPIFY_USER_ERROR"})
    for error in listed:
        said = error.get("message") if isinstance(error, Mapping) else None
        if isinstance(said, str) and said.strip():
            assert said.strip() in problem.message  # Shopify's words are kept


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(payload=mutated(_user_errors()))
def test_mutated_captured_user_errors_become_shopify_user_error(payload: dict[str, Any]) -> None:
    _check_user_errors(payload.get("userErrors"))


@settings(max_examples=200)
@given(errors=st.lists(JSON_VALUES, max_size=4))
@example(errors=[{"field": 7, "message": "x"}]).via("a field that is not a list")
@example(errors=["Quantity is invalid"]).via("an error that is not an object")
def test_arbitrary_user_errors_become_shopify_user_error(errors: list[Any]) -> None:
    _check_user_errors(errors)
