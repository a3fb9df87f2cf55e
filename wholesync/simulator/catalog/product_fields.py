"""Fields of Product, ProductVariant, ProductOption, Collection and media records that are
computed from relations rather than stored."""

from __future__ import annotations

import re
from typing import Any

from graphql import GraphQLResolveInfo

from wholesync.simulator.api.pagination import connection, count_payload
from wholesync.simulator.catalog.model import available_total
from wholesync.simulator.ids import gid, parse_gid
from wholesync.simulator.registry import ctx, relation, resolves
from wholesync.simulator.store import Record, Shop

_TAG = re.compile(r"<[^>]+>")


def _number(record: Record) -> int:
    return int(record["id"].rsplit("/", 1)[1])


def _shop(info: GraphQLResolveInfo) -> Shop:
    return ctx(info).shop


def variants_of(shop: Shop, product: Record) -> list[Record]:
    return [shop.variants[n] for n in product["_variants"] if n in shop.variants]


def media_of(shop: Shop, product: Record) -> list[Record]:
    return [shop.media[n] for n in product["_media"] if n in shop.media]


def _money_v2(amount: str, currency: str) -> dict[str, Any]:
    # MoneyV2.amount drops trailing zeros the way Shopify prints decimals ("68.0").
    return {"amount": str(float(amount)), "currencyCode": currency}


def plain_text(html: str, truncate_at: int | None = None) -> str:
    text = " ".join(_TAG.sub(" ", html or "").split())
    if truncate_at is not None and len(text) > truncate_at:
        return text[: max(0, truncate_at - 3)].rstrip() + "..."
    return text


# Product ---------------------------------------------------------------------------------


