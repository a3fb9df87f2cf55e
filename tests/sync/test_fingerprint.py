"""Fingerprints and diffs: stable where they must be, sensitive where they must be."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from types import MappingProxyType

from wholesync.shopify.bulk_jsonl import BulkObject
from wholesync.sync.diff import field_diff
from wholesync.sync.fingerprint import (
    fingerprint,
    joined,
    mapped_part,
    settings_salt,
    source_digest,
    source_part,
    stored,
)
from wholesync.sync.records import StockRecord, VariantRecord


def variant() -> VariantRecord:
    return VariantRecord(
        shopify_gid="gid://shopify/ProductVariant/1",
        upc="SKU-1",
        sku="SKU-1",
        barcode=None,
        title="M",
        option_values={"Size": "M", "Color": "Navy"},
        position=1,
        retail_price=Decimal("68.00"),
        wholesale_price=Decimal("34"),
        weight=None,
        weight_unit=None,
        inventory_item_gid=None,
        image_url=None,
        custom_fields={},
    )


def test_equal_records_digest_alike() -> None:
    assert fingerprint(variant()) == fingerprint(variant())
    # Decimal precision and mapping order or type are not changes.
    assert fingerprint(replace(variant(), retail_price=Decimal("68"))) == fingerprint(variant())
    reordered = MappingProxyType({"Color": "Navy", "Size": "M"})
    assert fingerprint(replace(variant(), option_values=reordered)) == fingerprint(variant())


def test_any_mapped_change_changes_the_digest() -> None:
    assert fingerprint(replace(variant(), retail_price=Decimal("68.01"))) != fingerprint(variant())
    assert fingerprint(replace(variant(), custom_fields={"season": "SS26"})) != fingerprint(
        variant()
    )
    assert fingerprint(replace(variant(), barcode="")) != fingerprint(variant())


def test_updated_at_is_not_part_of_the_digest() -> None:
    stock = StockRecord(
        "gid://shopify/InventoryItem/1",
        "SKU-1",
        "gid://shopify/Location/1",
        "MAIN",
        5,
        0,
        datetime(2026, 1, 1, tzinfo=UTC),
    )
    later = replace(stock, updated_at=datetime(2026, 2, 1, tzinfo=UTC))
    assert fingerprint(stock) == fingerprint(later)
    assert fingerprint(stock) != fingerprint(replace(stock, ats=6))


def test_source_digest_depends_on_the_settings() -> None:
    node = {"id": "gid://shopify/Product/1", "title": "Tee"}
    one, other = settings_salt({"image_mode": "product"}), settings_salt({"image_mode": "variant"})
    assert source_digest(node, one) == source_digest(dict(node), one)
    assert source_digest(node, one) != source_digest(node, other)
    kept = stored("a" * 32, "b" * 32)
    assert (mapped_part(kept), source_part(kept)) == ("a" * 32, "b" * 32)
    assert source_part(stored("a" * 32, None)) is None


def test_field_diff_is_flat_and_normalised() -> None:
    old = {"title": "Tee", "price": Decimal("10.00"), "variants": {"S": {"price": Decimal("5")}}}
    new = {
        "title": "Tee",
        "price": Decimal("10"),
        "variants": {"S": {"price": Decimal("6")}},
        "available_from": date(2027, 1, 15),
        "tags": [],
    }
    assert field_diff(old, new) == {
        "available_from": [None, "2027-01-15"],
        "variants.S.price": ["5", "6"],
    }
    assert field_diff(None, {"title": "Tee"}) == {"title": [None, "Tee"]}


def test_a_bulk_node_digests_its_raw_lines_and_what_is_joined_onto_it() -> None:
    salt = settings_salt({})
    node = BulkObject({"id": "gid://shopify/Product/1", "title": "Tee"}, "f" * 32)
    same = BulkObject(dict(node), "f" * 32)
    assert source_digest(node, salt) == source_digest(same, salt)
    assert source_digest(node, salt) != source_digest(BulkObject(node, "e" * 32), salt)
    tagged = joined(node, "collections", [{"id": "gid://shopify/Collection/1"}])
    moved = joined(node, "collections", [{"id": "gid://shopify/Collection/2"}])
    assert (
        tagged["collections"] == [{"id": "gid://shopify/Collection/1"}]
        and "collections" not in node
    )
    assert len({source_digest(n, salt) for n in (node, tagged, moved)}) == 3
    assert joined({"id": "x"}, "collections", []) == {"id": "x", "collections": []}
