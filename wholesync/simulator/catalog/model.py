"""Builders for catalog records (products, variants, inventory items, media, locations).

Seeding and merchant actions both build records here, so every record has the same keys.
They are plain functions over plain dicts because seeding creates hundreds of thousands.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from wholesync.simulator.ids import gid
from wholesync.simulator.store import Record, Shop, add_record

DEFAULT_OPTION = "Title"
DEFAULT_VALUE = "Default Title"
_NOT_HANDLE = re.compile(r"[^a-z0-9]+")


def handleize(text: str) -> str:
    """Shopify's handle rule: lowercase ASCII words joined by dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_HANDLE.sub("-", ascii_text.lower()).strip("-") or "product"


def unique_handle(shop: Shop, wanted: str, taken: set[str] | None = None) -> str:
    """``wanted``, or ``wanted-1``, ``wanted-2``... when another product already has it."""
    used = taken if taken is not None else {p["handle"] for p in shop.products.values()}
    handle, suffix = wanted, 0
    while handle in used:
        suffix += 1
        handle = f"{wanted}-{suffix}"
    used.add(handle)
    return handle


def normalize_tags(tags: Iterable[str]) -> list[str]:
    """Split on commas, trim, drop blanks and case-insensitive duplicates, sort like Shopify."""
    seen: dict[str, str] = {}
    for raw in tags:
        for part in str(raw).split(","):
            tag = part.strip()
            if tag and tag.lower() not in seen:
                seen[tag.lower()] = tag
    return sorted(seen.values(), key=lambda t: (t.lower(), t))


def money(value: Any) -> str:
    return f"{float(value):.2f}"


def new_product(
    shop: Shop,
    *,
    title: str,
    handle: str,
    now: str,
    vendor: str = "",
    product_type: str = "",
    status: str = "ACTIVE",
    tags: Sequence[str] = (),
    description_html: str = "",
    options: Sequence[tuple[str, Sequence[str]]] = (),
) -> Record:
    """Create and store a product without variants; ``add_variant`` adds them."""
    number = shop.next_number()
    option_records = []
    for position, (name, values) in enumerate(options or [(DEFAULT_OPTION, [DEFAULT_VALUE])], 1):
        option_records.append(
            {
                "id": gid("ProductOption", shop.next_number()),
                "name": name,
                "position": position,
                "values": list(values),
                "_value_numbers": [shop.next_number() for _ in values],
            }
        )
    fields: Record = {
        "title": title,
        "handle": handle,
        "descriptionHtml": description_html,
        "vendor": vendor,
        "productType": product_type,
        "status": status,
        "tags": list(tags),
        "createdAt": now,
        "updatedAt": now,
        "publishedAt": now if status == "ACTIVE" else None,
        "onlineStoreUrl": None,
        "templateSuffix": None,
        "_options": option_records,
        "_variants": [],
        "_media": [],
        "_collections": [],
    }
    return add_record(shop.products, "Product", number, fields)


def add_variant(
    shop: Shop,
    product: Record,
    *,
    option_values: Sequence[str],
    now: str,
    price: str = "0.00",
    sku: str | None = None,
    barcode: str | None = None,
    compare_at_price: str | None = None,
    tracked: bool = True,
    locations: Iterable[int] = (),
    weight: float = 0.3,
) -> Record:
    """Create a variant, its inventory item and an empty level at each of ``locations``."""
    number = shop.next_number()
    item_number = shop.next_number()
    values = list(option_values) or [DEFAULT_VALUE]
    selected = []
    for option, value in zip(product["_options"], values, strict=False):
        numbers = dict(zip(option["values"], option["_value_numbers"], strict=False))
        selected.append(
            {"name": option["name"], "value": value, "_value_number": numbers.get(value, 0)}
        )
    title = " / ".join(values)
    variant_fields: Record = {
        "title": title,
        "displayName": f"{product['title']} - {title}",
        "sku": sku,
        "barcode": barcode,
        "price": price,
        "compareAtPrice": compare_at_price,
        "position": len(product["_variants"]) + 1,
        "taxable": True,
        "inventoryPolicy": "DENY",
        "selectedOptions": selected,
        "createdAt": now,
        "updatedAt": now,
        "_product": int(product["legacyResourceId"]),
        "_inventory_item": item_number,
        "_image": None,
    }
    variant = add_record(shop.variants, "ProductVariant", number, variant_fields)
    item_fields: Record = {
        "sku": sku,
        "tracked": tracked,
        "requiresShipping": True,
        "countryCodeOfOrigin": None,
        "provinceCodeOfOrigin": None,
        "harmonizedSystemCode": None,
        "createdAt": now,
        "updatedAt": now,
        "_variant": number,
        "_weight": {"unit": "KILOGRAMS", "value": weight},
        "_cost": None,
    }
    add_record(shop.inventory_items, "InventoryItem", item_number, item_fields)
    for location in locations:
        shop.ensure_level(item_number, location)
    product["_variants"].append(number)
    return variant


