"""The records behind orders and their line items, and the totals and statuses derived from them.

An order keeps what was given (line items, shipping lines, tax lines, transactions, discounts) as
amounts in private keys; ``refresh`` recomputes every derived field (money bags, statuses,
quantities) after any change, so the schema's default resolver can serve them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from wholesync.simulator.customers import geography
from wholesync.simulator.ids import gid
from wholesync.simulator.orders.money import ZERO, Amount, bag, money_text, total
from wholesync.simulator.orders.search_index import Values, snapshot
from wholesync.simulator.store import Record, Shop

OPEN_FULFILLMENT_ORDER = ("OPEN", "IN_PROGRESS", "SCHEDULED", "ON_HOLD")


def next_order_number(shop: Shop) -> int:
    """Shopify numbers a shop's orders 1, 2, 3... and names them #1001, #1002, #1003..."""
    return max((o["number"] for o in shop.orders.values()), default=0) + 1


def mailing_address(shop: Shop, given: dict[str, Any] | None) -> Record | None:
    """A ``MailingAddress`` record from a ``MailingAddressInput``-shaped dict."""
    if not given:
        return None
    code = geography.country_code(given.get("countryCode") or given.get("country"))
    country = geography.COUNTRIES.get(code, given.get("country")) if code else given.get("country")
    province_code = given.get("provinceCode")
    if code and not province_code:
        province_code = geography.province_code(code, given.get("province"))
    province = geography.province_name(code, province_code) or given.get("province")
    first, last = given.get("firstName"), given.get("lastName")
    record: Record = {
        "__typename": "MailingAddress",
        "id": gid("MailingAddress", shop.next_number()),
        "firstName": first,
        "lastName": last,
        "company": given.get("company"),
        "address1": given.get("address1"),
        "address2": given.get("address2"),
        "city": given.get("city"),
        "province": province,
        "provinceCode": province_code,
        "country": country,
        "countryCodeV2": code,
        "zip": given.get("zip"),
        "phone": given.get("phone"),
        "name": " ".join(p for p in (first, last) if p) or None,
        "coordinatesValidated": False,
        "latitude": None,
        "longitude": None,
        "timeZone": None,
    }
    record["formattedArea"] = geography.formatted_area(record)
    record["formatted"] = geography.formatted_lines(record)
    return record


def tax_line(title: str, rate: Decimal, price: Amount, shop_cur: str, pres_cur: str) -> Record:
    return {
        "title": title,
        "rate": float(rate),
        "ratePercentage": float(rate * 100),
        "priceSet": bag(price, shop_cur, pres_cur),
        "channelLiable": False,
        "source": None,
        "_price": price.store(),
    }


def _tax_total(lines: list[Record]) -> Amount:
    return total(Amount.load(t["_price"]) for t in lines)


def currencies(order: Record) -> tuple[str, str]:
    return order["currencyCode"], order["presentmentCurrencyCode"]


def order_line_items(shop: Shop, order: Record) -> list[Record]:
    return [shop.line_items[n] for n in order["_line_items"] if n in shop.line_items]


def order_fulfillment_orders(shop: Shop, order: Record) -> list[Record]:
    return [shop.fulfillment_orders[n] for n in order["_fulfillment_orders"]]


def order_fulfillments(shop: Shop, order: Record) -> list[Record]:
    return [shop.fulfillments[n] for n in order["_fulfillments"]]


def _remaining_by_line(shop: Shop, order: Record) -> dict[int, int]:
    remaining: dict[int, int] = {}
    for fulfillment_order in order_fulfillment_orders(shop, order):
        if fulfillment_order["status"] not in OPEN_FULFILLMENT_ORDER:
            continue
        for item in fulfillment_order["_line_items"]:
            line = item["_line_item"]
            remaining[line] = remaining.get(line, 0) + item["remainingQuantity"]
    return remaining


def _fulfilled_quantity(shop: Shop, order: Record) -> int:
    return sum(
        item["quantity"]
        for fulfillment in order_fulfillments(shop, order)
        if fulfillment["status"] == "SUCCESS"
        for item in fulfillment["_line_items"]
    )


