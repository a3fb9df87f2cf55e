"""Placing an order from a validated ``OrderSpec``: records, customer, stock, fulfillment orders
and webhooks. Used by ``orderCreate``, draft completion and the shopper's online checkout."""

from __future__ import annotations

from typing import Any

from wholesync.simulator.customers import model as customer_model
from wholesync.simulator.customers import search as customer_search
from wholesync.simulator.ids import gid, record_ids
from wholesync.simulator.orders import fulfillment_model
from wholesync.simulator.orders import stock as order_inventory
from wholesync.simulator.orders.fulfillment_model import new_fulfillment_order
from wholesync.simulator.orders.input import (
    InputProblem,
    LineSpec,
    OrderSpec,
    TaxSpec,
    find_customer_by_contact,
)
from wholesync.simulator.orders.money import Amount, bag, from_bag_input
from wholesync.simulator.orders.records import (
    currencies,
    mailing_address,
    next_order_number,
    refresh,
    tax_line,
    touch,
)
from wholesync.simulator.registry import Context
from wholesync.simulator.store import Record, Shop, add_record

API_SOURCE_NAME = "5806573"  # the numeric app id Shopify records as an API order's source


def _locations(shop: Shop) -> list[int]:
    active = [n for n, loc in shop.locations.items() if loc.get("isActive", True)]
    return sorted(active) or sorted(shop.locations)


def assign_locations(shop: Shop, spec: OrderSpec) -> None:
    """Route each line to a location: the fulfillment location if given, else the first
    location with enough stock, else the first that stocks the item, else the primary one."""
    forced = spec.fulfillment.get("locationId") if spec.fulfillment else None
    locations = _locations(shop)
    for line in spec.lines:
        if forced:
            line.location = int(forced.rsplit("/", 1)[1])
            continue
        item = _item_of(shop, line)
        stocked = [loc for loc in locations if item is not None and shop.quantities(item, loc)]
        enough = (
            [loc for loc in stocked if order_inventory.available(shop, item, loc) >= line.quantity]
            if item is not None
            else []
        )
        chosen = enough or stocked or locations
        line.location = chosen[0] if chosen else None


def _item_of(shop: Shop, line: LineSpec) -> int | None:
    variant = shop.variants.get(line.variant) if line.variant else None
    return variant["_inventory_item"] if variant else None


def check_stock(shop: Shop, spec: OrderSpec) -> None:
    """``DECREMENT_OBEYING_POLICY``: a line may not oversell a variant whose policy is DENY."""
    if spec.inventory != "DECREMENT_OBEYING_POLICY":
        return
    wanted: dict[tuple[int, int], int] = {}
    for index, line in enumerate(spec.lines):
        variant = shop.variants.get(line.variant) if line.variant else None
        item = _item_of(shop, line)
        if variant is None or item is None or line.location is None:
            continue
        if not shop.inventory_items.get(item, {}).get("tracked"):
            continue
        key = (item, line.location)
        wanted[key] = wanted.get(key, 0) + line.quantity
        if variant.get("inventoryPolicy") == "DENY" and wanted[key] > order_inventory.available(
            shop, *key
        ):
            raise InputProblem(
                ["order", "lineItems", index],
                f"Unable to claim inventory for {line.title}: not enough available",
                "INVENTORY_CLAIM_FAILED",
            )


def _customer(context: Context, spec: OrderSpec) -> int | None:
    """The customer to attach: given, upserted, or found or created from the email/phone."""
    shop = context.shop
    if spec.customer is not None:
        return spec.customer
    upsert = spec.customer_input
    email = (upsert or {}).get("email") or spec.email
    phone = (upsert or {}).get("phone") or spec.phone
    number = None
    if upsert and upsert.get("id"):
        number = int(str(upsert["id"]).rsplit("/", 1)[1])
    if number is None:
        number = find_customer_by_contact(shop, email, phone)
    if number is None and not (email or phone or upsert):
        return None
    created = number is None
    customer = (
        shop.customers[number]
        if number is not None
        else customer_model.new_customer(shop, shop.now())
    )
    fields = (
        {k: upsert.get(k) for k in ("firstName", "lastName", "note", "taxExempt")} if upsert else {}
    )
    fields.update({"email": email, "phone": phone} if created else {})
    if upsert and upsert.get("tags") is not None:
        fields["tags"] = sorted(set(upsert["tags"]))
    changed = {k: v for k, v in fields.items() if v is not None and customer.get(k) != v}
    customer.update(changed)
    customer_model.sync_contact(customer)
    if created or changed:
        customer["updatedAt"] = shop.now()
        context.emit("customers/create" if created else "customers/update", customer)
    return int(customer["legacyResourceId"])