@resolves("Product", "variants")
def product_variants(product: Record, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    shop = _shop(info)
    records = variants_of(shop, product)
    key = args.get("sortKey") or "POSITION"
    if key == "POSITION":
        records.sort(key=lambda v: v["position"])
        return connection(records, args, _number, lambda v: v["position"])
    if key == "SKU":
        records.sort(key=lambda v: ((v["sku"] or "").lower(), _number(v)))
    return connection(records, args, _number)


@resolves("Product", "variantsCount")
def product_variants_count(product: Record, info: GraphQLResolveInfo) -> dict[str, Any]:
    return count_payload(len(variants_of(_shop(info), product)))


@resolves("Product", "totalVariants")
def product_total_variants(product: Record, info: GraphQLResolveInfo) -> int:
    return len(variants_of(_shop(info), product))


@resolves("Product", "options")
def product_options(
    product: Record, info: GraphQLResolveInfo, first: int | None = None
) -> list[Record]:
    options: list[Record] = product["_options"]
    return options[:first] if first is not None else options


@resolves("ProductOption", "optionValues")
def option_values(option: Record, info: GraphQLResolveInfo) -> list[Record]:
    return [
        {
            "__typename": "ProductOptionValue",
            "id": gid("ProductOptionValue", n),
            "name": value,
            "hasVariants": True,
        }
        for value, n in zip(option["values"], option["_value_numbers"], strict=False)
    ]


@resolves("SelectedOption", "optionValue")
def selected_option_value(selected: Record, info: GraphQLResolveInfo) -> Record:
    number = selected.get("_value_number") or 0
    return {
        "__typename": "ProductOptionValue",
        "id": gid("ProductOptionValue", number),
        "name": selected["value"],
        "hasVariants": True,
    }


@resolves("Product", "media")
def product_media(product: Record, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    records = media_of(_shop(info), product)
    if args.get("sortKey") == "ID":
        records.sort(key=_number)
    return connection(records, args, _number)


@resolves("Product", "mediaCount")
def product_media_count(product: Record, info: GraphQLResolveInfo) -> dict[str, Any]:
    return count_payload(len(media_of(_shop(info), product)))


@resolves("Product", "featuredMedia")
def product_featured_media(product: Record, info: GraphQLResolveInfo) -> Record | None:
    media = media_of(_shop(info), product)
    return media[0] if media else None


@resolves("Product", "collections")
def product_collections(product: Record, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    shop = _shop(info)
    records = [shop.collections[n] for n in product["_collections"] if n in shop.collections]
    records.sort(key=_number)
    return connection(records, args, _number)


@resolves("Product", "inCollection")
def product_in_collection(product: Record, info: GraphQLResolveInfo, id: str) -> bool:
    parsed = parse_gid(id)
    return parsed is not None and parsed[1] in product["_collections"]


@resolves("Product", "totalInventory")
def product_total_inventory(product: Record, info: GraphQLResolveInfo) -> int:
    shop = _shop(info)
    return sum(available_total(shop, v["_inventory_item"]) for v in variants_of(shop, product))


@resolves("Product", "tracksInventory")
def product_tracks_inventory(product: Record, info: GraphQLResolveInfo) -> bool:
    shop = _shop(info)
    items = (shop.inventory_items.get(v["_inventory_item"]) for v in variants_of(shop, product))
    return any(item is not None and item["tracked"] for item in items)


@resolves("Product", "hasOnlyDefaultVariant")
def product_has_only_default_variant(product: Record, info: GraphQLResolveInfo) -> bool:
    options = product["_options"]
    return len(options) == 1 and options[0]["values"] == ["Default Title"]


@resolves("Product", "hasOutOfStockVariants")
def product_has_out_of_stock(product: Record, info: GraphQLResolveInfo) -> bool:
    shop = _shop(info)
    return any(available_total(shop, v["_inventory_item"]) <= 0 for v in variants_of(shop, product))


@resolves("Product", "priceRangeV2")
def product_price_range(product: Record, info: GraphQLResolveInfo) -> dict[str, Any]:
    shop = _shop(info)
    prices = sorted((float(v["price"]), v["price"]) for v in variants_of(shop, product))
    low, high = (prices[0][1], prices[-1][1]) if prices else ("0.00", "0.00")
    return {
        "minVariantPrice": _money_v2(low, shop.currency),
        "maxVariantPrice": _money_v2(high, shop.currency),
    }


@resolves("Product", "description")
def product_description(
    product: Record, info: GraphQLResolveInfo, truncateAt: int | None = None
) -> str:
    return plain_text(product["descriptionHtml"], truncateAt)


@resolves("Product", "seo")
def product_seo(product: Record, info: GraphQLResolveInfo) -> dict[str, Any]:
    return {"title": None, "description": None}


@resolves("Product", "onlineStorePreviewUrl")
def product_preview_url(product: Record, info: GraphQLResolveInfo) -> str:
    return f"https://{_shop(info).domain}/products/{product['handle']}"


def _publication_count(product: Record, info: GraphQLResolveInfo, **_: Any) -> dict[str, Any]:
    return count_payload(1 if product["status"] == "ACTIVE" else 0)


resolves("Product", "availablePublicationsCount")(_publication_count)
resolves("Product", "resourcePublicationsCount")(_publication_count)


def _constant(type_name: str, field_name: str, value: Any) -> None:
    def resolve(parent: Record, info: GraphQLResolveInfo, **_: Any) -> Any:
        return parent.get(field_name, value)

    resolves(type_name, field_name)(resolve)


for _field, _value in (
    ("isGiftCard", False),
    ("requiresSellingPlan", False),
    ("category", None),
    ("combinedListingRole", None),
    ("giftCardTemplateSuffix", None),
):
    _constant("Product", _field, _value)
for _field, _value in (
    ("requiresComponents", False),
    ("showUnitPrice", False),
    ("unitPrice", None),
    ("unitPriceMeasurement", None),
    ("taxCode", None),
):
    _constant("ProductVariant", _field, _value)


# ProductVariant --------------------------------------------------------------------------


relation("ProductVariant", "product", lambda shop: shop.products, "_product")
relation("ProductVariant", "inventoryItem", lambda shop: shop.inventory_items, "_inventory_item")


@resolves("ProductVariant", "inventoryQuantity")
def variant_inventory_quantity(variant: Record, info: GraphQLResolveInfo) -> int:
    return available_total(_shop(info), variant["_inventory_item"])


@resolves("ProductVariant", "sellableOnlineQuantity")
def variant_sellable_online(variant: Record, info: GraphQLResolveInfo) -> int:
    return max(0, available_total(_shop(info), variant["_inventory_item"]))


@resolves("ProductVariant", "availableForSale")
def variant_available_for_sale(variant: Record, info: GraphQLResolveInfo) -> bool:
    shop = _shop(info)
    product = shop.products.get(variant["_product"])
    item = shop.inventory_items.get(variant["_inventory_item"])
    if product is None or product["status"] != "ACTIVE":
        return False
    if item is None or not item["tracked"] or variant["inventoryPolicy"] == "CONTINUE":
        return True
    return available_total(shop, variant["_inventory_item"]) > 0


@resolves("ProductVariant", "media")
def variant_media(variant: Record, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    shop = _shop(info)
    image = shop.media.get(variant.get("_image") or 0)
    return connection([image] if image else [], args, _number)


@resolves("ProductVariant", "image")
def variant_image(variant: Record, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any] | None:
    media = _shop(info).media.get(variant.get("_image") or 0)
    return image_of(media) if media else None


# Collection ------------------------------------------------------------------------------


@resolves("Collection", "products")
def collection_products(collection: Record, info: GraphQLResolveInfo, **args: Any) -> Any:
    shop = _shop(info)
    records = [shop.products[n] for n in collection["_products"] if n in shop.products]
    key = args.get("sortKey") or "COLLECTION_DEFAULT"
    if key == "TITLE":
        records.sort(key=lambda p: (p["title"].lower(), _number(p)))
    elif key in ("ID", "CREATED"):
        records.sort(key=lambda p: (p["createdAt"], _number(p)) if key == "CREATED" else _number(p))
    return connection(records, args, _number)


@resolves("Collection", "productsCount")
def collection_products_count(collection: Record, info: GraphQLResolveInfo) -> dict[str, Any]:
    shop = _shop(info)
    return count_payload(sum(1 for n in collection["_products"] if n in shop.products))


@resolves("Collection", "hasProduct")
def collection_has_product(collection: Record, info: GraphQLResolveInfo, id: str) -> bool:
    parsed = parse_gid(id)
    return parsed is not None and parsed[1] in collection["_products"]


@resolves("Collection", "description")
def collection_description(
    collection: Record, info: GraphQLResolveInfo, truncateAt: int | None = None
) -> str:
    return plain_text(collection["descriptionHtml"], truncateAt)


@resolves("Collection", "seo")
def collection_seo(collection: Record, info: GraphQLResolveInfo) -> dict[str, Any]:
    return {"title": None, "description": None}


_constant("Collection", "image", None)
_constant("Collection", "ruleSet", None)


# Media -----------------------------------------------------------------------------------


def image_of(media: Record) -> dict[str, Any]:
    return {
        "id": gid("ImageSource", media["_image_number"]),
        "url": media["_url"],
        "altText": media["alt"],
        "width": media["_width"],
        "height": media["_height"],
        "thumbhash": None,
    }


@resolves("MediaImage", "image")
def media_image(media: Record, info: GraphQLResolveInfo) -> dict[str, Any]:
    return image_of(media)


@resolves("MediaImage", "preview")
def media_preview(media: Record, info: GraphQLResolveInfo) -> dict[str, Any]:
    return {"image": image_of(media), "status": "READY"}


@resolves("MediaImage", "originalSource")
def media_original_source(media: Record, info: GraphQLResolveInfo) -> dict[str, Any]:
    return {"url": media["_url"], "fileSize": None}


_constant("MediaImage", "mediaErrors", [])
_constant("MediaImage", "mediaWarnings", [])


@resolves("Image", "url")
def image_url(image: Record, info: GraphQLResolveInfo, transform: Any = None) -> str:
    url: str = image["url"]
    return url