def _refresh_line(line: Record, remaining: int, cancelled: bool, cur: tuple[str, str]) -> Amount:
    """Recompute one line's money bags and quantities; returns its discounted total."""
    unit = Amount.load(line["_unit"])
    discount = Amount.load(line["_discount"])
    original = unit.times(line["quantity"])
    discounted = original - discount
    per_unit = Amount(
        discounted.shop / line["quantity"], discounted.presentment / line["quantity"]
    ).times(1)
    line["originalUnitPriceSet"] = bag(unit, *cur)
    line["originalTotalSet"] = bag(original, *cur)
    line["totalDiscountSet"] = bag(discount, *cur)
    line["discountedTotalSet"] = bag(discounted, *cur)
    line["discountedUnitPriceSet"] = bag(per_unit, *cur)
    line["discountedUnitPriceAfterAllDiscountsSet"] = bag(per_unit, *cur)
    line["discountAllocations"] = (
        [{"allocatedAmountSet": bag(discount, *cur)}] if discount.shop > 0 else []
    )
    open_quantity = 0 if cancelled else remaining
    line["fulfillableQuantity"] = open_quantity
    line["unfulfilledQuantity"] = open_quantity
    line["currentQuantity"] = 0 if cancelled else line["quantity"]
    line["refundableQuantity"] = 0 if cancelled else line["quantity"]
    line["nonFulfillableQuantity"] = 0
    line["restockable"] = not cancelled
    line["merchantEditable"] = not cancelled
    return discounted


def _transaction_sums(order: Record) -> tuple[Amount, Amount, Amount, bool]:
    """Received, authorized-but-uncaptured and refunded amounts, and whether any is pending."""
    received, authorized, refunded = Amount(), Amount(), Amount()
    pending = False
    for transaction in order["_transactions"]:
        amount = Amount.load(transaction["_amount"])
        if transaction["status"] == "PENDING":
            pending = True
        if transaction["status"] != "SUCCESS":
            continue
        kind = transaction["kind"]
        if kind in ("SALE", "CAPTURE"):
            received = received + amount
        if kind == "CAPTURE":
            authorized = authorized - amount
        if kind == "AUTHORIZATION":
            authorized = authorized + amount
        if kind == "VOID":
            authorized = Amount()
        if kind == "REFUND":
            refunded = refunded + amount
    return received, authorized.floor_zero(), refunded, pending


def _financial_status(
    order: Record,
    grand_total: Amount,
    received: Amount,
    authorized: Amount,
    refunded: Amount,
    pending: bool,
) -> str | None:
    if order["_financial_status"]:
        status: str = order["_financial_status"]
        return status
    if refunded.shop > 0:
        return "REFUNDED" if refunded.shop >= received.shop else "PARTIALLY_REFUNDED"
    if received.shop > 0:
        return "PAID" if received.shop >= grand_total.shop else "PARTIALLY_PAID"
    if authorized.shop > 0:
        return "AUTHORIZED"
    if pending:
        return "PENDING"
    if not order["_transactions"] and grand_total.shop == ZERO and order["_line_items"]:
        return "PAID"
    return None


def refresh(shop: Shop, order: Record) -> None:
    """Recompute the order's derived fields from its parts."""
    cur = currencies(order)
    cancelled = order["cancelledAt"] is not None
    remaining = _remaining_by_line(shop, order)
    lines = order_line_items(shop, order)
    line_totals = [_refresh_line(li, remaining.get(_number(li), 0), cancelled, cur) for li in lines]
    line_discounts = total(Amount.load(li["_discount"]) for li in lines)
    subtotal = total(line_totals)
    shipping_lines: list[Record] = order["_shipping_lines"]
    shipping = total(Amount.load(s["_price"]) for s in shipping_lines)
    shipping_discount = total(Amount.load(s["_discount"]) for s in shipping_lines)
    all_taxes = list(order["_tax_lines"])
    for line in lines:
        all_taxes += line["taxLines"]
    for shipping_line in shipping_lines:
        all_taxes += shipping_line["taxLines"]
    tax = _tax_total(all_taxes)
    grand_total = subtotal + shipping - shipping_discount
    if not order["taxesIncluded"]:
        grand_total = grand_total + tax
    received, authorized, refunded, pending = _transaction_sums(order)
    outstanding = (grand_total - received - authorized).floor_zero()
    if cancelled:
        outstanding = Amount()
    discounts = line_discounts + shipping_discount
    fulfilled = _fulfilled_quantity(shop, order)
    quantity = sum(li["quantity"] for li in lines)
    financial = _financial_status(order, grand_total, received, authorized, refunded, pending)
    order.update(
        {
            "subtotalPriceSet": bag(subtotal, *cur),
            "currentSubtotalPriceSet": bag(subtotal, *cur),
            "totalShippingPriceSet": bag(shipping, *cur),
            "currentShippingPriceSet": bag(shipping, *cur),
            "totalTaxSet": bag(tax, *cur),
            "currentTotalTaxSet": bag(tax, *cur),
            "totalDiscountsSet": bag(discounts, *cur),
            "currentTotalDiscountsSet": bag(discounts, *cur),
            "totalPriceSet": bag(grand_total, *cur),
            "currentTotalPriceSet": bag(grand_total, *cur),
            "originalTotalPriceSet": bag(grand_total, *cur),
            "totalOutstandingSet": bag(outstanding, *cur),
            "totalReceivedSet": bag(received, *cur),
            "totalRefundedSet": bag(refunded, *cur),
            "netPaymentSet": bag(received - refunded, *cur),
            "totalCapturableSet": bag(authorized, *cur),
            "totalCapturable": money_text(authorized.shop),
            "capturable": authorized.shop > 0 and not cancelled,
            "displayFinancialStatus": financial,
            "fullyPaid": outstanding.shop == 0 and financial in ("PAID", "PARTIALLY_REFUNDED"),
            "unpaid": received.shop == 0,
            "paymentGatewayNames": list(
                dict.fromkeys(t["gateway"] for t in order["_transactions"] if t["gateway"])
            ),
            "taxLines": _merged_tax_lines(all_taxes, cur),
            "shippingLine": shipping_lines[0] if shipping_lines else None,
            "subtotalLineItemsQuantity": quantity,
            "currentSubtotalLineItemsQuantity": 0 if cancelled else quantity,
            "requiresShipping": any(li["requiresShipping"] for li in lines),
            "totalWeight": sum(li["_grams"] * li["quantity"] for li in lines),
            "fulfillable": not cancelled and any(remaining.values()),
        }
    )
    if order["_fulfillment_status"]:
        order["displayFulfillmentStatus"] = order["_fulfillment_status"]
    elif fulfilled == 0:
        order["displayFulfillmentStatus"] = "UNFULFILLED"
    elif fulfilled >= quantity:
        order["displayFulfillmentStatus"] = "FULFILLED"
    else:
        order["displayFulfillmentStatus"] = "PARTIALLY_FULFILLED"
    archived = order["displayFulfillmentStatus"] == "FULFILLED" and financial == "PAID"
    closed = cancelled or order["_closed_by_input"] or archived
    if closed and not order["closed"]:
        order["closedAt"] = order["closedAt"] or shop.now()
    if not closed:
        order["closedAt"] = None
    order["closed"] = closed


