"""F1 mapping: one Shopify product node -> a ProductRecord, an Archive or a Rejection.

Pure and deterministic: no I/O. The input is the node selected by ``products.graphql``
(connections as ``{"nodes": [...]}``) or the object rebuilt from
``bulk_products.graphql`` (the same connections as plain lists, e.g. ``variants: [...]``,
``media: [...]``, ``metafields: [...]``); :func:`~wholesync.sync.map_common.nodes` reads both.
A bulk product has no ``collections`` (the bulk connection budget is spent on variants):
join them from ``bulk_collections.graphql`` with :func:`collections_by_product` and
:func:`with_collections` before mapping.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeGuard

from wholesync.sync.errors import reject
from wholesync.sync.fingerprint import joined
from wholesync.sync.formula import FormulaError, apply_formula
from wholesync.sync.map_common import (
    MapError,
    complete_nodes,
    custom_fields,
    has_tag,
    image_of,
    is_tombstone,
    legacy_id,
    metafield_money,
    metafield_values,
    node_gid,
    nodes,
    parse_bool,
    parse_datetime,
    parse_decimal,
    plain,
    tag_list,
    text,
)
from wholesync.sync.records import (
    Archive,
    ImageRecord,
    OptionRecord,
    ProductRecord,
    Rejection,
    VariantRecord,
)
from wholesync.sync.settings import TenantSettings

DELETE_PAYLOAD_KEYS = frozenset({"id", "admin_graphql_api_id"})
DATE_FORMATS = {"MM/DD/YYYY": "%m/%d/%Y", "DD/MM/YYYY": "%d/%m/%Y", "YYYY-MM-DD": "%Y-%m-%d"}
KEY_NAMES = {"sku": "SKU", "barcode": "barcode", "variant_id": "variant id"}
SET_UPC_KEY = "match variants on another key (wholesync tenants set NAME upc_key {other})"


def map_product(node: Any, settings: TenantSettings) -> ProductRecord | Rejection | Archive:
    """Map one product node; never raises (a bad record becomes a Rejection)."""
    if not isinstance(node, Mapping):
        detail = f"A product node must be a JSON object, not {type(node).__name__}."
        return reject("product", None, None, "INVALID_PAYLOAD", detail=detail)
    gid = node_gid(node, "Product")
    key = text(node.get("handle")) or text(node.get("title")) or gid
    try:
        return _map(node, gid, settings)
    except MapError as exc:
        return reject("product", gid, key, exc.code, **exc.params)
    except Exception as exc:  # one malformed record must never stop a run
        detail = (
            f"Product {key or '(no id)'} could not be read ({type(exc).__name__}: {exc}). "
            "Check the product in Shopify; it is read again on the next run."
        )
        return reject("product", gid, key, "INVALID_PAYLOAD", detail=detail)


def _map(
    node: Mapping[str, Any], gid: str | None, settings: TenantSettings
) -> ProductRecord | Archive:
    if gid is None:
        raise MapError("INVALID_PAYLOAD", detail="A product node has no id; it cannot be synced.")
    if is_tombstone(node, DELETE_PAYLOAD_KEYS):
        return Archive("product", gid, "deleted")
    tags = tag_list(node.get("tags"))
    if settings.sync_tag and not has_tag(tags, settings.sync_tag):
        return Archive("product", gid, "untagged")
    title = text(node.get("title"))
    name = title or gid
    subject = f"Product '{name}'"
    meta = metafield_values(node)
    if not _active(meta, settings.active_metafield, subject):
        return Archive("product", gid, "inactive")
    updated_at = parse_datetime(node.get("updatedAt"))
    if updated_at is None:
        detail = f"{subject} has no valid updatedAt ({node.get('updatedAt')!r}); it is skipped."
        raise MapError("INVALID_PAYLOAD", detail=detail)
    if title is None:
        raise _missing(f"Product {gid}", "title", "Give the product a title in Shopify.")
    variants = _variants(node, name, meta, settings)
    available_from = _tag_date(tags, settings.available_from_tag, settings, subject)
    available_to = _tag_date(tags, settings.available_to_tag, settings, subject)
    if available_from and available_to and available_from > available_to:
        detail = (
            f"{subject} is available from {available_from:%Y-%m-%d} to {available_to:%Y-%m-%d}, "
            "which ends before it starts. Fix the prebook tags in Shopify."
        )
        raise MapError("INVALID_PAYLOAD", detail=detail)
    product_fields = settings.custom_fields.product
    return ProductRecord(
        shopify_gid=gid,
        updated_at=updated_at,
        title=title,
        handle=text(node.get("handle")) or "",
        description_html=_raw_string(node.get("descriptionHtml")),
        vendor=_string(node.get("vendor")),
        product_type=_string(node.get("productType")),
        status="archived" if _string(node.get("status")).upper() == "ARCHIVED" else "active",
        online_store_url=text(node.get("onlineStoreUrl")),
        tags=tags,
        prebook=has_tag(tags, settings.prebook_tag),
        available_from=available_from,
        available_to=available_to,
        options=_options(node.get("options")),
        images=_images(node, variants, settings),
        collections=_collections(node.get("collections")),
        custom_fields=custom_fields(product_fields, plain(node), subject) if product_fields else {},
        variants=variants,
    )


def _string(value: Any) -> str:
    return text(value) or ""


def _raw_string(value: Any) -> str:
    """Text kept exactly as Shopify holds it (HTML whitespace included)."""
    return value if isinstance(value, str) else ""


def _missing(subject: str, field: str, fix: str) -> MapError:
    return MapError("MISSING_REQUIRED_FIELD", subject=subject, field=field, fix=fix)


def _active(meta: Mapping[str, str], key: str, subject: str) -> bool:
    raw = meta.get(key)
    if raw is None:
        return True
    value = parse_bool(raw)
    if value is None:
        detail = (
            f"{subject} has the metafield {key} = '{raw}', which is neither true nor false. "
            "Set it to true or false in Shopify (false archives the record in the hub)."
        )
        raise MapError("INVALID_PAYLOAD", detail=detail)
    return value


@lru_cache(maxsize=64)
def _prefix_pattern(prefix: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(word) for word in prefix.split())
    return re.compile(rf"^\s*{words}\s*(.*)$", re.IGNORECASE)


def _tag_date(
    tags: Iterable[str], prefix: str, settings: TenantSettings, subject: str
) -> date | None:
    """The date in the tag that starts with ``prefix`` (e.g. ``Available From: 03/15/2026``)."""
    pattern = _prefix_pattern(prefix)
    found: dict[date, str] = {}
    layout = settings.prebook_date_format
    for tag in tags:
        match = pattern.match(tag)
        if match is None:
            continue
        try:
            day = datetime.strptime(match.group(1).strip(), DATE_FORMATS[layout]).date()
        except ValueError:
            detail = (
                f"Tag '{tag}' of {subject} is not a date in {layout} format. "
                f"Fix the tag in Shopify, e.g. '{prefix.strip()} "
                f"{date(2026, 3, 15).strftime(DATE_FORMATS[layout])}'."
            )
            raise MapError("INVALID_PAYLOAD", detail=detail) from None
        found.setdefault(day, tag)
    if len(found) > 1:
        detail = (
            f"{subject} has {len(found)} different '{prefix.strip()}' tags "
            f"({', '.join(sorted(found.values()))}). Keep one of them in Shopify."
        )
        raise MapError("INVALID_PAYLOAD", detail=detail)
    return next(iter(found), None)


def _options(value: Any) -> tuple[OptionRecord, ...]:
    options = []
    for index, option in enumerate(nodes(value)):
        name = text(option.get("name"))
        if name is None:
            continue
        raw = option.get("values")
        if not isinstance(raw, list):
            raw = [v.get("name") for v in nodes(option.get("optionValues"))]
        values = tuple(v for v in (text(item) for item in raw) if v is not None)
        position = option.get("position")
        if not isinstance(position, int) or isinstance(position, bool):
            position = index + 1
        options.append(OptionRecord(name, position, values))
    return tuple(sorted(options, key=lambda o: (o.position, o.name)))


def _collections(value: Any) -> tuple[str, ...]:
    titles = {text(c.get("title")) for c in nodes(value)}
    return tuple(sorted(t for t in titles if t is not None))


def _variants(
    node: Mapping[str, Any], name: str, product_meta: Mapping[str, str], s: TenantSettings
) -> tuple[VariantRecord, ...]:
    subject = f"Product '{name}'"
    fix = "Run a full sync (wholesync sync products --full), which reads every variant."
    variant_nodes = complete_nodes(node.get("variants"), subject, "variants", fix)
    if not variant_nodes:
        fix = "Add at least one variant in Shopify (or untag the product)."
        raise _missing(subject, "variants", fix)
    records = [_variant(v, i, name, product_meta, s) for i, v in enumerate(variant_nodes)]
    records.sort(key=lambda r: (r.position, r.shopify_gid))
    seen: dict[str, list[VariantRecord]] = {}
    for record in records:
        seen.setdefault(record.upc, []).append(record)
    for upc, group in seen.items():
        if len(group) > 1:
            raise MapError(
                "DUPLICATE_VARIANT_KEY",
                variants=", ".join(f"'{v.title}'" for v in group),
                product=name,
                key_name=KEY_NAMES[s.upc_key],
                key=upc,
            )
    return tuple(records)


def _label(variant: Mapping[str, Any], gid: str) -> str:
    title = text(variant.get("title")) or gid
    for field, name in (("sku", "SKU"), ("barcode", "barcode")):
        value = text(variant.get(field))
        if value:
            return f"'{title}' ({name} {value})"
    return f"'{title}'"


def variant_key(variant: Mapping[str, Any], key: str) -> str | None:
    """The variant's hub UPC under the tenant's ``upc_key``: its SKU, barcode or numeric id."""
    if key == "sku":
        return text(variant.get("sku"))
    if key == "barcode":
        return text(variant.get("barcode"))
    return legacy_id(variant)


def _variant(
    variant: Mapping[str, Any],
    index: int,
    name: str,
    product_meta: Mapping[str, str],
    settings: TenantSettings,
) -> VariantRecord:
    gid = node_gid(variant, "ProductVariant")
    if gid is None:
        raise MapError("INVALID_PAYLOAD", detail=f"Product '{name}' has a variant without an id.")

    # Built only for messages: most variants never need it.
    def label() -> str:
        return f"Variant {_label(variant, gid)} of product '{name}'"

    sku, barcode = text(variant.get("sku")), text(variant.get("barcode"))
    upc = variant_key(variant, settings.upc_key)
    if upc is None:
        others = "|".join(k for k in KEY_NAMES if k != settings.upc_key)
        fix = (
            f"Give every variant a {KEY_NAMES[settings.upc_key]} in Shopify, or "
            + SET_UPC_KEY.format(other=others)
            + "."
        )
        raise _missing(label(), KEY_NAMES[settings.upc_key], fix)
    price = parse_decimal(variant.get("price"))
    if price is None or price < 0:
        raise _missing(label(), "valid price", "Set the variant's price in Shopify.")
    options: dict[str, str] = {}
    for option in nodes(variant.get("selectedOptions")):
        option_name, option_value = text(option.get("name")), text(option.get("value"))
        if option_name and option_value:
            options[option_name] = option_value
    position = variant.get("position")
    if not isinstance(position, int) or isinstance(position, bool):
        position = index + 1
    weight, unit = _weight(variant)
    item = variant.get("inventoryItem")
    image = _variant_image(variant) if settings.image_mode == "variant" else None
    mapping = settings.custom_fields.variant
    return VariantRecord(
        shopify_gid=gid,
        upc=upc,
        sku=sku,
        barcode=barcode,
        title=text(variant.get("title")) or " / ".join(options.values()),
        option_values=options,
        position=position,
        retail_price=price,
        wholesale_price=_wholesale(variant, price, product_meta, settings, label),
        weight=weight,
        weight_unit=unit,
        inventory_item_gid=text(item.get("id")) if _is_mapping(item) else None,
        image_url=image[0] if image else None,
        custom_fields=custom_fields(mapping, plain(variant), label()) if mapping else {},
    )


def _wholesale(
    variant: Mapping[str, Any],
    price: Decimal,
    product_meta: Mapping[str, str],
    settings: TenantSettings,
    label: Callable[[], str],
) -> Decimal | None:
    """The variant's metafield, else its product's; or the formula on the Shopify price."""
    rule = settings.wholesale_price
    if rule.source == "metafield":
        raw = metafield_values(variant).get(rule.metafield) or product_meta.get(rule.metafield)
        if raw is not None:
            amount = metafield_money(raw)
            if amount is None or amount < 0:
                detail = (
                    f"{label()}: the wholesale price metafield {rule.metafield} is '{raw}', "
                    "not a price. Set it to a decimal such as 34.50 in Shopify."
                )
                raise MapError("INVALID_PAYLOAD", detail=detail)
            return amount
        if not rule.formula_fallback:
            return None
    try:
        return apply_formula(rule.formula, price)
    except FormulaError as exc:
        detail = f"{label()}: the wholesale price formula failed ({exc}). Change the formula."
        raise MapError("INVALID_PAYLOAD", detail=detail) from None


def _is_mapping(value: Any) -> TypeGuard[Mapping[str, Any]]:
    # The dict test first: it is what JSON gives, and the Mapping ABC check is slow.
    return type(value) is dict or isinstance(value, Mapping)


def _weight(variant: Mapping[str, Any]) -> tuple[Decimal | None, str | None]:
    item = variant.get("inventoryItem")
    measurement = item.get("measurement") if _is_mapping(item) else None
    weight = measurement.get("weight") if _is_mapping(measurement) else None
    if _is_mapping(weight):
        return parse_decimal(weight.get("value")), text(weight.get("unit"))
    # Older payloads (e.g. earlier bulk results) carry weight on the variant itself.
    return parse_decimal(variant.get("weight")), text(variant.get("weightUnit"))


def _variant_image(variant: Mapping[str, Any]) -> tuple[str, str | None] | None:
    for media in nodes(variant.get("media")):
        found = image_of(media)
        if found:
            return found
    return image_of(variant.get("image"))


def _images(
    node: Mapping[str, Any], variants: tuple[VariantRecord, ...], settings: TenantSettings
) -> tuple[ImageRecord, ...]:
    """Product mode: every product image; variant mode: one image per variant that has one."""
    if settings.image_mode == "variant":
        by_gid = {v.shopify_gid: v for v in variants}
        images = []
        for raw in nodes(node.get("variants")):
            record = by_gid.get(node_gid(raw, "ProductVariant") or "")
            found = _variant_image(raw)
            if record is not None and found is not None:
                images.append((record, found))
        images.sort(key=lambda pair: (pair[0].position, pair[0].shopify_gid))
        return tuple(
            ImageRecord(url, alt, position, record.upc)
            for position, (record, (url, alt)) in enumerate(images, start=1)
        )
    product_images = [image for media in nodes(node.get("media")) if (image := image_of(media))]
    return tuple(
        ImageRecord(url, alt, i, None) for i, (url, alt) in enumerate(product_images, start=1)
    )


def collections_by_product(roots: Iterable[Any]) -> dict[str, list[dict[str, Any]]]:
    """Product GID -> its collections, from the rebuilt roots of ``bulk_collections.graphql``
    (each collection with ``products`` as a list of ``{"id": ...}``)."""
    index: dict[str, list[dict[str, Any]]] = {}
    for collection in roots:
        if not isinstance(collection, Mapping):
            continue
        summary = {k: collection.get(k) for k in ("id", "title", "handle")}
        for product in nodes(collection.get("products")):
            product_gid = text(product.get("id"))
            if product_gid:
                index.setdefault(product_gid, []).append(summary)
    return index


def with_collections(
    node: Mapping[str, Any], index: Mapping[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    """A shallow copy of a bulk product node with its ``collections`` taken from ``index``."""
    return joined(node, "collections", list(index.get(text(node.get("id")) or "", [])))