def add_image(shop: Shop, product: Record, url: str, alt: str, now: str) -> Record:
    """Attach a ready ``MediaImage`` to ``product``."""
    number = shop.next_number()
    media: Record = {
        "__typename": "MediaImage",
        "id": gid("MediaImage", number),
        "alt": alt,
        "createdAt": now,
        "updatedAt": now,
        "mediaContentType": "IMAGE",
        "mimeType": "image/jpeg",
        "status": "READY",
        "_url": url,
        "_width": 1600,
        "_height": 2000,
        "_image_number": shop.next_number(),
        "_product": int(product["legacyResourceId"]),
    }
    shop.media[number] = media
    product["_media"].append(number)
    return media


def new_location(shop: Shop, name: str, address: dict[str, Any], now: str) -> Record:
    number = shop.next_number()
    fields: Record = {
        "name": name,
        "isActive": True,
        "fulfillsOnlineOrders": True,
        "shipsInventory": True,
        "isPrimary": not shop.locations,
        "isFulfillmentService": False,
        "fulfillmentService": None,
        "activatable": False,
        "deactivatable": bool(shop.locations),
        "deletable": False,
        "deactivatedAt": None,
        "addressVerified": True,
        "hasActiveInventory": True,
        "hasUnfulfilledOrders": False,
        "suggestedAddresses": [],
        "address": address,
        "createdAt": now,
        "updatedAt": now,
    }
    return add_record(shop.locations, "Location", number, fields)


def location_address(
    address1: str, city: str, province_code: str, zip_code: str, country_code: str = "US"
) -> dict[str, Any]:
    provinces = {"NY": "New York", "CA": "California", "NJ": "New Jersey", "TX": "Texas"}
    province = provinces.get(province_code, province_code)
    country = "United States" if country_code == "US" else country_code
    return {
        "address1": address1,
        "address2": None,
        "city": city,
        "province": province,
        "provinceCode": province_code,
        "zip": zip_code,
        "country": country,
        "countryCode": country_code,
        "phone": None,
        "latitude": None,
        "longitude": None,
        "formatted": [address1, f"{city} {province_code} {zip_code}", country],
    }


def delete_product(shop: Shop, number: int) -> Record | None:
    """Remove a product with its variants, items, levels, media and metafields."""
    product = shop.products.pop(number, None)
    if product is None:
        return None
    owners = {product["id"]}
    for variant_number in product["_variants"]:
        variant = shop.variants.pop(variant_number, None)
        if variant is None:
            continue
        owners.add(variant["id"])
        item = variant["_inventory_item"]
        shop.inventory_items.pop(item, None)
        for location in list(shop.locations):
            shop.inventory_levels.pop((item, location), None)
    for media_number in product["_media"]:
        shop.media.pop(media_number, None)
    for collection_number in product["_collections"]:
        collection = shop.collections.get(collection_number)
        if collection is not None and number in collection["_products"]:
            collection["_products"].remove(number)
    for owner in owners:
        for metafield in shop.metafields_of(owner):
            shop.metafields.pop(int(metafield["legacyResourceId"]), None)
    return product


def available_total(shop: Shop, item: int) -> int:
    """Units available for sale across the shop's active locations."""
    total = 0
    for number, location in shop.locations.items():
        level = shop.inventory_levels.get((item, number))
        if level is not None and location["isActive"]:
            total += level["available"]
    return total
