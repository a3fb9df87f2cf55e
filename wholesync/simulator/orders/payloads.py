"""Webhook bodies for orders and fulfillments, in Shopify's REST shape (the keys of the
documented ``orders/create`` and ``fulfillments/create`` examples)."""

from __future__ import annotations

import contextlib
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wholesync.simulator.customers import payloads as customer_payloads
from wholesync.simulator.orders.money import money_text
from wholesync.simulator.orders.records import order_fulfillments, order_line_items
from wholesync.simulator.store import Record, Shop

SHOP_TIMEZONE = "America/New_York"
FULFILLMENT_LINE_KEYS = (
    "id",
    "variant_id",
    "title",
    "quantity",
    "sku",
    "variant_title",
    "vendor",
    "fulfillment_service",
    "product_id",
    "requires_shipping",
    "taxable",
    "gift_card",
    "name",
    "variant_inventory_management",
    "properties",
    "product_exists",
    "fulfillable_quantity",
    "grams",
    "price",
    "total_discount",
    "fulfillment_status",
    "price_set",
    "total_discount_set",
    "discount_allocations",
    "duties",
    "admin_graphql_api_id",
    "tax_lines",
)


def local_time(value: str | None) -> str | None:
    """Shopify's REST timestamps are in the shop's time zone, with the offset."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    with contextlib.suppress(ZoneInfoNotFoundError):
        moment = moment.astimezone(ZoneInfo(SHOP_TIMEZONE))
    return moment.isoformat()


def _money_set(money_bag: Record) -> Record:
    return {
        side: {
            "amount": money_text(Decimal(money_bag[key]["amount"])),
            "currency_code": money_bag[key]["currencyCode"],
        }
        for side, key in (("shop_money", "shopMoney"), ("presentment_money", "presentmentMoney"))
    }


def _price(money_bag: Record) -> str:
    return money_text(Decimal(money_bag["shopMoney"]["amount"]))


def _zero_set(order: Record) -> Record:
    zero = {"amount": "0.0", "currencyCode": order["currencyCode"]}
    return _money_set({"shopMoney": zero, "presentmentMoney": dict(zero)})


def address_payload(address: Record | None) -> Record | None:
    if address is None:
        return None
    return {
        "first_name": address["firstName"],
        "address1": address["address1"],
        "phone": address["phone"],
        "city": address["city"],
        "zip": address["zip"],
        "province": address["province"],
        "country": address["country"],
        "last_name": address["lastName"],
        "address2": address["address2"],
        "company": address["company"],
        "latitude": address.get("latitude"),
        "longitude": address.get("longitude"),
        "name": address["name"],
        "country_code": address["countryCodeV2"],
        "province_code": address["provinceCode"],
    }


def _customer(shop: Shop, order: Record) -> Record | None:
    customer = shop.customers.get(order["_customer"]) if order["_customer"] else None
    if customer is None:
        return None
    number = int(customer["legacyResourceId"])
    default = shop.addresses.get(customer.get("_default_address") or -1)
    default_payload = None
    if default is not None:
        default_payload = customer_payloads.address_payload(default, number, True)
    return {
        "id": number,
        "created_at": local_time(customer.get("createdAt")),
        "updated_at": local_time(customer.get("updatedAt")),
        **customer_payloads.profile_fields(customer),
        "currency": order["currencyCode"],
        "tax_exemptions": list(customer.get("taxExemptions") or []),
        "admin_graphql_api_id": customer["id"],
        "default_address": default_payload,
    }


def _tax_lines(taxes: list[Record]) -> list[Record]:
    return [
        {
            "price": _price(t["priceSet"]),
            "rate": t["rate"],
            "title": t["title"],
            "price_set": _money_set(t["priceSet"]),
            "channel_liable": bool(t.get("channelLiable")),
        }
        for t in taxes
    ]


def _line_status(line: Record) -> str | None:
    if line["fulfillableQuantity"] == 0 and line["currentQuantity"] > 0:
        return "fulfilled"
    if line["fulfillableQuantity"] < line["currentQuantity"]:
        return "partial"
    return None


def line_payload(shop: Shop, line: Record) -> Record:
    variant = shop.variants.get(line["_variant"]) if line["_variant"] else None
    item = shop.inventory_items.get(variant["_inventory_item"]) if variant else None
    discount = line["totalDiscountSet"]
    allocations = [
        {
            "amount": _price(a["allocatedAmountSet"]),
            "amount_set": _money_set(a["allocatedAmountSet"]),
            "discount_application_index": 0,
        }
        for a in line["discountAllocations"]
    ]
    return {
        "id": int(line["legacyResourceId"]),
        "admin_graphql_api_id": line["id"],
        "attributed_staffs": [],
        "current_quantity": line["currentQuantity"],
        "fulfillable_quantity": line["fulfillableQuantity"],
        "fulfillment_service": "manual",
        "fulfillment_status": _line_status(line),
        "gift_card": line["isGiftCard"],
        "grams": line["_grams"],
        "name": line["name"],
        "price": _price(line["originalUnitPriceSet"]),
        "price_set": _money_set(line["originalUnitPriceSet"]),
        "product_exists": line["_product"] in shop.products,
        "product_id": line["_product"],
        "properties": [{"name": a["key"], "value": a["value"]} for a in line["customAttributes"]],
        "quantity": line["quantity"],
        "requires_shipping": line["requiresShipping"],
        "sales_line_item_group_id": None,
        "sku": line["sku"],
        "taxable": line["taxable"],
        "title": line["title"],
        "total_discount": _price(discount),
        "total_discount_set": _money_set(discount),
        "variant_id": line["_variant"],
        "variant_inventory_management": "shopify" if item and item.get("tracked") else None,
        "variant_title": line["variantTitle"],
        "vendor": line["vendor"],
        "tax_lines": _tax_lines(line["taxLines"]),
        "duties": [],
        "discount_allocations": allocations,
    }


def _shipping_line(line: Record) -> Record:
    return {
        "id": int(line["id"].rsplit("/", 1)[1]),
        "carrier_identifier": line["carrierIdentifier"],
        "code": line["code"],
        "current_discounted_price_set": _money_set(line["currentDiscountedPriceSet"]),
        "discounted_price": _price(line["discountedPriceSet"]),
        "discounted_price_set": _money_set(line["discountedPriceSet"]),
        "is_removed": line["isRemoved"],
        "phone": None,
        "price": _price(line["originalPriceSet"]),
        "price_set": _money_set(line["originalPriceSet"]),
        "requested_fulfillment_service_id": None,
        "source": line["source"],
        "title": line["title"],
        "tax_lines": _tax_lines(line["taxLines"]),
        "discount_allocations": [],
    }


def fulfillment_payload(shop: Shop, fulfillment: Record) -> Record:
    """The ``fulfillments/create`` body."""
    order = shop.orders[fulfillment["_order"]]
    lines = []
    for item in fulfillment["_line_items"]:
        full = line_payload(shop, shop.line_items[item["_line_item"]])
        full["quantity"] = item["quantity"]
        lines.append({key: full[key] for key in FULFILLMENT_LINE_KEYS})
    tracking = fulfillment["trackingInfo"]
    numbers = [t["number"] for t in tracking if t["number"]]
    urls = [t["url"] for t in tracking if t["url"]]
    return {
        "id": int(fulfillment["legacyResourceId"]),
        "order_id": fulfillment["_order"],
        "status": fulfillment["status"].lower(),
        "created_at": local_time(fulfillment["createdAt"]),
        "service": "manual",
        "updated_at": local_time(fulfillment["updatedAt"]),
        "tracking_company": tracking[0]["company"] if tracking else None,
        "shipment_status": None,
        "location_id": fulfillment["_location"],
        "origin_address": None,
        "email": order["email"],
        "destination": address_payload(order["shippingAddress"]),
        "line_items": lines,
        "tracking_number": numbers[0] if numbers else None,
        "tracking_numbers": numbers,
        "tracking_url": urls[0] if urls else None,
        "tracking_urls": urls,
        "receipt": {},
        "name": fulfillment["name"],
        "admin_graphql_api_id": fulfillment["id"],
    }


def order_payload(shop: Shop, order: Record) -> Record:
    """The ``orders/create``, ``orders/updated`` and ``orders/cancelled`` body."""
    number = int(order["legacyResourceId"])
    lines = order_line_items(shop, order)
    line_total = sum(
        (Decimal(li["originalTotalSet"]["shopMoney"]["amount"]) for li in lines), Decimal(0)
    )
    line_total_set = _money_set(
        {
            side: {"amount": str(line_total), "currencyCode": money["currencyCode"]}
            for side, money in order["totalPriceSet"].items()
        }
    )
    status = order["displayFulfillmentStatus"]
    token = f"{number:x}".rjust(32, "0")
    financial = order["displayFinancialStatus"]
    return {
        "id": number,
        "admin_graphql_api_id": order["id"],
        "app_id": None,
        "browser_ip": None,
        "buyer_accepts_marketing": False,
        "cancel_reason": order["cancelReason"].lower() if order["cancelReason"] else None,
        "cancelled_at": local_time(order["cancelledAt"]),
        "cart_token": None,
        "checkout_id": None,
        "checkout_token": None,
        "client_details": None,
        "closed_at": local_time(order["closedAt"]),
        "confirmation_number": None,
        "confirmed": order["confirmed"],
        "contact_email": order["email"],
        "created_at": local_time(order["createdAt"]),
        "currency": order["currencyCode"],
        "current_shipping_price_set": _money_set(order["currentShippingPriceSet"]),
        "current_subtotal_price": _price(order["currentSubtotalPriceSet"]),
        "current_subtotal_price_set": _money_set(order["currentSubtotalPriceSet"]),
        "current_total_additional_fees_set": None,
        "current_total_discounts": _price(order["currentTotalDiscountsSet"]),
        "current_total_discounts_set": _money_set(order["currentTotalDiscountsSet"]),
        "current_total_duties_set": None,
        "current_total_price": _price(order["currentTotalPriceSet"]),
        "current_total_price_set": _money_set(order["currentTotalPriceSet"]),
        "current_total_tax": _price(order["currentTotalTaxSet"]),
        "current_total_tax_set": _money_set(order["currentTotalTaxSet"]),
        "customer_locale": order["customerLocale"],
        "device_id": None,
        "discount_codes": [
            {"code": code, "amount": _price(order["totalDiscountsSet"]), "type": "fixed_amount"}
            for code in order["discountCodes"]
        ],
        "duties_included": False,
        "email": order["email"],
        "estimated_taxes": False,
        "financial_status": financial.lower() if financial else "pending",
        "fulfillment_status": {
            "FULFILLED": "fulfilled",
            "PARTIALLY_FULFILLED": "partial",
            "RESTOCKED": "restocked",
        }.get(status),
        "landing_site": None,
        "landing_site_ref": None,
        "location_id": None,
        "merchant_business_entity_id": f"MTU{shop.shop_id}",
        "merchant_of_record_app_id": None,
        "name": order["name"],
        "note": order["note"],
        "note_attributes": [
            {"name": a["key"], "value": a["value"]} for a in order["customAttributes"]
        ],
        "number": order["number"],
        "order_number": order["number"] + 1000,
        "order_status_url": f"https://{shop.domain}/{shop.shop_id}/orders/{token}/authenticate?key={token}",
        "original_total_additional_fees_set": None,
        "original_total_duties_set": None,
        "payment_gateway_names": list(order["paymentGatewayNames"]),
        "phone": order["phone"],
        "po_number": order["poNumber"],
        "presentment_currency": order["presentmentCurrencyCode"],
        "processed_at": local_time(order["processedAt"]),
        "reference": None,
        "referring_site": None,
        "source_identifier": order["sourceIdentifier"],
        "source_name": order["sourceName"],
        "source_url": None,
        "subtotal_price": _price(order["subtotalPriceSet"]),
        "subtotal_price_set": _money_set(order["subtotalPriceSet"]),
        "tags": ", ".join(order["tags"]),
        "tax_exempt": order["taxExempt"],
        "tax_lines": _tax_lines(order["taxLines"]),
        "taxes_included": order["taxesIncluded"],
        "test": order["test"],
        "token": token,
        "total_cash_rounding_payment_adjustment_set": _zero_set(order),
        "total_cash_rounding_refund_adjustment_set": _zero_set(order),
        "total_discounts": _price(order["totalDiscountsSet"]),
        "total_discounts_set": _money_set(order["totalDiscountsSet"]),
        "total_line_items_price": money_text(line_total),
        "total_line_items_price_set": line_total_set,
        "total_outstanding": _price(order["totalOutstandingSet"]),
        "total_price": _price(order["totalPriceSet"]),
        "total_price_set": _money_set(order["totalPriceSet"]),
        "total_shipping_price_set": _money_set(order["totalShippingPriceSet"]),
        "total_tax": _price(order["totalTaxSet"]),
        "total_tax_set": _money_set(order["totalTaxSet"]),
        "total_tip_received": "0.00",
        "total_weight": order["totalWeight"],
        "updated_at": local_time(order["updatedAt"]),
        "user_id": None,
        "billing_address": address_payload(order["billingAddress"]),
        "customer": _customer(shop, order),
        "discount_applications": [],
        "fulfillments": [fulfillment_payload(shop, f) for f in order_fulfillments(shop, order)],
        "line_items": [line_payload(shop, line) for line in lines],
        "payment_terms": None,
        "refunds": [],
        "shipping_address": address_payload(order["shippingAddress"]),
        "shipping_lines": [_shipping_line(s) for s in order["_shipping_lines"]],
        "returns": [],
    }
