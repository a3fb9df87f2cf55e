"""Draft orders: reading ``DraftOrderInput``, the stored record and its totals, and the order a
draft becomes when it is completed."""

from __future__ import annotations

import secrets
import uuid
from decimal import Decimal
from typing import Any

from wholesync.simulator.api.errors import user_error
from wholesync.simulator.catalog.model import DEFAULT_VALUE
from wholesync.simulator.customers.validation import ADDRESS_TEXT_FIELDS
from wholesync.simulator.ids import gid, record_ids
from wholesync.simulator.orders.input import LineSpec, OrderSpec, ShippingSpec, number_of
from wholesync.simulator.orders.money import Amount, bag, cents, dec, money_text, total
from wholesync.simulator.orders.records import mailing_address
from wholesync.simulator.store import Record, Shop

Error = dict[str, Any]


class DraftProblem(Exception):
    def __init__(self, field: list[str] | None, message: str) -> None:
        super().__init__(message)
        self.error = user_error(field, message)


def _price(value: Any, where: list[str]) -> Decimal:
    try:
        return cents(dec(value))
    except ValueError as exc:
        raise DraftProblem(where, "Price is invalid") from exc


def _discount_amount(given: Record | None, base: Decimal, units: int, where: list[str]) -> Decimal:
    """What an applied discount takes off ``base`` (a fixed amount is per unit on a line)."""
    if not given:
        return Decimal(0)
    value = Decimal(str(given["value"]))
    if given["valueType"] == "PERCENTAGE":
        return min(base, cents(base * value / 100))
    money = given.get("amountWithCurrency")
    fixed = _price(money["amount"], where) if money else _price(given.get("amount") or value, where)
    return min(base, cents(fixed * units))


def _applied(given: Record | None, amount: Decimal, cur: tuple[str, str]) -> Record | None:
    if not given:
        return None
    return {
        "title": given.get("title"),
        "description": given.get("description") or "",
        "value": float(given["value"]),
        "valueType": given["valueType"],
        "amountSet": bag(Amount.same(amount), *cur),
    }


def attributes(given: Record) -> list[Record]:
    return [{"key": a["key"], "value": a["value"]} for a in given.get("customAttributes") or []]


def _line(shop: Shop, given: Record, index: int, cur: tuple[str, str]) -> Record:
    where = ["lineItems", str(index)]
    if given["quantity"] < 1:
        raise DraftProblem([*where, "quantity"], "Quantity must be greater than or equal to 1")
    variant = None
    if given.get("variantId"):
        number = number_of(given["variantId"], "ProductVariant")
        variant = shop.variants.get(number) if number is not None else None
        if variant is None:
            raise DraftProblem([*where, "variantId"], "Product variant does not exist")
    record: Record = {
        "__typename": "DraftOrderLineItem",
        "id": gid("DraftOrderLineItem", shop.next_number()),
        "uuid": given.get("uuid") or str(uuid.uuid4()),
        "quantity": given["quantity"],
        "customAttributes": attributes(given),
        "isGiftCard": False,
        "image": None,
        "weight": None,
        "taxLines": [],
    }
    if variant is not None:
        product = shop.products.get(variant["_product"], {})
        item = shop.inventory_items.get(variant["_inventory_item"], {})
        variant_title = None if variant["title"] == DEFAULT_VALUE else variant["title"]
        override = given.get("priceOverride")
        unit = (
            _price(override["amount"], [*where, "priceOverride"])
            if override
            else dec(variant["price"])
        )
        record.update(
            title=product.get("title", variant["title"]),
            variantTitle=variant_title,
            sku=variant["sku"],
            vendor=product.get("vendor"),
            custom=False,
            taxable=bool(variant.get("taxable", True)),
            requiresShipping=bool(item.get("requiresShipping", True)),
            _variant=int(variant["legacyResourceId"]),
            _product=variant["_product"],
        )
    else:
        title = (given.get("title") or "").strip()
        if not title:
            raise DraftProblem([*where, "title"], "Title can't be blank")
        money = given.get("originalUnitPriceWithCurrency")
        raw = money["amount"] if money else given.get("originalUnitPrice") or "0"
        unit = _price(raw, [*where, "originalUnitPrice"])
        record.update(
            title=title,
            variantTitle=None,
            sku=given.get("sku"),
            vendor=None,
            custom=True,
            taxable=given.get("taxable", True) is not False,
            requiresShipping=given.get("requiresShipping", True) is not False,
            _variant=None,
            _product=None,
        )
    record["name"] = (
        f"{record['title']} - {record['variantTitle']}"
        if record["variantTitle"]
        else record["title"]
    )
    original = cents(unit * given["quantity"])
    discount = _discount_amount(given.get("appliedDiscount"), original, given["quantity"], where)
    record.update(
        appliedDiscount=_applied(given.get("appliedDiscount"), discount, cur),
        originalUnitPriceSet=bag(Amount.same(unit), *cur),
        originalTotalSet=bag(Amount.same(original), *cur),
        totalDiscountSet=bag(Amount.same(discount), *cur),
        discountedTotalSet=bag(Amount.same(original - discount), *cur),
        approximateDiscountedUnitPriceSet=bag(
            Amount.same(cents((original - discount) / given["quantity"])), *cur
        ),
        _unit=money_text(unit),
        _discount=money_text(discount),
        _grams=_grams(given, variant, shop),
    )
    return record


