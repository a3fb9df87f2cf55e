"""Merchant-side order actions on the control API: a shopper's online checkout, cancelling an
order from the admin, and the ``orders`` state listing."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, model_validator

from wholesync.simulator.control import ControlError, inspector, merchant_action
from wholesync.simulator.ids import gid
from wholesync.simulator.orders.create import place
from wholesync.simulator.orders.input import InputProblem, read_order
from wholesync.simulator.orders.orders import cancel_order, cancel_problem, find_order
from wholesync.simulator.orders.records import order_line_items
from wholesync.simulator.registry import Context
from wholesync.simulator.store import Record, Shop


class OnlineLine(BaseModel):
    sku: str | None = None
    variantId: str | None = None
    quantity: int = Field(1, ge=1, le=100_000)

    model_config = {"extra": "forbid"}

    @model_validator(mode="after")
    def _one_key(self) -> OnlineLine:
        if (self.sku is None) == (self.variantId is None):
            raise ValueError("give exactly one of sku or variantId")
        return self


class AddressIn(BaseModel):
    """A ``MailingAddressInput`` as JSON."""

    firstName: str | None = None
    lastName: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province: str | None = None
    provinceCode: str | None = None
    country: str | None = None
    countryCode: str | None = None
    zip: str | None = None
    phone: str | None = None

    model_config = {"extra": "forbid"}


class OnlineOrder(BaseModel):
    """Body of ``POST /orders``: what a shopper puts in the cart and checks out with."""

    lineItems: list[OnlineLine] = Field(min_length=1, max_length=250)
    email: str | None = None
    customerId: str | None = None
    shippingAddress: AddressIn | None = None
    note: str | None = None

    model_config = {"extra": "forbid"}


class CancelBody(BaseModel):
    reason: str = Field("CUSTOMER", pattern="^(CUSTOMER|DECLINED|FRAUD|INVENTORY|STAFF|OTHER)$")
    restock: bool = True
    refund: bool = True
    staffNote: str | None = None

    model_config = {"extra": "forbid"}


def order_summary(shop: Shop, order: Record) -> dict[str, Any]:
    return {
        "id": order["id"],
        "name": order["name"],
        "email": order["email"],
        "createdAt": order["createdAt"],
        "updatedAt": order["updatedAt"],
        "cancelledAt": order["cancelledAt"],
        "closed": order["closed"],
        "sourceName": order["sourceName"],
        "sourceIdentifier": order["sourceIdentifier"],
        "tags": order["tags"],
        "displayFinancialStatus": order["displayFinancialStatus"],
        "displayFulfillmentStatus": order["displayFulfillmentStatus"],
        "totalPrice": order["totalPriceSet"]["shopMoney"]["amount"],
        "currencyCode": order["currencyCode"],
        "customerId": gid("Customer", order["_customer"]) if order["_customer"] else None,
        "lineItems": [
            {
                "id": li["id"],
                "sku": li["sku"],
                "title": li["name"],
                "quantity": li["quantity"],
                "fulfillableQuantity": li["fulfillableQuantity"],
            }
            for li in order_line_items(shop, order)
        ],
        "fulfillmentOrders": [gid("FulfillmentOrder", n) for n in order["_fulfillment_orders"]],
    }


def _variant_gid(shop: Shop, line: OnlineLine) -> str:
    if line.variantId is not None:
        value = line.variantId
        return gid("ProductVariant", int(value)) if value.isdigit() else value
    for number, variant in shop.variants.items():
        if variant.get("sku") == line.sku:
            return gid("ProductVariant", number)
    raise ControlError(422, "UNKNOWN_SKU", f"No variant has the SKU {line.sku!r}.")


@merchant_action("POST", "/orders")
def online_order(context: Context, params: dict[str, str], body: dict[str, Any]) -> Any:
    """A shopper checks out on the online store: stock is claimed and the order is paid."""
    shop = context.shop
    cart = OnlineOrder.model_validate(body)
    customer = cart.customerId
    address = cart.shippingAddress.model_dump() if cart.shippingAddress else None
    if customer is not None and not customer.startswith("gid://"):
        customer = gid("Customer", int(customer)) if customer.isdigit() else customer
    given: dict[str, Any] = {
        "lineItems": [
            {"variantId": _variant_gid(shop, line), "quantity": line.quantity}
            for line in cart.lineItems
        ],
        "email": cart.email,
        "note": cart.note,
        "shippingAddress": address,
        "billingAddress": address,
        "sourceName": "web",
        "financialStatus": "PAID",
    }
    if customer is not None:
        given["customerId"] = customer
    try:
        spec = read_order(
            shop, given, {"inventoryBehaviour": "DECREMENT_OBEYING_POLICY"}, "2026-07"
        )
        spec.gateway = "shopify_payments"
        order = place(context, spec)
    except InputProblem as problem:
        error = problem.error
        status = 409 if error["code"] == "INVENTORY_CLAIM_FAILED" else 422
        raise ControlError(status, error["code"], error["message"]) from problem
    return order_summary(shop, order)


@merchant_action("POST", "/orders/{id}/cancel")
def merchant_cancel(context: Context, params: dict[str, str], body: dict[str, Any]) -> Any:
    """The merchant cancels an order in the admin."""
    shop = context.shop
    request = CancelBody.model_validate(body)
    value = params["id"]
    order = find_order(shop, gid("Order", int(value)) if value.isdigit() else value)
    problem = cancel_problem(order, shop)
    if problem is not None or order is None:
        message, code = problem or ("Order does not exist", "NOT_FOUND")
        raise ControlError(404 if code == "NOT_FOUND" else 409, code, message)
    cancel_order(context, order, request.reason, request.restock, request.refund, request.staffNote)
    return order_summary(shop, order)


@inspector("orders")
def list_orders(shop: Shop) -> list[dict[str, Any]]:
    return [order_summary(shop, order) for order in shop.orders.values()]
