"""Fulfillment orders and fulfillments: creating them for an order, shipping units and taking a
shipment back. The GraphQL surface lives in ``fulfillments.py``."""

from __future__ import annotations

from typing import Any

from wholesync.simulator.ids import gid
from wholesync.simulator.orders import stock as order_inventory
from wholesync.simulator.orders.money import Amount, bag
from wholesync.simulator.orders.records import OPEN_FULFILLMENT_ORDER, currencies
from wholesync.simulator.orders.stock import Emit
from wholesync.simulator.store import Record, Shop, add_record


def _hour(timestamp: str) -> str:
    """Shopify schedules a new fulfillment order at the top of the hour it was created in."""
    return timestamp[:14] + "00:00Z"


def assigned_location(shop: Shop, location_number: int) -> Record:
    location = shop.locations.get(location_number) or {}
    address = location.get("address") or {}
    return {
        "name": location.get("name", ""),
        "address1": address.get("address1"),
        "address2": address.get("address2"),
        "city": address.get("city"),
        "countryCode": address.get("countryCode") or "US",
        "phone": address.get("phone"),
        "province": address.get("province"),
        "zip": address.get("zip"),
        "_location": location_number,
    }


def _destination(shop: Shop, order: Record) -> Record | None:
    address = order["shippingAddress"]
    if not address:
        return None
    return {
        "__typename": "FulfillmentOrderDestination",
        "id": gid("FulfillmentOrderDestination", shop.next_number()),
        "address1": address["address1"],
        "address2": address["address2"],
        "city": address["city"],
        "company": address["company"],
        "countryCode": address["countryCodeV2"],
        "email": order["email"],
        "firstName": address["firstName"],
        "lastName": address["lastName"],
        "phone": address["phone"],
        "province": address["province"],
        "zip": address["zip"],
    }


def sync_status(shop: Shop, fulfillment_order: Record, status: str | None = None) -> None:
    """Set the status (or derive it from the remaining quantities) and the allowed actions."""
    items = fulfillment_order["_line_items"]
    remaining = sum(i["remainingQuantity"] for i in items)
    if status is None:
        if remaining == 0:
            status = "CLOSED"
        elif remaining < sum(i["totalQuantity"] for i in items):
            status = "IN_PROGRESS"
        else:
            status = "OPEN"
    fulfillment_order["status"] = status
    fulfillment_order["requestStatus"] = "UNSUBMITTED"
    actions: list[str] = []
    if status in OPEN_FULFILLMENT_ORDER:
        actions = ["CREATE_FULFILLMENT", "MOVE", "HOLD"]
        if remaining > 1:
            actions.append("SPLIT")
    fulfillment_order["supportedActions"] = [{"action": a, "externalUrl": None} for a in actions]
    fulfillment_order["updatedAt"] = shop.now()


def new_fulfillment_order(
    shop: Shop, order: Record, location: int, quantities: list[tuple[Record, int]]
) -> Record:
    """One fulfillment order for ``order`` at ``location``, holding the given line quantities."""
    number = shop.next_number()
    now = shop.now()
    items = []
    for line, quantity in quantities:
        items.append(
            {
                "__typename": "FulfillmentOrderLineItem",
                "id": gid("FulfillmentOrderLineItem", shop.next_number()),
                "totalQuantity": quantity,
                "remainingQuantity": quantity,
                "productTitle": line["_product_title"],
                "sku": line["sku"],
                "variantTitle": line["variantTitle"],
                "vendor": line["vendor"],
                "requiresShipping": line["requiresShipping"],
                "inventoryItemId": _inventory_item_gid(shop, line),
                "image": None,
                "weight": None,
                "_line_item": int(line["legacyResourceId"]),
                "_variant": line["_variant"],
            }
        )
    record: Record = {
        "__typename": "FulfillmentOrder",
        "id": gid("FulfillmentOrder", number),
        "createdAt": now,
        "updatedAt": now,
        "fulfillAt": _hour(now),
        "fulfillBy": None,
        "orderId": order["id"],
        "orderName": order["name"],
        "orderProcessedAt": order["processedAt"],
        "assignedLocation": assigned_location(shop, location),
        "destination": _destination(shop, order),
        "_order": int(order["legacyResourceId"]),
        "_location": location,
        "_line_items": items,
        "_fulfillments": [],
    }
    sync_status(shop, record, "OPEN")
    shop.fulfillment_orders[number] = record
    order["_fulfillment_orders"].append(number)
    return record


def _inventory_item_gid(shop: Shop, line: Record) -> str | None:
    variant = shop.variants.get(line["_variant"]) if line["_variant"] else None
    return gid("InventoryItem", variant["_inventory_item"]) if variant else None


