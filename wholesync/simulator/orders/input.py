"""Reading ``OrderCreateOrderInput``: Shopify's validation (first problem wins, with its field
path and code) and the resolved plan of the order to place."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from wholesync.simulator.api.errors import user_error
from wholesync.simulator.catalog.model import DEFAULT_VALUE
from wholesync.simulator.ids import parse_gid
from wholesync.simulator.orders.money import ZERO, Amount, cents, dec, from_bag_input
from wholesync.simulator.store import Record, Shop

Error = dict[str, Any]
CLAMPS_PROCESSED_AT = "2026-07"  # from this version a future processedAt is clamped to now


class InputProblem(Exception):
    """The first problem found in the input, as the userError Shopify answers with."""

    def __init__(self, path: list[Any], message: str, code: str = "INVALID") -> None:
        super().__init__(message)
        self.error = user_error(path, message, code)


@dataclass
class TaxSpec:
    title: str
    rate: Decimal
    price: Amount


@dataclass
class LineSpec:
    title: str
    quantity: int
    unit: Amount
    sku: str | None = None
    vendor: str | None = None
    variant_title: str | None = None
    product_title: str | None = None
    requires_shipping: bool = False
    taxable: bool = True
    gift_card: bool = False
    grams: int = 0
    attributes: list[Record] = field(default_factory=list)
    taxes: list[TaxSpec] = field(default_factory=list)
    variant: int | None = None
    product: int | None = None
    discount: Amount = field(default_factory=Amount)
    location: int | None = None


@dataclass
class ShippingSpec:
    title: str
    price: Amount
    code: str | None = None
    source: str | None = None
    taxes: list[TaxSpec] = field(default_factory=list)
    discount: Amount = field(default_factory=Amount)


@dataclass
class OrderSpec:
    """Everything needed to place an order, already validated."""

    currency: str
    presentment: str
    lines: list[LineSpec]
    email: str | None = None
    phone: str | None = None
    note: str | None = None
    name: str | None = None
    tags: list[str] = field(default_factory=list)
    source_name: str | None = None
    source_identifier: str | None = None
    test: bool = False
    processed_at: str | None = None
    closed_at: str | None = None
    po_number: str | None = None
    customer: int | None = None
    customer_input: Record | None = None
    shipping_address: Record | None = None
    billing_address: Record | None = None
    attributes: list[Record] = field(default_factory=list)
    shipping: list[ShippingSpec] = field(default_factory=list)
    taxes: list[TaxSpec] = field(default_factory=list)
    transactions: list[Record] = field(default_factory=list)
    financial_status: str | None = None
    fulfillment_status: str | None = None
    fulfillment: Record | None = None
    inventory: str = "BYPASS"
    taxes_included: bool = False
    discount_codes: list[str] = field(default_factory=list)
    draft: int | None = None
    gateway: str = "manual"


def number_of(value: Any, type_name: str) -> int | None:
    parsed = parse_gid(value) if isinstance(value, str) else None
    return parsed[1] if parsed and parsed[0] == type_name else None


def _amount(value: Record | None, path: list[Any]) -> Amount | None:
    try:
        return from_bag_input(value)
    except (ValueError, KeyError, TypeError) as exc:
        raise InputProblem(path, "Amount is invalid") from exc


def _rate(value: Any, path: list[Any]) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InputProblem(path, "Tax line rate is missing", "TAX_LINE_RATE_MISSING")
    try:
        return dec(value)
    except ValueError as exc:
        raise InputProblem(path, "Rate is invalid") from exc


def _taxes(
    given: list[Record] | None, base: Amount, path: list[Any], strict: bool
) -> list[TaxSpec]:
    taxes = []
    for index, tax in enumerate(given or []):
        where = [*path, "taxLines", index]
        rate = _rate(tax.get("rate"), [*where, "rate"]) if strict else dec(tax.get("rate") or 0)
        price = _amount(tax.get("priceSet"), [*where, "priceSet"])
        taxes.append(TaxSpec(tax["title"], rate, price or base.times(rate)))
    return taxes


def _future(value: str, now: float) -> bool:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputProblem(["order", "processedAt"], "Processed at is invalid") from exc
    return moment.timestamp() > now


def _variant_line(shop: Shop, given: Record, index: int) -> LineSpec:
    number = number_of(given["variantId"], "ProductVariant")
    variant = shop.variants.get(number) if number is not None else None
    if variant is None:
        raise InputProblem(["order", "lineItems", index, "variantId"], "Variant does not exist")
    product = shop.products.get(variant["_product"], {})
    item = shop.inventory_items.get(variant["_inventory_item"], {})
    price = _amount(given.get("priceSet"), ["order", "lineItems", index, "priceSet"])
    weight = item.get("_weight") or {}
    title = str(product.get("title", variant["title"]))
    return LineSpec(
        title=title,
        product_title=title,
        variant_title=None if variant["title"] == DEFAULT_VALUE else variant["title"],
        quantity=given["quantity"],
        unit=price or Amount.same(cents(dec(variant["price"]))),
        sku=variant["sku"],
        vendor=product.get("vendor"),
        requires_shipping=bool(item.get("requiresShipping", True)),
        taxable=bool(variant.get("taxable", True)),
        grams=_grams(weight),
        variant=number,
        product=variant["_product"],
    )


def _grams(weight: Record | None) -> int:
    if not weight or weight.get("value") is None:
        return 0
    factor = {"KILOGRAMS": 1000, "GRAMS": 1, "POUNDS": 453.592, "OUNCES": 28.3495}
    return round(float(weight["value"]) * factor.get(weight.get("unit", "GRAMS"), 1))


def _custom_line(shop: Shop, given: Record, index: int) -> LineSpec:
    title = (given.get("title") or "").strip()
    if not title:
        raise InputProblem(["order", "lineItems", index, "title"], "Title can't be blank")
    price = _amount(given.get("priceSet"), ["order", "lineItems", index, "priceSet"])
    product = number_of(given.get("productId"), "Product")
    return LineSpec(
        title=title,
        product_title=title,
        variant_title=given.get("variantTitle"),
        quantity=given["quantity"],
        unit=price or Amount(),
        sku=given.get("sku"),
        vendor=given.get("vendor"),
        requires_shipping=bool(given.get("requiresShipping")),
        taxable=bool(given.get("taxable", True)),
        gift_card=bool(given.get("giftCard")),
        grams=_grams(given.get("weight")),
        product=product if product in shop.products else None,
    )


def _line(shop: Shop, given: Record, index: int) -> LineSpec:
    where = ["order", "lineItems", index]
    service = given.get("fulfillmentService")
    if service and service != "manual":
        raise InputProblem(
            [*where, "fulfillmentService"],
            "Fulfillment service is invalid",
            "FULFILLMENT_SERVICE_INVALID",
        )
    if given["quantity"] < 1:
        raise InputProblem([*where, "quantity"], "Quantity must be greater than or equal to 1")
    line = (
        _variant_line(shop, given, index)
        if given.get("variantId")
        else _custom_line(shop, given, index)
    )
    line.attributes = [
        {"key": p["name"], "value": p["value"]} for p in given.get("properties") or []
    ]
    line.taxes = _taxes(given.get("taxLines"), line.unit.times(line.quantity), where, strict=True)
    return line


def _shipping(given: list[Record] | None) -> list[ShippingSpec]:
    lines = []
    for index, shipping in enumerate(given or []):
        where = ["order", "shippingLines", index]
        price = _amount(shipping.get("priceSet"), [*where, "priceSet"]) or Amount()
        lines.append(
            ShippingSpec(
                title=shipping["title"],
                price=price,
                code=shipping.get("code"),
                source=shipping.get("source"),
                taxes=_taxes(shipping.get("taxLines"), price, where, strict=True),
            )
        )
    return lines


def _structure(given: Record, version: str, now: float) -> None:
    """The checks that need no store lookups, in the order Shopify reports them."""
    processed = given.get("processedAt")
    if processed and version < CLAMPS_PROCESSED_AT and _future(processed, now):
        raise InputProblem(
            ["order", "processedAt"],
            "Processed at must not be in the future",
            "PROCESSED_AT_INVALID",
        )
    if given.get("customerId") is not None and given.get("customer") is not None:
        raise InputProblem(
            ["order"],
            "Only one of customerId or customer can be provided",
            "REDUNDANT_CUSTOMER_FIELDS",
        )
    if not given.get("lineItems"):
        raise InputProblem(
            ["order", "lineItems"], "Line items must have at least one line item", "INVALID"
        )
    for index, line in enumerate(given["lineItems"]):
        for tax_index, tax in enumerate(line.get("taxLines") or []):
            _rate(tax.get("rate"), ["order", "lineItems", index, "taxLines", tax_index, "rate"])
    for index, shipping in enumerate(given.get("shippingLines") or []):
        for tax_index, tax in enumerate(shipping.get("taxLines") or []):
            _rate(tax.get("rate"), ["order", "shippingLines", index, "taxLines", tax_index, "rate"])


def _apply_discount(spec: OrderSpec, given: Record | None) -> None:
    """Spread a discount code over the lines (or the shipping) the way Shopify allocates it."""
    if not given:
        return
    fixed = given.get("itemFixedDiscountCode")
    percentage = given.get("itemPercentageDiscountCode")
    free_shipping = given.get("freeShippingDiscountCode")
    chosen = fixed or percentage or free_shipping
    if chosen is None:
        return
    spec.discount_codes = [chosen["code"]]
    if free_shipping:
        for shipping in spec.shipping:
            shipping.discount = shipping.price
        return
    totals = [line.unit.times(line.quantity) for line in spec.lines]
    if percentage:
        rate = dec(percentage.get("percentage") or 0) / 100
        for line, line_total in zip(spec.lines, totals, strict=True):
            line.discount = line_total.times(rate)
        return
    amount = _amount(
        (fixed or {}).get("amountSet"), ["order", "discountCode", "itemFixedDiscountCode"]
    )
    _allocate(spec.lines, totals, amount or Amount())


def _allocate(lines: list[LineSpec], totals: list[Amount], amount: Amount) -> None:
    grand = sum((t.shop for t in totals), ZERO)
    left = amount
    for index, (line, line_total) in enumerate(zip(lines, totals, strict=True)):
        if index == len(lines) - 1 or grand == 0:
            share = left
        else:
            share = amount.times(line_total.shop / grand)
        share = Amount(
            min(share.shop, line_total.shop), min(share.presentment, line_total.presentment)
        )
        line.discount = share
        left = left - share


def read_order(shop: Shop, given: Record, options: Record | None, version: str) -> OrderSpec:
    """Validate the input and resolve it against the store; raises ``InputProblem``."""
    _structure(given, version, shop.clock())
    currency = given.get("currency") or shop.currency
    presentment = given.get("presentmentCurrency") or currency
    lines = [_line(shop, line, index) for index, line in enumerate(given["lineItems"])]
    processed = given.get("processedAt")
    if processed and _future(processed, shop.clock()):
        processed = None
    fulfillment = given.get("fulfillment")
    if fulfillment and number_of(fulfillment.get("locationId"), "Location") not in shop.locations:
        raise InputProblem(["order", "fulfillment", "locationId"], "Location does not exist")
    spec = OrderSpec(
        currency=currency,
        presentment=presentment,
        lines=lines,
        email=given.get("email"),
        phone=given.get("phone"),
        note=given.get("note"),
        name=given.get("name"),
        tags=sorted({t.strip() for t in given.get("tags") or [] if t.strip()}),
        source_name=given.get("sourceName"),
        source_identifier=given.get("sourceIdentifier"),
        test=bool(given.get("test")),
        processed_at=processed,
        closed_at=given.get("closedAt"),
        po_number=given.get("poNumber"),
        shipping_address=given.get("shippingAddress"),
        billing_address=given.get("billingAddress"),
        attributes=[
            {"key": a["key"], "value": a["value"]} for a in given.get("customAttributes") or []
        ],
        shipping=_shipping(given.get("shippingLines")),
        transactions=list(given.get("transactions") or []),
        financial_status=given.get("financialStatus"),
        fulfillment_status=given.get("fulfillmentStatus"),
        fulfillment=fulfillment,
        inventory=(options or {}).get("inventoryBehaviour") or "BYPASS",
        taxes_included=bool(given.get("taxesIncluded")),
    )
    spec.taxes = _taxes(given.get("taxLines"), Amount(), ["order"], strict=False)
    _read_customer(shop, spec, given)
    _apply_discount(spec, given.get("discountCode"))
    for index, transaction in enumerate(spec.transactions):
        _amount(transaction.get("amountSet"), ["order", "transactions", index, "amountSet"])
    return spec


def _read_customer(shop: Shop, spec: OrderSpec, given: Record) -> None:
    if given.get("customerId") is not None:
        number = number_of(given["customerId"], "Customer")
        if number not in shop.customers:
            raise InputProblem(["order", "customerId"], "Customer does not exist")
        spec.customer = number
        return
    customer = given.get("customer") or {}
    if customer.get("toAssociate") and customer.get("toUpsert"):
        raise InputProblem(
            ["order", "customer"], "Only one of toAssociate or toUpsert can be provided"
        )
    associate = customer.get("toAssociate")
    if associate:
        found = _find_customer(shop, associate.get("id"), associate.get("email"))
        if found is None:
            raise InputProblem(["order", "customer", "toAssociate"], "Customer does not exist")
        spec.customer = found
        return
    upsert = customer.get("toUpsert")
    if upsert and upsert.get("id") is not None:
        number = number_of(upsert["id"], "Customer")
        if number not in shop.customers:
            raise InputProblem(["order", "customer", "toUpsert", "id"], "Customer does not exist")
    spec.customer_input = upsert


def _find_customer(shop: Shop, id_value: Any, email: str | None) -> int | None:
    if id_value is not None:
        number = number_of(id_value, "Customer")
        return number if number in shop.customers else None
    if email:
        for number, customer in shop.customers.items():
            if (customer.get("email") or "").lower() == email.strip().lower():
                return number
    return None


def find_customer_by_contact(shop: Shop, email: str | None, phone: str | None) -> int | None:
    """An existing customer with this email (or, failing that, this phone)."""
    found = _find_customer(shop, None, email)
    if found is None and phone:
        for number, customer in shop.customers.items():
            if customer.get("phone") == phone:
                return number
    return found