def _line_record(shop: Shop, order: Record, line: LineSpec, cur: tuple[str, str]) -> Record:
    number = shop.next_number()
    variant_title = line.variant_title
    fields: Record = {
        "title": line.title,
        "name": f"{line.title} - {variant_title}" if variant_title else line.title,
        "variantTitle": variant_title,
        "quantity": line.quantity,
        "sku": line.sku,
        "vendor": line.vendor,
        "requiresShipping": line.requires_shipping,
        "taxable": line.taxable,
        "isGiftCard": line.gift_card,
        "customAttributes": line.attributes,
        "taxLines": [_tax(t, cur) for t in line.taxes],
        "image": None,
        "_order": int(order["legacyResourceId"]),
        "_variant": line.variant,
        "_product": line.product,
        "_product_title": line.product_title or line.title,
        "_unit": line.unit.store(),
        "_discount": line.discount.store(),
        "_grams": line.grams,
        "_claimed": None,
    }
    return add_record(shop.line_items, "LineItem", number, fields)


def _tax(tax: TaxSpec, cur: tuple[str, str]) -> Record:
    return tax_line(tax.title, tax.rate, tax.price, *cur)


def _transactions(shop: Shop, spec: OrderSpec, cur: tuple[str, str]) -> list[Record]:
    given = list(spec.transactions)
    if not given and spec.financial_status in ("PAID", "AUTHORIZED"):
        kind = "SALE" if spec.financial_status == "PAID" else "AUTHORIZATION"
        given = [{"kind": kind, "status": "SUCCESS", "gateway": spec.gateway, "_total": True}]
    records = []
    for transaction in given:
        amount = from_bag_input(transaction.get("amountSet")) or Amount()
        gateway = transaction.get("gateway") or "manual"
        records.append(
            {
                "__typename": "OrderTransaction",
                "id": gid("OrderTransaction", shop.next_number()),
                "kind": transaction.get("kind") or "SALE",
                "status": transaction.get("status") or "SUCCESS",
                "gateway": gateway,
                "formattedGateway": gateway.replace("_", " ").title(),
                "manualPaymentGateway": gateway == "manual",
                "test": bool(transaction.get("test", spec.test)),
                "createdAt": shop.now(),
                "processedAt": transaction.get("processedAt") or shop.now(),
                "errorCode": None,
                "parentTransaction": None,
                "amountSet": bag(amount, *cur),
                "_amount": amount.store(),
                "_total": bool(transaction.get("_total")),
            }
        )
    return records


def _shipping_lines(shop: Shop, spec: OrderSpec, cur: tuple[str, str]) -> list[Record]:
    return [
        {
            "id": gid("ShippingLine", shop.next_number()),
            "title": s.title,
            "code": s.code,
            "source": s.source,
            "custom": s.code is None or s.code == "custom",
            "carrierIdentifier": None,
            "isRemoved": False,
            "discountAllocations": (
                [{"allocatedAmountSet": bag(s.discount, *cur)}] if s.discount.shop > 0 else []
            ),
            "originalPriceSet": bag(s.price, *cur),
            "discountedPriceSet": bag(s.price - s.discount, *cur),
            "currentDiscountedPriceSet": bag(s.price - s.discount, *cur),
            "taxLines": [_tax(t, cur) for t in s.taxes],
            "_price": s.price.store(),
            "_discount": s.discount.store(),
        }
        for s in spec.shipping
    ]


def _order_record(shop: Shop, spec: OrderSpec, customer: int | None) -> Record:
    number = shop.next_number()
    now = shop.now()
    sequence = next_order_number(shop)
    return {
        **record_ids("Order", number),
        "number": sequence,
        "name": spec.name or f"#{1000 + sequence}",
        "email": spec.email,
        "phone": spec.phone,
        "note": spec.note,
        "tags": spec.tags,
        "poNumber": spec.po_number,
        "createdAt": now,
        "updatedAt": now,
        "processedAt": spec.processed_at or now,
        "cancelledAt": None,
        "cancelReason": None,
        "closed": False,
        "closedAt": spec.closed_at,
        "confirmed": True,
        "edited": False,
        "merchantEditable": True,
        "test": spec.test,
        "sourceName": spec.source_name or API_SOURCE_NAME,
        "sourceIdentifier": spec.source_identifier,
        "currencyCode": spec.currency,
        "presentmentCurrencyCode": spec.presentment,
        "customAttributes": spec.attributes,
        "discountCodes": spec.discount_codes,
        "taxesIncluded": spec.taxes_included,
        "taxExempt": False,
        "customerLocale": "en",
        "paymentTerms": None,
        "refunds": [],
        "shippingAddress": mailing_address(shop, spec.shipping_address),
        "billingAddress": mailing_address(shop, spec.billing_address),
        "_customer": customer,
        "_line_items": [],
        "_shipping_lines": [],
        "_tax_lines": [],
        "_transactions": [],
        "_fulfillment_orders": [],
        "_fulfillments": [],
        "_financial_status": spec.financial_status,
        "_fulfillment_status": None,
        "_closed_by_input": spec.closed_at is not None,
        "_draft": spec.draft,
        "_index": [],
    }


