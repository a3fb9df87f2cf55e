"""Request and response bodies of the order routes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from wholesync.hub.customers import ADDRESS_FIELDS
from wholesync.hub.models import ErpStatus, Order, OrderLine, OrderOrigin, OrderStatus

from .paging import Page
from .types import Currency, Email, Id, LongText, Text16, Text32, Text64, Text100, Text255

Price = Annotated[
    Decimal, Field(ge=0, le=Decimal("9999999999.99"), max_digits=12, decimal_places=2)
]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddressIn(_Input):
    company: Text255 | None = None
    first_name: Text255 | None = None
    last_name: Text255 | None = None
    address1: Text255 | None = None
    address2: Text255 | None = None
    city: Text255 | None = None
    province: Text255 | None = None
    province_code: Text16 | None = None
    country: Text255 | None = None
    country_code: Text16 | None = None
    zip: Text32 | None = None
    phone: Text64 | None = None


class Address(BaseModel):
    """An address as stored (imported ones may carry longer values than the API accepts)."""

    company: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province: str | None = None
    province_code: str | None = None
    country: str | None = None
    country_code: str | None = None
    zip: str | None = None
    phone: str | None = None

    @classmethod
    def of(cls, stored: dict[str, Any] | None) -> Address | None:
        if stored is None:
            return None
        return cls(**{k: str(v) for k in ADDRESS_FIELDS if (v := stored.get(k)) is not None})


class LineIn(_Input):
    """One line: the variant by the tenant's key (``upc``: SKU, barcode or variant id, as the
    tenant's upc_key setting says) or by hub ``variant_id``."""

    upc: Text255 | None = Field(None, min_length=1)
    variant_id: Id | None = None
    quantity: int = Field(ge=1, le=1_000_000)
    unit_price: Price | None = Field(
        None, description="Defaults to the variant's wholesale price, else its retail price."
    )

    @model_validator(mode="after")
    def _one_key(self) -> Self:
        if (self.upc is None) == (self.variant_id is None):
            raise ValueError("give exactly one of upc and variant_id")
        return self


class NewCustomer(_Input):
    """A customer the hub does not know yet; it is linked before the order is submitted."""

    company: Text255 | None = None
    name: Text255 | None = None
    email: Email | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not (self.company or self.name or self.email):
            raise ValueError("give the new customer's company, name or email")
        return self


class NamedCustomer(BaseModel):
    """The new customer an order names until it is linked to a hub customer."""

    company: str | None
    name: str | None
    email: str | None


class OrderFields(_Input):
    customer_id: Id | None = Field(None, description="A hub customer, by id.")
    customer_code: Text100 | None = Field(None, description="A hub customer, by code.")
    buyer_id: Id | None = Field(None, description="A buyer of the order's customer.")
    new_customer: NewCustomer | None = None
    lines: list[LineIn] | None = Field(None, max_length=1000)
    po_number: Text100 | None = None
    ship_start: date | None = None
    ship_complete: date | None = None
    payment_terms: Text100 | None = None
    shipping_method: Text100 | None = None
    notes: LongText | None = None
    sales_rep: Text255 | None = None
    linesheet: Text255 | None = None
    email: Email | None = None
    operator_comment: LongText | None = None
    shipping_address: AddressIn | None = None
    billing_address: AddressIn | None = None

    @model_validator(mode="after")
    def _one_customer(self) -> Self:
        given = [self.customer_id, self.customer_code, self.new_customer]
        if sum(value is not None for value in given) > 1:
            raise ValueError("give at most one of customer_id, customer_code and new_customer")
        return self


class OrderCreate(OrderFields):
    """A new draft. Everything may come later, but submitting needs a linked customer, lines
    and a shipping address (a linked customer's default addresses are filled in)."""

    currency: Currency = "USD"


class OrderPatch(OrderFields):
    """Fields to change; absent ones are kept. ``lines`` replaces all lines."""

    currency: Currency | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> Self:
        nulled = [
            name
            for name in ("customer_id", "customer_code", "currency", "lines")
            if name in self.model_fields_set and getattr(self, name) is None
        ]
        if nulled:
            raise ValueError(f"{', '.join(nulled)} cannot be null; leave them out to keep them")
        return self


class Line(BaseModel):
    id: int
    position: int
    variant_id: int | None
    upc: str | None
    sku: str | None
    title: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal

    @classmethod
    def of(cls, line: OrderLine) -> Line:
        return cls(
            id=line.id,
            position=line.position,
            variant_id=line.variant_id,
            upc=line.upc,
            sku=line.sku,
            title=line.title,
            quantity=line.quantity,
            unit_price=line.unit_price,
            line_total=line.unit_price * line.quantity,
        )


class ShopifyExport(BaseModel):
    kind: str | None = Field(description="order or draft_order")
    gid: str | None
    name: str | None
    exported_at: datetime | None
    export_key: str | None = Field(description="Sent as sourceIdentifier and as a tag.")
    previous_exports: list[dict[str, Any]]


class OrderOut(BaseModel):
    id: int
    number: str
    origin: OrderOrigin
    status: OrderStatus
    customer_id: int | None
    buyer_id: int | None
    new_customer: NamedCustomer | None
    po_number: str | None
    currency: str
    ship_start: date | None
    ship_complete: date | None
    payment_terms: str | None
    shipping_method: str | None
    notes: str | None
    sales_rep: str | None
    linesheet: str | None
    email: str | None
    operator_comment: str | None
    shipping_address: Address | None
    billing_address: Address | None
    division: str | None
    order_type: str | None
    tax_schedule: str | None
    hold_code: str | None
    erp_status: ErpStatus | None
    erp_message: str | None
    erp_updated_at: datetime | None
    shopify: ShopifyExport
    modified_after_export: bool
    error_code: str | None
    error_message: str | None
    submitted_at: datetime | None
    approved_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime
    total: Decimal
    lines: list[Line]

    @classmethod
    def of(cls, order: Order) -> OrderOut:
        lines = [Line.of(line) for line in order.lines]
        named = (order.new_customer_company, order.new_customer_name, order.new_customer_email)
        plain = {
            name: getattr(order, name)
            for name in cls.model_fields
            if name not in ("new_customer", "shopify", "total", "lines")
            and not name.endswith("_address")
        }
        return cls(
            **plain,
            new_customer=NamedCustomer(company=named[0], name=named[1], email=named[2])
            if any(named)
            else None,
            shipping_address=Address.of(order.shipping_address),
            billing_address=Address.of(order.billing_address),
            shopify=ShopifyExport(
                kind=order.shopify_kind,
                gid=order.shopify_order_gid,
                name=order.shopify_order_name,
                exported_at=order.exported_at,
                export_key=order.export_key,
                previous_exports=order.previous_exports,
            ),
            total=sum((line.line_total for line in lines), Decimal("0.00")),
            lines=lines,
        )


class OrderPage(Page[OrderOut]):
    pass


class TransitionIn(_Input):
    to: Literal["draft", "pending", "in_review", "approved", "cancelled"]
    reason: Text255 | None = Field(None, description="Kept as the cancel reason.")


class ReexportIn(_Input):
    confirm_previous_cancelled: bool = Field(
        False, description="Required true for a processed order: its Shopify order is cancelled."
    )


class JobOut(BaseModel):
    id: int
    status: str


class ExportOut(BaseModel):
    order: OrderOut
    job: JobOut


class ErpStatusIn(_Input):
    status: Literal["imported", "failed"]
    message: LongText | None = Field(None, description="Required when status is failed.")