def _merged_tax_lines(taxes: list[Record], cur: tuple[str, str]) -> list[Record]:
    merged: dict[tuple[str, float], Amount] = {}
    for tax in taxes:
        key = (tax["title"], tax["rate"])
        merged[key] = merged.get(key, Amount()) + Amount.load(tax["_price"])
    return [
        {
            "title": title,
            "rate": rate,
            "ratePercentage": rate * 100,
            "priceSet": bag(amount, *cur),
            "channelLiable": False,
            "source": None,
        }
        for (title, rate), amount in merged.items()
    ]


def _number(record: Record) -> int:
    return int(record["id"].rsplit("/", 1)[1])


def touch(shop: Shop, order: Record) -> None:
    """Record a write: bump ``updatedAt``, recompute, and snapshot what search will see."""
    order["updatedAt"] = shop.now()
    refresh(shop, order)
    index(shop, order)


def search_values(shop: Shop, order: Record) -> Values:
    """What the search index holds for an order (Shopify's ``orders(query:)`` fields)."""
    customer = shop.customers.get(order["_customer"]) if order["_customer"] else None
    lines = order_line_items(shop, order)
    status = ["any"]
    status.append("cancelled" if order["cancelledAt"] else "closed" if order["closed"] else "open")
    financial = order["displayFinancialStatus"]
    fulfillment = order["displayFulfillmentStatus"]
    aliases = {
        "UNFULFILLED": ["unfulfilled", "unshipped"],
        "PARTIALLY_FULFILLED": ["partial", "partially_fulfilled"],
        "FULFILLED": ["fulfilled", "shipped"],
    }.get(fulfillment, [fulfillment.lower()])
    return {
        "id": [int(order["legacyResourceId"])],
        "name": [order["name"], order["name"].lstrip("#")],
        "email": [order["email"]],
        "tag": list(order["tags"]),
        "source_identifier": [order["sourceIdentifier"]],
        "source_name": [order["sourceName"]],
        "status": status,
        "financial_status": [financial.lower() if financial else None],
        "fulfillment_status": aliases,
        "created_at": [order["createdAt"]],
        "updated_at": [order["updatedAt"]],
        "processed_at": [order["processedAt"]],
        "customer_id": [int(customer["legacyResourceId"])] if customer else [],
        "sku": [li["sku"] for li in lines if li["sku"]],
        "test": [str(order["test"]).lower()],
        "po_number": [order["poNumber"]],
    }


def customer_name(shop: Shop, record: Record) -> str:
    """The display name of an order's or a draft's customer: the ``CUSTOMER_NAME`` sort value."""
    customer = shop.customers.get(record["_customer"]) if record["_customer"] else None
    return (customer or {}).get("displayName") or ""


def index(shop: Shop, order: Record) -> None:
    snapshot(shop, order, search_values(shop, order))
