"""The order mapper, without network or database: Shopify's documented orders/create example
(converted to the GraphQL node the drain fetches), exported orders, line matching by the
tenant's key, addresses, cancellations, ERP defaults and bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
import pytest

from tests.conftest import shared_path
from tests.sync.order_nodes import customer_node, line_node, node_from_rest, order_node, variant_ref
from wholesync.runtime.inbox_processing import _sort
from wholesync.runtime.models import InboxEntry
from wholesync.sync.map_orders import map_order
from wholesync.sync.records import Archive, OrderRecord, Rejection, Skipped
from wholesync.sync.settings import TenantSettings

DEFAULTS = TenantSettings()


def example(topic: str) -> dict[str, Any]:
    path = shared_path("shopify", "webhooks", *topic.split("/"), "docs_example_2026-01.json")
    body: dict[str, Any] = orjson.loads(path.read_bytes())["response"]
    return body


def mapped(node: Any, settings: TenantSettings = DEFAULTS) -> OrderRecord:
    record = map_order(node, settings)
    assert isinstance(record, OrderRecord), record
    return record


def test_the_documented_orders_create_example_maps_whole() -> None:
    record = mapped(node_from_rest(example("orders/create")))
    assert record.shopify_gid == "gid://shopify/Order/820982911946154508"
    assert (record.name, record.currency, record.email) == ("#9999", "USD", "jon@example.com")
    # The example is a cancelled (voided) order.
    assert record.status == "cancelled"
    assert record.cancelled_at == datetime(2022, 1, 1, 0, 0, tzinfo=UTC)
    assert record.cancel_reason == "customer"
    assert record.shipping_address is not None
    assert record.shipping_address["address2"] is None
    assert record.shipping_address["company"] == "Shipping Company"
    assert record.shipping_address["country_code"] == "US"
    customer = record.customer
    assert customer is not None
    # The exact id, from admin_graphql_api_id (the numeric id was rounded).
    assert customer.customer_code == "115310627314723954"
    assert customer.email == "john@example.com"
    assert [(line.sku, line.upc, line.quantity, line.unit_price) for line in record.lines][:2] == [
        ("SKU2006-001", "SKU2006-001", 1, Decimal("89.99")),
        ("LENS-PROTECT-2YR", "LENS-PROTECT-2YR", 1, Decimal("19.99")),
    ]
    assert len(record.lines) == 5


def test_the_webhook_body_names_the_order_by_its_exact_gid() -> None:
    bodies = [example(f"orders/{topic}") for topic in ("create", "updated", "cancelled")]
    assert len({body["id"] for body in bodies}) == 1
    topics = ("create", "updated", "cancelled")
    entries = [
        InboxEntry(id=n, topic=f"orders/{topic}", body=orjson.dumps(body))
        for n, (topic, body) in enumerate(zip(topics, bodies, strict=True))
    ]
    batch = _sort(entries, DEFAULTS)
    # All three name one order: fetched once, by the exact id (the numeric one was rounded).
    assert list(batch.fetch["orders_import"]) == ["gid://shopify/Order/820982911946154508"]
    assert batch.rows["orders_import"] == [0, 1, 2]
    assert not batch.ignored and not batch.invalid


def test_an_online_order_keeps_note_addresses_and_lines() -> None:
    record = mapped(order_node())
    assert (record.status, record.note, record.cancelled_at) == (
        "processed",
        "Leave at the back door",
        None,
    )
    assert record.shipping_address is not None and record.billing_address is not None
    assert record.shipping_address["address2"] == "Unit 4B"
    assert record.billing_address["address2"] is None
    assert record.shipping_address["address1"] == "12 Quay Street"
    shirt, wrap = record.lines
    assert (shirt.upc, shirt.title, shirt.quantity, shirt.unit_price) == (
        "HLS100-NAV-M",
        "Harbor Linen Shirt - Navy / M",
        2,
        Decimal("68.00"),
    )
    assert (wrap.upc, wrap.sku, wrap.title) == ("GIFT-WRAP", "GIFT-WRAP", "Gift wrap")
    assert record.customer is not None and record.customer.customer_code == "77"


@pytest.mark.parametrize(
    ("key", "expected"),
    [("sku", "HLS100-NAV-M"), ("barcode", "012345678905"), ("variant_id", "11")],
)
def test_lines_are_matched_on_the_tenants_variant_key(key: str, expected: str) -> None:
    settings = DEFAULTS.set_path("upc_key", key)
    shirt, wrap = mapped(order_node(), settings).lines
    assert shirt.upc == expected
    # A line without a variant can only match on its SKU.
    assert wrap.upc == ("GIFT-WRAP" if key == "sku" else None)


def test_the_customer_code_comes_from_the_metafield_when_set() -> None:
    code = {"namespace": "wholesync", "key": "customer_code", "value": "HARBOR-01"}
    node = order_node(customer=customer_node(metafields=[code]))
    customer = mapped(node).customer
    assert customer is not None and customer.customer_code == "HARBOR-01"
    guest = mapped(order_node(customer=None))
    assert guest.customer is None


def test_erp_defaults_are_stamped() -> None:
    settings = DEFAULTS.set_path(
        "erp_defaults", '{"payment_terms": "Prepaid", "division": "WEB", "hold_code": "H1"}'
    )
    erp = mapped(order_node(), settings).erp
    assert (erp.payment_terms, erp.division, erp.hold_code, erp.sales_rep) == (
        "Prepaid",
        "WEB",
        "H1",
        None,
    )


def test_a_cancelled_order_is_cancelled_with_its_reason() -> None:
    node = order_node(cancelledAt="2026-07-02T08:00:00Z", cancelReason="INVENTORY")
    record = mapped(node)
    assert (record.status, record.cancel_reason) == ("cancelled", "inventory")
    assert record.cancelled_at == datetime(2026, 7, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "fields",
    [
        {"sourceIdentifier": "ws-0123456789abcdef", "tags": ["ws-0123456789abcdef", "wholesale"]},
        {"sourceIdentifier": "ws-anything"},
        {"tags": ["wholesale", "ws-0123456789abcdef"]},
    ],
)
def test_an_order_wholesync_exported_is_not_imported_back(fields: dict[str, Any]) -> None:
    item = map_order(order_node(**fields), DEFAULTS)
    assert isinstance(item, Skipped)
    assert item.key == "#1001" and "not imported back" in item.reason


def test_other_ws_tags_are_left_for_the_loader_to_check() -> None:
    record = mapped(order_node(tags=["ws-promo", "vip"], sourceIdentifier="checkout"))
    assert record.export_tags == ("ws-promo",)


def test_an_order_shopify_no_longer_finds_is_a_tombstone() -> None:
    gid = "gid://shopify/Order/5001"
    assert map_order({"id": gid}, DEFAULTS) == Archive("order", gid, "deleted")


@pytest.mark.parametrize(
    ("node", "code", "words"),
    [
        ([], "INVALID_PAYLOAD", "must be a JSON object"),
        (order_node(id=None), "INVALID_PAYLOAD", "has no id"),
        (order_node(updatedAt="yesterday"), "INVALID_PAYLOAD", "no valid updatedAt"),
        (order_node(currencyCode=None), "MISSING_REQUIRED_FIELD", "has no currency"),
        (order_node(cancelledAt="soon"), "INVALID_PAYLOAD", "invalid cancelledAt"),
        (
            order_node(lines=[line_node(1, "A", None, quantity="two")]),
            "INVALID_PAYLOAD",
            "Line 1 of Order #1001 has the quantity 'two'",
        ),
        (
            order_node(
                lines=[line_node(1, "A", None, discountedUnitPriceAfterAllDiscountsSet=None)]
            ),
            "MISSING_REQUIRED_FIELD",
            "Line 1 of Order #1001 has no valid unit price",
        ),
        (
            order_node(lineItems={"nodes": [], "pageInfo": {"hasNextPage": True}}),
            "INVALID_PAYLOAD",
            "more lines than one page holds",
        ),
        (order_node(name=None), "MISSING_REQUIRED_FIELD", "has no name"),
    ],
)
def test_bad_input_is_a_rejection_with_a_fix(node: Any, code: str, words: str) -> None:
    item = map_order(node, DEFAULTS)
    assert isinstance(item, Rejection), item
    assert item.code == code and words in item.message, item.message


def test_variant_refs_without_a_key_stay_custom_lines() -> None:
    node = order_node(lines=[line_node(1, None, variant_ref(11, None))])
    (line,) = mapped(node).lines
    assert (line.upc, line.sku) == (None, None)