def place(context: Context, spec: OrderSpec) -> Record:
    """Create the order described by ``spec`` and announce it; stock is checked beforehand."""
    shop = context.shop
    assign_locations(shop, spec)
    check_stock(shop, spec)
    customer = _customer(context, spec)
    if not spec.email and customer is not None:
        spec.email = shop.customers[customer].get("email")
    order = _order_record(shop, spec, customer)
    number = int(order["legacyResourceId"])
    shop.orders[number] = order
    cur = (spec.currency, spec.presentment)
    lines = [(_line_record(shop, order, line, cur), line) for line in spec.lines]
    order["_line_items"] = [int(record["legacyResourceId"]) for record, _ in lines]
    order["_shipping_lines"] = _shipping_lines(shop, spec, cur)
    order["_tax_lines"] = [_tax(t, cur) for t in spec.taxes]
    order["_transactions"] = _transactions(shop, spec, cur)
    _settle_total_transactions(shop, order)
    by_location: dict[int, list[tuple[Record, int]]] = {}
    for record, line in lines:
        if spec.inventory != "BYPASS" and line.location is not None:
            order_inventory.claim(shop, context.emit, record, line.location)
        if line.location is not None:
            by_location.setdefault(line.location, []).append((record, line.quantity))
    for location, quantities in by_location.items():
        new_fulfillment_order(shop, order, location, quantities)
    shipped = _fulfill_on_create(context, order, spec)
    touch(shop, order)
    if order["_customer"] is not None:
        customer_search.index(shop, shop.customers[order["_customer"]])
    context.emit("orders/create", order)
    if shipped is not None:
        context.emit("fulfillments/create", shipped)
    return order


def _settle_total_transactions(shop: Shop, order: Record) -> None:
    """A transaction synthesised from ``financialStatus`` is for the order's whole total."""
    if not any(t["_total"] for t in order["_transactions"]):
        return
    refresh(shop, order)
    grand = order["totalPriceSet"]
    amount = Amount.load([grand["shopMoney"]["amount"], grand["presentmentMoney"]["amount"]])
    for transaction in order["_transactions"]:
        if transaction["_total"]:
            transaction["_amount"] = amount.store()
            transaction["amountSet"] = bag(amount, *currencies(order))


def _fulfill_on_create(context: Context, order: Record, spec: OrderSpec) -> Record | None:
    """Ship what the input says was already shipped; the fulfillment made, if any."""
    shop = context.shop
    status = spec.fulfillment_status
    if status == "RESTOCKED":
        order["_fulfillment_status"] = "RESTOCKED"
        for number in order["_fulfillment_orders"]:
            fulfillment_model.sync_status(shop, shop.fulfillment_orders[number], "CLOSED")
        return None
    if not spec.fulfillment and status not in ("FULFILLED", "PARTIAL"):
        return None
    picks = [
        (fo, item, item["remainingQuantity"])
        for number in order["_fulfillment_orders"]
        for fo in [shop.fulfillment_orders[number]]
        for item in fo["_line_items"]
    ]
    if status == "PARTIAL" and not spec.fulfillment:
        picks = _partial(picks)
        if not picks:
            order["_fulfillment_status"] = "PARTIALLY_FULFILLED"
            return None
    given: dict[str, Any] = spec.fulfillment or {}
    tracking = fulfillment_model.tracking_entries(
        {"number": given.get("trackingNumber"), "company": given.get("trackingCompany")}
    )
    return fulfillment_model.ship(
        shop, context.emit, order, picks, tracking, bool(given.get("notifyCustomer"))
    )


def _partial(picks: list[tuple[Record, Record, int]]) -> list[tuple[Record, Record, int]]:
    """Half of the first line (at least one unit), leaving the rest unfulfilled."""
    if sum(quantity for _, _, quantity in picks) < 2:
        return []
    fulfillment_order, item, quantity = picks[0]
    return [(fulfillment_order, item, max(1, quantity // 2))]