def _grams(given: Record, variant: Record | None, shop: Shop) -> int:
    if given.get("weight"):
        factor = {"KILOGRAMS": 1000, "GRAMS": 1, "POUNDS": 453.592, "OUNCES": 28.3495}
        return round(float(given["weight"]["value"]) * factor[given["weight"]["unit"]])
    if given.get("grams") is not None:
        return int(given["grams"])
    if variant is not None:
        weight = shop.inventory_items.get(variant["_inventory_item"], {}).get("_weight") or {}
        return round(float(weight.get("value") or 0) * 1000)
    return 0


def _shipping_line(shop: Shop, given: Record | None, cur: tuple[str, str]) -> Record | None:
    if not given:
        return None
    money = given.get("priceWithCurrency")
    price = Amount.same(
        _price(money["amount"] if money else given.get("price") or "0", ["shippingLine"])
    )
    return {
        "id": gid("ShippingLine", shop.next_number()),
        "title": given.get("title") or "Shipping",
        "code": "custom",
        "source": None,
        "custom": True,
        "carrierIdentifier": None,
        "isRemoved": False,
        "discountAllocations": [],
        "originalPriceSet": bag(price, *cur),
        "discountedPriceSet": bag(price, *cur),
        "currentDiscountedPriceSet": bag(price, *cur),
        "taxLines": [],
        "_price": price.store(),
    }


def next_draft_number(shop: Shop) -> int:
    return max((d["_number"] for d in shop.draft_orders.values()), default=0) + 1


def build_draft(shop: Shop, given: Record) -> Record:
    """A new draft order record from ``DraftOrderInput``; raises ``DraftProblem``."""
    cur = (shop.currency, given.get("presentmentCurrencyCode") or shop.currency)
    customer_value = given.get("customerId") or (given.get("purchasingEntity") or {}).get(
        "customerId"
    )
    customer = number_of(customer_value, "Customer") if customer_value else None
    if customer_value and customer not in shop.customers:
        raise DraftProblem(["customerId"], "Customer does not exist")
    lines = [_line(shop, line, i, cur) for i, line in enumerate(given.get("lineItems") or [])]
    number = shop.next_number()
    now = shop.now()
    customer_record = shop.customers.get(customer) if customer is not None else None
    record: Record = {
        **record_ids("DraftOrder", number),
        "_number": next_draft_number(shop),
        "status": "OPEN",
        "ready": True,
        "email": given.get("email") or (customer_record or {}).get("email"),
        "phone": given.get("phone"),
        "note2": given.get("note"),
        "poNumber": given.get("poNumber"),
        "tags": sorted({t.strip() for t in given.get("tags") or [] if t.strip()}),
        "customAttributes": attributes(given),
        "invoiceUrl": f"https://{shop.domain}/{shop.shop_id}/invoices/{secrets.token_hex(16)}",
        "invoiceSentAt": None,
        "completedAt": None,
        "createdAt": now,
        "updatedAt": now,
        "currencyCode": cur[0],
        "presentmentCurrencyCode": cur[1],
        "taxExempt": bool(given.get("taxExempt")),
        "taxesIncluded": False,
        "reserveInventoryUntil": given.get("reserveInventoryUntil"),
        "visibleToCustomer": bool(given.get("visibleToCustomer")),
        "discountCodes": list(given.get("discountCodes") or []),
        "paymentTerms": None,
        "taxLines": [],
        "shippingAddress": mailing_address(shop, given.get("shippingAddress")),
        "billingAddress": mailing_address(shop, given.get("billingAddress")),
        "shippingLine": _shipping_line(shop, given.get("shippingLine"), cur),
        "_line_items": lines,
        "_customer": customer,
        "_order": None,
        "_source_name": given.get("sourceName"),
        "_applied_discount": given.get("appliedDiscount"),
        "_index": [],
    }
    record["name"] = f"#D{record['_number']}"
    refresh_draft(record)
    return record


