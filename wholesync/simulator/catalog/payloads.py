"""Webhook bodies for the products topics, in Shopify's REST shape (see the topic examples)."""

from __future__ import annotations

from typing import Any

from wholesync.simulator.catalog.model import available_total
from wholesync.simulator.registry import webhook_payload
from wholesync.simulator.store import Record, Shop


def _number(value: str) -> int:
    return int(value.rsplit("/", 1)[1])


def _variant_payload(shop: Shop, product_number: int, variant: Record) -> dict[str, Any]:
    options = [o["value"] for o in variant["selectedOptions"]] + [None, None, None]
    quantity = available_total(shop, variant["_inventory_item"])
    return {
        "admin_graphql_api_id": variant["id"],
        "barcode": variant["barcode"],
        "compare_at_price": variant["compareAtPrice"],
        "created_at": variant["createdAt"],
        "id": int(variant["legacyResourceId"]),
        "inventory_policy": variant["inventoryPolicy"].lower(),
        "position": variant["position"],
        "price": variant["price"],
        "product_id": product_number,
        "sku": variant["sku"],
        "taxable": variant["taxable"],
        "title": variant["title"],
        "updated_at": variant["updatedAt"],
        "option1": options[0],
        "option2": options[1],
        "option3": options[2],
        "image_id": variant.get("_image"),
        "inventory_item_id": variant["_inventory_item"],
        "inventory_quantity": quantity,
        "old_inventory_quantity": quantity,
    }


def _image_payload(
    product_number: int, position: int, media: Record, variant_ids: list[int]
) -> dict[str, Any]:
    return {
        "id": media["_image_number"],
        "alt": media["alt"],
        "position": position,
        "product_id": product_number,
        "created_at": media["createdAt"],
        "updated_at": media["updatedAt"],
        "admin_graphql_api_id": f"gid://shopify/ProductImage/{media['_image_number']}",
        "width": media["_width"],
        "height": media["_height"],
        "src": media["_url"],
        "variant_ids": variant_ids,
    }


def _media_payload(
    product_number: int, position: int, media: Record, variant_ids: list[int]
) -> dict[str, Any]:
    return {
        "id": _number(media["id"]),
        "product_id": product_number,
        "position": position,
        "created_at": media["createdAt"],
        "updated_at": media["updatedAt"],
        "alt": media["alt"],
        "status": media["status"],
        "media_content_type": media["mediaContentType"],
        "preview_image": {
            "width": media["_width"],
            "height": media["_height"],
            "src": media["_url"],
            "status": "READY",
        },
        "variant_ids": variant_ids,
        "admin_graphql_api_id": media["id"],
    }


@webhook_payload("products/create", "products/update")
def product_payload(shop: Shop, product: Record) -> dict[str, Any]:
    """The product with its variants, options, images and media, as REST renders it."""
    number = int(product["legacyResourceId"])
    variants = [shop.variants[n] for n in product["_variants"] if n in shop.variants]
    media = [shop.media[n] for n in product["_media"] if n in shop.media]
    images, media_list = [], []
    for position, record in enumerate(media, 1):
        media_number = _number(record["id"])
        ids = [int(v["legacyResourceId"]) for v in variants if v.get("_image") == media_number]
        images.append(_image_payload(number, position, record, ids))
        media_list.append(_media_payload(number, position, record, ids))
    return {
        "admin_graphql_api_id": product["id"],
        "body_html": product["descriptionHtml"],
        "created_at": product["createdAt"],
        "handle": product["handle"],
        "id": number,
        "product_type": product["productType"],
        "published_at": product["publishedAt"],
        "template_suffix": product["templateSuffix"],
        "title": product["title"],
        "updated_at": product["updatedAt"],
        "vendor": product["vendor"],
        "status": product["status"].lower(),
        "published_scope": "web",
        "tags": ", ".join(product["tags"]),
        "variants": [_variant_payload(shop, number, v) for v in variants],
        "options": [
            {
                "name": option["name"],
                "id": _number(option["id"]),
                "product_id": number,
                "position": option["position"],
                "values": list(option["values"]),
            }
            for option in product["_options"]
        ],
        "images": images,
        "image": images[0] if images else None,
        "media": media_list,
        "variant_gids": [
            {"admin_graphql_api_id": v["id"], "updated_at": v["updatedAt"]} for v in variants
        ],
        "has_variants_that_requires_components": False,
        "category": None,
    }


@webhook_payload("products/delete")
def product_delete_payload(shop: Shop, product: Record) -> dict[str, Any]:
    return {"id": int(product["legacyResourceId"])}
