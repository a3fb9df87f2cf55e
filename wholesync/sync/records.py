"""What the mappers produce: immutable, plain records of Shopify data in the hub's terms.

The mappers turn one Shopify node into exactly one of a record (``ProductRecord``,
``CustomerRecord``, ``StockRecord``, ``OrderRecord``), an :class:`Archive` ("archive this in the
hub if it is known there"), a :class:`Skipped` (deliberately left out, with the reason) or a
:class:`Rejection` (a bad record, with a catalogue code and a fix-it message).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

Entity = Literal["product", "customer", "inventory", "order"]


@dataclass(frozen=True, slots=True)
class OptionRecord:
    name: str
    position: int
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ImageRecord:
    url: str
    alt: str | None
    position: int
    # Set in the "variant" image mode: the UPC of the variant the image belongs to.
    variant_upc: str | None


@dataclass(frozen=True, slots=True)
class VariantRecord:
    shopify_gid: str
    upc: str
    sku: str | None
    barcode: str | None
    title: str
    option_values: Mapping[str, str]
    position: int
    retail_price: Decimal
    wholesale_price: Decimal | None
    weight: Decimal | None
    weight_unit: str | None
    inventory_item_gid: str | None
    image_url: str | None
    custom_fields: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ProductRecord:
    shopify_gid: str
    updated_at: datetime
    title: str
    handle: str
    description_html: str
    vendor: str
    product_type: str
    status: Literal["active", "archived"]
    online_store_url: str | None
    tags: tuple[str, ...]
    prebook: bool
    available_from: date | None
    available_to: date | None
    options: tuple[OptionRecord, ...]
    images: tuple[ImageRecord, ...]
    collections: tuple[str, ...]
    custom_fields: Mapping[str, Any]
    variants: tuple[VariantRecord, ...]


@dataclass(frozen=True, slots=True)
class AddressRecord:
    kind: Literal["billing", "shipping"]
    is_default: bool
    company: str | None
    first_name: str | None
    last_name: str | None
    address1: str | None
    address2: str | None
    city: str | None
    province: str | None
    province_code: str | None
    country: str | None
    country_code: str | None
    zip: str | None
    phone: str | None


@dataclass(frozen=True, slots=True)
class BuyerRecord:
    code: str
    first_name: str | None
    last_name: str | None
    email: str


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    shopify_gid: str
    updated_at: datetime
    customer_code: str
    company: str | None
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    tags: tuple[str, ...]
    active: bool
    custom_fields: Mapping[str, Any]
    addresses: tuple[AddressRecord, ...]
    buyer: BuyerRecord | None


@dataclass(frozen=True, slots=True)
class StockRecord:
    inventory_item_gid: str
    upc: str
    location_gid: str
    warehouse_code: str
    ats: int
    incoming: int
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class OrderCustomerRecord:
    """The Shopify customer of an online order: enough to find or create the hub customer."""

    shopify_gid: str
    customer_code: str
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    company: str | None


@dataclass(frozen=True, slots=True)
class OrderLineRecord:
    shopify_gid: str | None
    # The tenant's variant key (upc_key) of the line's variant: how the hub variant is found.
    # A line without one, or whose key the hub does not know, stays a custom line.
    upc: str | None
    sku: str | None
    title: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class ErpStamp:
    """The tenant's ERP hand-off defaults, stamped on an order when it is first imported."""

    payment_terms: str | None
    sales_rep: str | None
    division: str | None
    order_type: str | None
    tax_schedule: str | None
    hold_code: str | None


@dataclass(frozen=True, slots=True)
class OrderRecord:
    shopify_gid: str
    updated_at: datetime
    name: str
    status: Literal["processed", "cancelled"]
    cancelled_at: datetime | None
    cancel_reason: str | None
    email: str | None
    po_number: str | None
    currency: str
    note: str | None
    # MailingAddress fields in the hub's snake_case keys (see hub.customers.ADDRESS_FIELDS).
    shipping_address: Mapping[str, str | None] | None
    billing_address: Mapping[str, str | None] | None
    customer: OrderCustomerRecord | None
    lines: tuple[OrderLineRecord, ...]
    erp: ErpStamp
    # Tags starting "ws-": the loader skips the order if one is a hub order's export key.
    export_tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Skipped:
    """A Shopify record Wholesync leaves out on purpose (e.g. an order it exported itself)."""

    entity: Entity
    shopify_gid: str
    key: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class Archive:
    """Archive the hub's copy of this Shopify record if there is one; never delete it."""

    entity: Entity
    shopify_gid: str
    reason: Literal["untagged", "deleted", "inactive"]


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record that cannot be synced; ``code`` is from :mod:`wholesync.sync.errors`."""

    entity: Entity
    shopify_gid: str | None
    key: str | None
    code: str
    message: str