def refresh_draft(draft: Record) -> None:
    cur = (draft["currencyCode"], draft["presentmentCurrencyCode"])
    lines = draft["_line_items"]
    originals = total(
        Amount.same(Decimal(li["originalTotalSet"]["shopMoney"]["amount"])) for li in lines
    )
    line_discounts = total(Amount.same(Decimal(li["_discount"])) for li in lines)
    lines_subtotal = originals - line_discounts
    order_discount = _discount_amount(
        draft["_applied_discount"], lines_subtotal.shop, 1, ["appliedDiscount"]
    )
    shipping = Amount.load(draft["shippingLine"]["_price"]) if draft["shippingLine"] else Amount()
    subtotal = lines_subtotal - Amount.same(order_discount)
    draft.update(
        appliedDiscount=_applied(draft["_applied_discount"], order_discount, cur),
        lineItemsSubtotalPrice=bag(lines_subtotal, *cur),
        totalLineItemsPriceSet=bag(originals, *cur),
        subtotalPriceSet=bag(subtotal, *cur),
        totalDiscountsSet=bag(line_discounts + Amount.same(order_discount), *cur),
        totalShippingPriceSet=bag(shipping, *cur),
        totalTaxSet=bag(Amount(), *cur),
        totalTax=money_text(Decimal(0)),
        totalPriceSet=bag(subtotal + shipping, *cur),
        totalQuantityOfLineItems=sum(li["quantity"] for li in lines),
        totalWeight=sum(li["_grams"] * li["quantity"] for li in lines),
        _order_discount=money_text(order_discount),
    )


def order_spec(draft: Record, payment_pending: bool) -> OrderSpec:
    """The order a completed draft becomes; the draft's order discount is spread over lines."""
    lines = []
    for line in draft["_line_items"]:
        lines.append(
            LineSpec(
                title=line["title"],
                quantity=line["quantity"],
                unit=Amount.same(Decimal(line["_unit"])),
                sku=line["sku"],
                vendor=line["vendor"],
                variant_title=line["variantTitle"],
                product_title=line["title"],
                requires_shipping=line["requiresShipping"],
                taxable=line["taxable"],
                grams=line["_grams"],
                attributes=list(line["customAttributes"]),
                variant=line["_variant"],
                product=line["_product"],
                discount=Amount.same(Decimal(line["_discount"])),
            )
        )
    _spread(lines, Decimal(draft["_order_discount"]))
    shipping = draft["shippingLine"]
    return OrderSpec(
        currency=draft["currencyCode"],
        presentment=draft["presentmentCurrencyCode"],
        lines=lines,
        email=draft["email"],
        phone=draft["phone"],
        note=draft["note2"],
        tags=list(draft["tags"]),
        attributes=list(draft["customAttributes"]),
        po_number=draft["poNumber"],
        customer=draft["_customer"],
        shipping_address=_address_input(draft["shippingAddress"]),
        billing_address=_address_input(draft["billingAddress"]),
        shipping=[ShippingSpec(shipping["title"], Amount.load(shipping["_price"]), "custom")]
        if shipping
        else [],
        financial_status="PENDING" if payment_pending else "PAID",
        inventory="DECREMENT_IGNORING_POLICY",
        draft=int(draft["legacyResourceId"]),
    )


def _spread(lines: list[LineSpec], amount: Decimal) -> None:
    left = amount
    remaining = [line.unit.times(line.quantity).shop - line.discount.shop for line in lines]
    base = sum(remaining, Decimal(0))
    for index, line in enumerate(lines):
        if amount <= 0 or base <= 0:
            return
        share = left if index == len(lines) - 1 else cents(amount * remaining[index] / base)
        share = min(share, remaining[index])
        line.discount = line.discount + Amount.same(share)
        left -= share


def _address_input(address: Record | None) -> Record | None:
    if address is None:
        return None
    given = {key: address[key] for key in (*ADDRESS_TEXT_FIELDS, "provinceCode")}
    given["countryCode"] = address["countryCodeV2"]
    return given
