"""Request and response bodies of the shipment routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from wholesync.hub.models import Shipment, ShipmentStatus
from wholesync.hub.shipments import LineRef, ShipmentInput, Tracking

from .paging import Page
from .types import NO_NUL, Id, Text64, Text255

Url = Annotated[str, StringConstraints(max_length=2000, pattern=r"^https?://[^\s\x00]+$")]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TrackingIn(_Input):
    number: Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=NO_NUL)]
    url: Url | None = Field(None, description="The carrier's tracking page for this number.")


class ShipmentLineIn(_Input):
    """A shipped line: the order line by ``order_line_id`` or by variant key (``upc``)."""

    order_line_id: Id | None = None
    upc: Text255 | None = Field(None, min_length=1)
    quantity: int = Field(ge=1, le=1_000_000)

    @model_validator(mode="after")
    def _one_key(self) -> Self:
        if (self.upc is None) == (self.order_line_id is None):
            raise ValueError("give exactly one of order_line_id and upc")
        return self


class ShipmentCreate(_Input):
    """A shipment of one order, by hub id, hub number or Shopify order name."""

    order_id: Id | None = None
    order_number: Text64 | None = Field(None, description="The hub order number, e.g. WS000012.")
    shopify_order_name: Text64 | None = Field(None, description="e.g. #1001")
    external_id: Text255 = Field(
        min_length=1, description="The sender's shipment id: posting it again never ships twice."
    )
    carrier: Text255 | None = Field(None, description="Shown in Shopify as the company.")
    tracking: list[TrackingIn] = Field(min_length=1, max_length=20)
    notify_customer: bool | None = Field(
        None, description="Whether Shopify e-mails the customer; default shipments.notify_customer."
    )
    lines: list[ShipmentLineIn] | None = Field(
        None, max_length=1000, description="Omitted: everything of the order not shipped yet."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        given = [self.order_id, self.order_number, self.shopify_order_name]
        if sum(value is not None for value in given) != 1:
            raise ValueError("give exactly one of order_id, order_number and shopify_order_name")
        with_url = sum(t.url is not None for t in self.tracking)
        if with_url not in (0, len(self.tracking)):
            raise ValueError(
                "give a url for every tracking number or for none (Shopify then links the "
                "carrier's page itself)"
            )
        numbers = [t.number for t in self.tracking]
        if len(set(numbers)) != len(numbers):
            raise ValueError("a tracking number is listed twice")
        return self

    def as_input(self) -> ShipmentInput:
        return ShipmentInput(
            external_id=self.external_id,
            carrier=self.carrier,
            tracking=[Tracking(t.number, t.url) for t in self.tracking],
            notify_customer=self.notify_customer,
            lines=None
            if self.lines is None
            else [LineRef(line.quantity, line.order_line_id, line.upc) for line in self.lines],
        )


class TrackingOut(BaseModel):
    number: str
    url: str | None


class ShipmentLineOut(BaseModel):
    order_line_id: int
    quantity: int


class ShipmentOut(BaseModel):
    id: int
    order_id: int
    external_id: str
    carrier: str | None
    tracking: list[TrackingOut]
    notify_customer: bool | None
    status: ShipmentStatus
    error_code: str | None
    error_message: str | None
    attempted_at: datetime | None
    shopify_fulfillment_gid: str | None
    fulfilled_at: datetime | None
    created_at: datetime
    updated_at: datetime
    lines: list[ShipmentLineOut]

    @classmethod
    def of(cls, shipment: Shipment) -> ShipmentOut:
        plain = {
            name: getattr(shipment, name)
            for name in cls.model_fields
            if name not in ("tracking", "lines")
        }
        return cls(
            **plain,
            tracking=[TrackingOut(number=t["number"], url=t.get("url")) for t in shipment.tracking],
            lines=[
                ShipmentLineOut(order_line_id=line.order_line_id, quantity=line.quantity)
                for line in shipment.lines
            ],
        )


class ShipmentPage(Page[ShipmentOut]):
    pass