def tracking_entries(given: dict[str, Any] | None) -> list[Record]:
    """``FulfillmentTrackingInput`` as the list of ``FulfillmentTrackingInfo`` it stands for."""
    if not given:
        return []
    company = given.get("company")
    numbers = list(given.get("numbers") or [])
    urls = list(given.get("urls") or [])
    if not numbers and given.get("number"):
        numbers = [given["number"]]
    if not urls and given.get("url"):
        urls = [given["url"]]
    if not numbers:
        return [{"number": None, "url": u, "company": company} for u in urls] or (
            [{"number": None, "url": None, "company": company}] if company else []
        )
    urls += [None] * (len(numbers) - len(urls))
    return [
        {"number": n, "url": u, "company": company} for n, u in zip(numbers, urls, strict=False)
    ]


def ship(
    shop: Shop,
    emit: Emit,
    order: Record,
    picks: list[tuple[Record, Record, int]],
    tracking: list[Record],
    notify: bool,
) -> Record:
    """Create a fulfillment for ``picks`` (fulfillment order, its line item, quantity)."""
    number = shop.next_number()
    now = shop.now()
    cur = currencies(order)
    items: list[Record] = []
    touched: list[Record] = []
    for fulfillment_order, item, quantity in picks:
        item["remainingQuantity"] -= quantity
        line = shop.line_items[item["_line_item"]]
        order_inventory.ship(shop, emit, line, quantity)
        unit = Amount.load(line["_unit"])
        items.append(
            {
                "__typename": "FulfillmentLineItem",
                "id": gid("FulfillmentLineItem", shop.next_number()),
                "quantity": quantity,
                "originalTotalSet": bag(unit.times(quantity), *cur),
                "discountedTotalSet": bag(unit.times(quantity), *cur),
                "_line_item": item["_line_item"],
                "_fulfillment_order": int(fulfillment_order["id"].rsplit("/", 1)[1]),
                "_fulfillment_order_line_item": item["id"],
            }
        )
        if fulfillment_order not in touched:
            touched.append(fulfillment_order)
    location = touched[0]["_location"] if touched else None
    fields: Record = {
        "name": f"{order['name']}-F{len(order['_fulfillments']) + 1}",
        "status": "SUCCESS",
        "displayStatus": "FULFILLED",
        "createdAt": now,
        "updatedAt": now,
        "deliveredAt": None,
        "estimatedDeliveryAt": None,
        "inTransitAt": None,
        "service": None,
        "requiresShipping": any(
            shop.line_items[i["_line_item"]]["requiresShipping"] for i in items
        ),
        "totalQuantity": sum(i["quantity"] for i in items),
        "trackingInfo": tracking,
        "_order": int(order["legacyResourceId"]),
        "_location": location,
        "_line_items": items,
        "_fulfillment_orders": [int(fo["id"].rsplit("/", 1)[1]) for fo in touched],
        "_notify": notify,
    }
    record = add_record(shop.fulfillments, "Fulfillment", number, fields)
    order["_fulfillments"].append(number)
    for fulfillment_order in touched:
        fulfillment_order["_fulfillments"].append(number)
        sync_status(shop, fulfillment_order)
    return record


def unship(shop: Shop, emit: Emit, order: Record, fulfillment: Record) -> None:
    """Cancel a fulfillment: its units become fulfillable again.

    A fulfillment order the shipment had closed stays closed (its quantities restored for the
    record) and the units move to a new open fulfillment order at the same location, as Shopify
    does; one still open simply gets the units back.
    """
    fulfillment["status"] = "CANCELLED"
    fulfillment["displayStatus"] = "CANCELED"
    fulfillment["updatedAt"] = shop.now()
    reopened: dict[int, list[tuple[Record, int]]] = {}
    for item in fulfillment["_line_items"]:
        fulfillment_order = shop.fulfillment_orders[item["_fulfillment_order"]]
        line = shop.line_items[item["_line_item"]]
        order_inventory.unship(shop, emit, line, item["quantity"])
        for fo_item in fulfillment_order["_line_items"]:
            if fo_item["id"] == item["_fulfillment_order_line_item"]:
                fo_item["remainingQuantity"] += item["quantity"]
        if fulfillment_order["status"] == "CLOSED":
            reopened.setdefault(fulfillment_order["_location"], []).append((line, item["quantity"]))
        else:
            sync_status(shop, fulfillment_order)
    for location, quantities in reopened.items():
        new_fulfillment_order(shop, order, location, quantities)
