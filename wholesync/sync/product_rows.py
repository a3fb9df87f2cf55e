"""Product records as hub rows, and both as "views" for field-level diffs.

The column lists below are the single place that says what a product sync writes: rows are
built from them, and the diff view reads the same columns back, so a preview shows every
change a real run would make.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, Update, bindparam, update

from wholesync.sync.fingerprint import to_plain
from wholesync.sync.records import ImageRecord, ProductRecord, VariantRecord

PRODUCT_COLUMNS = (
    "title",
    "handle",
    "description_html",
    "vendor",
    "product_type",
    "online_store_url",
    "status",
    "tags",
    "collections",
    "options",
    "custom_fields",
    "prebook",
    "available_from",
    "available_to",
)
VARIANT_COLUMNS = (
    "upc",
    "sku",
    "barcode",
    "title",
    "option_values",
    "position",
    "retail_price",
    "wholesale_price",
    "weight",
    "weight_unit",
    "image_url",
    "custom_fields",
)
IMAGE_COLUMNS = ("url", "alt", "position")
# Column orders of the tuples built for inserts (the hot path of a full import).
VARIANT_INSERT = (
    "tenant_id",
    "product_id",
    *VARIANT_COLUMNS,
    "archived_at",
    "created_at",
    "updated_at",
)
IMAGE_INSERT = ("tenant_id", "product_id", "variant_id", *IMAGE_COLUMNS, "created_at", "updated_at")


def _fields(value: Mapping[str, Any]) -> Any:
    # Custom fields are JMESPath results (any JSON, Decimals from prices); most are empty.
    return to_plain(value) if value else {}


def product_values(record: ProductRecord) -> dict[str, Any]:
    """The product's columns (without ids, tenant or timestamps)."""
    return {
        "title": record.title,
        "handle": record.handle,
        "description_html": record.description_html,
        "vendor": record.vendor,
        "product_type": record.product_type,
        "online_store_url": record.online_store_url,
        "status": record.status,
        "tags": list(record.tags),
        "collections": list(record.collections),
        "options": [
            {"name": o.name, "position": o.position, "values": list(o.values)}
            for o in record.options
        ],
        "custom_fields": _fields(record.custom_fields),
        "prebook": record.prebook,
        "available_from": record.available_from,
        "available_to": record.available_to,
    }


def variant_values(variant: VariantRecord) -> dict[str, Any]:
    return {
        "upc": variant.upc,
        "sku": variant.sku,
        "barcode": variant.barcode,
        "title": variant.title,
        "option_values": dict(variant.option_values),
        "position": variant.position,
        "retail_price": variant.retail_price,
        "wholesale_price": variant.wholesale_price,
        "weight": variant.weight,
        "weight_unit": variant.weight_unit,
        "image_url": variant.image_url,
        "custom_fields": _fields(variant.custom_fields),
    }


def variant_insert(
    variant: VariantRecord, tenant_id: int, product_id: int, now: datetime
) -> tuple[Any, ...]:
    """A new variant row, in ``VARIANT_INSERT`` order."""
    return (
        tenant_id,
        product_id,
        variant.upc,
        variant.sku,
        variant.barcode,
        variant.title,
        variant.option_values,
        variant.position,
        variant.retail_price,
        variant.wholesale_price,
        variant.weight,
        variant.weight_unit,
        variant.image_url,
        _fields(variant.custom_fields),
        None,
        now,
        now,
    )


def image_insert(
    image: ImageRecord, tenant_id: int, product_id: int, variant_id: int | None, now: datetime
) -> tuple[Any, ...]:
    """A new image row, in ``IMAGE_INSERT`` order."""
    return (tenant_id, product_id, variant_id, image.url, image.alt, image.position, now, now)


@dataclass
class HubProduct:
    """A product as the hub holds it: its row, all its variants (archived too), its images."""

    row: dict[str, Any]
    variants: list[dict[str, Any]] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)

    @property
    def archived(self) -> bool:
        return bool(self.row["status"] == "archived")

    def live_variants(self) -> list[dict[str, Any]]:
        return [v for v in self.variants if v["archived_at"] is None]


def record_view(record: ProductRecord) -> dict[str, Any]:
    """What a sync would make the hub hold, in the diff shape."""
    view = product_values(record)
    view["variants"] = {
        v.upc: {k: val for k, val in variant_values(v).items() if k != "upc"}
        for v in record.variants
    }
    view["images"] = [
        {"url": i.url, "alt": i.alt, "position": i.position, "variant_upc": i.variant_upc}
        for i in record.images
    ]
    return view


def hub_view(product: HubProduct) -> dict[str, Any]:
    """What the hub holds, in the diff shape."""
    view = {column: product.row[column] for column in PRODUCT_COLUMNS}
    live = product.live_variants()
    view["variants"] = {
        v["upc"]: {k: v[k] for k in VARIANT_COLUMNS if k != "upc"}
        for v in sorted(live, key=lambda v: v["position"])
    }
    upc_of = {v["id"]: v["upc"] for v in product.variants}
    view["images"] = [
        {
            "url": i["url"],
            "alt": i["alt"],
            "position": i["position"],
            "variant_upc": upc_of.get(i["variant_id"]),
        }
        for i in sorted(product.images, key=lambda i: (i["position"], i["id"]))
    ]
    return view


def stamp(row: dict[str, Any], tenant_id: int, now: datetime) -> dict[str, Any]:
    """Tenant and timestamps for a new row (given explicitly: no per-row default calls)."""
    row["tenant_id"] = tenant_id
    row["created_at"] = now
    row["updated_at"] = now
    return row


def bind(values: Mapping[str, Any], columns: Sequence[str]) -> dict[str, Any]:
    """``{"b_<column>": value}``: parameters for an executemany UPDATE over ``columns``."""
    return {f"b_{column}": values[column] for column in columns}


def update_by_id(table: Table, columns: Sequence[str], now: datetime, *bound: str) -> Update:
    """An executemany UPDATE of ``columns`` and ``bound`` by id that stamps ``updated_at``;
    its parameters are :func:`bind` of the values, plus ``b_<bound>`` and ``b_id``."""
    values: dict[str, Any] = {c: bindparam(f"b_{c}") for c in (*columns, *bound)}
    values["updated_at"] = now
    return update(table).where(table.c.id == bindparam("b_id")).values(values)
