"""The merchant's catalog actions on the control API (create, edit and delete products, create
collections) and the ``products`` state listing."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from wholesync.simulator.catalog.inventory_model import level_gid
from wholesync.simulator.catalog.model import (
    DEFAULT_OPTION,
    DEFAULT_VALUE,
    add_image,
    add_variant,
    available_total,
    delete_product,
    handleize,
    money,
    new_product,
    normalize_tags,
    unique_handle,
)
from wholesync.simulator.control import ControlError, inspector, merchant_action
from wholesync.simulator.ids import gid, parse_gid
from wholesync.simulator.metafields.model import digest, find_metafield, new_metafield
from wholesync.simulator.registry import Context
from wholesync.simulator.store import Record, Shop, add_record

Strict = ConfigDict(extra="forbid")


class OptionIn(BaseModel):
    model_config = Strict
    name: str = Field(min_length=1)
    values: list[str] = Field(min_length=1)


class VariantIn(BaseModel):
    model_config = Strict
    id: str | None = None
    sku: str | None = None
    barcode: str | None = None
    price: float | str | None = None
    compareAtPrice: float | str | None = None
    options: list[str] = []
    tracked: bool = True
    inventoryPolicy: Literal["DENY", "CONTINUE"] | None = None
    available: int | None = Field(None, description="stock set at the first location")


class MetafieldIn(BaseModel):
    model_config = Strict
    namespace: str = Field(min_length=1)
    key: str = Field(min_length=1)
    type: str = "single_line_text_field"
    value: str
    variantIndex: int | None = Field(None, description="owner: this variant, not the product")


class ProductEdit(BaseModel):
    """Body of ``POST /products/{id}``: only the given fields change."""

    model_config = Strict
    title: str | None = Field(None, min_length=1)
    handle: str | None = None
    vendor: str | None = None
    productType: str | None = None
    status: Literal["ACTIVE", "DRAFT", "ARCHIVED", "UNLISTED"] | None = None
    tags: list[str] | str | None = None
    descriptionHtml: str | None = None
    variants: list[VariantIn] = []
    metafields: list[MetafieldIn] = []


class ProductIn(ProductEdit):
    """Body of ``POST /products``."""

    title: str = Field(min_length=1)
    status: Literal["ACTIVE", "DRAFT", "ARCHIVED", "UNLISTED"] = "ACTIVE"
    options: list[OptionIn] = []
    images: list[str] = []


def _tags(value: list[str] | str) -> list[str]:
    return normalize_tags([value] if isinstance(value, str) else value)


def _price(value: float | str | None) -> str | None:
    try:
        return None if value is None else money(value)
    except ValueError as exc:
        raise ControlError(422, "INVALID_INPUT", f"{value!r} is not a price") from exc


def _answer(shop: Shop, product: Record) -> dict[str, Any]:
    variants = []
    for number in product["_variants"]:
        variant = shop.variants[number]
        item = variant["_inventory_item"]
        levels = [
            {"id": level_gid(item, loc), "locationId": gid("Location", loc)}
            for loc in shop.locations
            if (item, loc) in shop.inventory_levels
        ]
        variants.append(
            {
                "id": variant["id"],
                "sku": variant["sku"],
                "inventoryItemId": gid("InventoryItem", item),
                "inventoryLevels": levels,
            }
        )
    metafields = [
        {"id": m["id"], "namespace": m["namespace"], "key": m["key"], "owner": m["_owner"]}
        for owner in [product["id"]] + [shop.variants[n]["id"] for n in product["_variants"]]
        for m in shop.metafields_of(owner)
    ]
    return {
        "product": {
            "id": product["id"],
            "handle": product["handle"],
            "variants": variants,
            "metafields": metafields,
        }
    }


def _set_metafields(shop: Shop, product: Record, entries: list[MetafieldIn], now: str) -> None:
    for entry in entries:
        owner = product["id"]
        if entry.variantIndex is not None:
            if not 0 <= entry.variantIndex < len(product["_variants"]):
                raise ControlError(422, "INVALID_INPUT", "variantIndex is out of range")
            owner = shop.variants[product["_variants"][entry.variantIndex]]["id"]
        existing = find_metafield(shop, owner, entry.namespace, entry.key)
        if existing is None:
            new_metafield(shop, owner, entry.namespace, entry.key, entry.type, entry.value, now)
            continue
        existing.update(type=entry.type, value=entry.value, updatedAt=now)
        existing["compareDigest"] = digest(existing)


def _product_number(params: dict[str, str]) -> int:
    raw = params["id"]
    parsed = parse_gid(raw)
    if parsed is not None:
        return parsed[1]
    if not raw.isdigit():
        raise ControlError(404, "PRODUCT_NOT_FOUND", f"{raw!r} is not a product id")
    return int(raw)


@merchant_action("POST", "/products")
def create_product(context: Context, params: dict[str, str], body: dict[str, Any]) -> Any:
    """Create a product with its variants (one default variant when none are given)."""
    shop, spec = context.shop, ProductIn.model_validate(body)
    now = shop.now()
    options = [(o.name, o.values) for o in spec.options]
    variants = spec.variants or [VariantIn()]
    if not options and (len(variants) > 1 or variants[0].options):
        raise ControlError(422, "INVALID_INPUT", "variants with options need product options")
    for index, given in enumerate(variants):
        if options and len(given.options) != len(options):
            raise ControlError(
                422, "INVALID_INPUT", f"variants.{index}.options must give one value per option"
            )
    taken = {p["handle"] for p in shop.products.values()}
    product = new_product(
        shop,
        title=spec.title,
        handle=unique_handle(shop, handleize(spec.handle or spec.title), taken),
        now=now,
        vendor=shop.name if spec.vendor is None else spec.vendor,
        product_type=spec.productType or "",
        status=spec.status,
        tags=_tags(spec.tags or []),
        description_html=spec.descriptionHtml or "",
        options=options or [(DEFAULT_OPTION, [DEFAULT_VALUE])],
    )
    for url in spec.images:
        add_image(shop, product, url, spec.title, now)
    locations = [n for n, loc in shop.locations.items() if loc["isActive"]]
    for entry in variants:
        variant = add_variant(
            shop,
            product,
            option_values=entry.options or [DEFAULT_VALUE],
            now=now,
            price=_price(entry.price) or "0.00",
            sku=entry.sku,
            barcode=entry.barcode,
            compare_at_price=_price(entry.compareAtPrice),
            tracked=entry.tracked,
            locations=locations,
        )
        if entry.inventoryPolicy:
            variant["inventoryPolicy"] = entry.inventoryPolicy
        if entry.available is not None and locations:
            level = shop.inventory_levels[(variant["_inventory_item"], locations[0])]
            level["available"] = entry.available
            level["on_hand"] = entry.available + level["committed"] + level["reserved"]
    _set_metafields(shop, product, spec.metafields, now)
    context.emit("products/create", product)
    return _answer(shop, product)


@merchant_action("POST", "/products/{id}")
def edit_product(context: Context, params: dict[str, str], body: dict[str, Any]) -> Any:
    """Edit a product as the merchant would in the admin; emits ``products/update``."""
    shop, spec = context.shop, ProductEdit.model_validate(body)
    product = shop.products.get(_product_number(params))
    if product is None:
        raise ControlError(404, "PRODUCT_NOT_FOUND", f"No product {params['id']!r}.")
    now = shop.now()
    for field, value in (
        ("title", spec.title),
        ("vendor", spec.vendor),
        ("productType", spec.productType),
        ("descriptionHtml", spec.descriptionHtml),
    ):
        if value is not None:
            product[field] = value
    if spec.handle is not None:
        others = {p["handle"] for p in shop.products.values() if p is not product}
        product["handle"] = unique_handle(shop, handleize(spec.handle), others)
    if spec.status is not None:
        product["status"] = spec.status
        if spec.status == "ACTIVE" and product["publishedAt"] is None:
            product["publishedAt"] = now
    if spec.tags is not None:
        product["tags"] = _tags(spec.tags)
    for entry in spec.variants:
        _edit_variant(context, product, entry, now)
    _set_metafields(shop, product, spec.metafields, now)
    product["updatedAt"] = now
    context.emit("products/update", product)
    return _answer(shop, product)


def _edit_variant(context: Context, product: Record, entry: VariantIn, now: str) -> None:
    shop = context.shop
    parsed = parse_gid(entry.id or "")
    number = parsed[1] if parsed and parsed[0] == "ProductVariant" else None
    if number is None or number not in product["_variants"]:
        raise ControlError(404, "VARIANT_NOT_FOUND", f"No variant {entry.id!r} on this product.")
    variant = shop.variants[number]
    if entry.price is not None:
        variant["price"] = _price(entry.price)
    if entry.compareAtPrice is not None:
        variant["compareAtPrice"] = _price(entry.compareAtPrice)
    if entry.barcode is not None:
        variant["barcode"] = entry.barcode
    if entry.inventoryPolicy is not None:
        variant["inventoryPolicy"] = entry.inventoryPolicy
    if entry.sku is not None and entry.sku != variant["sku"]:
        variant["sku"] = entry.sku
        item = shop.inventory_items[variant["_inventory_item"]]
        item.update(sku=entry.sku, updatedAt=now)
        context.emit("inventory_items/update", item)
    variant["updatedAt"] = now


@merchant_action("DELETE", "/products/{id}")
def remove_product(context: Context, params: dict[str, str], body: dict[str, Any]) -> Any:
    product = delete_product(context.shop, _product_number(params))
    if product is None:
        raise ControlError(404, "PRODUCT_NOT_FOUND", f"No product {params['id']!r}.")
    context.emit("products/delete", product)
    return {"deletedProductId": product["id"]}


class CollectionIn(BaseModel):
    model_config = Strict
    title: str = Field(min_length=1)
    handle: str | None = None
    products: list[str] = []


@merchant_action("POST", "/collections")
def create_collection(context: Context, params: dict[str, str], body: dict[str, Any]) -> Any:
    """Create a custom collection holding the given products."""
    shop, spec = context.shop, CollectionIn.model_validate(body)
    members = []
    for value in spec.products:
        parsed = parse_gid(value)
        if parsed is None or parsed[1] not in shop.products:
            raise ControlError(404, "PRODUCT_NOT_FOUND", f"No product {value!r}.")
        members.append(parsed[1])
    number = shop.next_number()
    fields: Record = {
        "title": spec.title,
        "handle": handleize(spec.handle or spec.title),
        "descriptionHtml": "",
        "sortOrder": "MANUAL",
        "templateSuffix": None,
        "updatedAt": shop.now(),
        "_products": members,
    }
    add_record(shop.collections, "Collection", number, fields)
    for member in members:
        shop.products[member]["_collections"].append(number)
    return {"collection": {"id": gid("Collection", number)}}


def _metafield_rows(shop: Shop, owner: str) -> list[dict[str, Any]]:
    return [
        {"namespace": m["namespace"], "key": m["key"], "type": m["type"], "value": m["value"]}
        for m in shop.metafields_of(owner)
    ]


@inspector("products")
def list_products(shop: Shop) -> list[dict[str, Any]]:
    """Every product with its variants, stock totals and metafields."""
    rows = []
    for product in shop.products.values():
        variants = []
        for number in product["_variants"]:
            variant = shop.variants[number]
            variants.append(
                {
                    "id": variant["id"],
                    "title": variant["title"],
                    "sku": variant["sku"],
                    "barcode": variant["barcode"],
                    "price": variant["price"],
                    "compareAtPrice": variant["compareAtPrice"],
                    "selectedOptions": [
                        {"name": o["name"], "value": o["value"]} for o in variant["selectedOptions"]
                    ],
                    "inventoryItemId": gid("InventoryItem", variant["_inventory_item"]),
                    "inventoryQuantity": available_total(shop, variant["_inventory_item"]),
                    "metafields": _metafield_rows(shop, variant["id"]),
                }
            )
        rows.append(
            {
                "id": product["id"],
                "title": product["title"],
                "handle": product["handle"],
                "status": product["status"],
                "vendor": product["vendor"],
                "productType": product["productType"],
                "tags": product["tags"],
                "createdAt": product["createdAt"],
                "updatedAt": product["updatedAt"],
                "variants": variants,
                "metafields": _metafield_rows(shop, product["id"]),
            }
        )
    return rows
