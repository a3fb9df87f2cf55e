"""F5 mapping: one Shopify order node -> an OrderRecord, a Skipped, an Archive or a Rejection.

Pure and deterministic: no I/O. The input is the node selected by ``orders.graphql`` /
``order_nodes.graphql`` (fragments/OrderFields), with ``lineItems`` complete (the fetch joins
the rest of a large order's lines before mapping). The customer code follows the customers
flow's rule: the tenant's ``customer_code_metafield`` on the customer, else its Shopify id.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, Final, Literal

from wholesync.sync.errors import reject
from wholesync.sync.map_common import (
    MapError,
    complete_nodes,
    is_tombstone,
    metafield_values,
    node_gid,
    parse_datetime,
    parse_decimal,
    tag_list,
    text,
)
from wholesync.sync.map_customers import address_record, customer_code
from wholesync.sync.map_products import variant_key
from wholesync.sync.records import (
    AddressRecord,
    Archive,
    ErpStamp,
    OrderCustomerRecord,
    OrderLineRecord,
    OrderRecord,
    Rejection,
    Skipped,
)
from wholesync.sync.settings import TenantSettings

ENTITY: Final[Literal["order"]] = "order"
# What a by-id fetch yields for an order Shopify no longer finds.
GONE_KEYS = frozenset({"id", "admin_graphql_api_id"})
# The shape of hub.orders.new_export_key: a tag like this is an export key, whatever the hub.
EXPORT_KEY = re.compile(r"^ws-[0-9a-f]{16}$")
EXPORT_PREFIX = "ws-"
_ADDRESS_KEYS = tuple(
    f.name for f in dataclasses.fields(AddressRecord) if f.name not in ("kind", "is_default")
)


def map_order(node: Any, settings: TenantSettings) -> OrderRecord | Skipped | Archive | Rejection:
    """Map one order node; never raises (a bad record becomes a Rejection)."""
    if not isinstance(node, Mapping):
        detail = f"An order node must be a JSON object, not {type(node).__name__}."
        return reject(ENTITY, None, None, "INVALID_PAYLOAD", detail=detail)
    gid = node_gid(node, "Order")
    key = text(node.get("name")) or gid
    try:
        return _map(node, gid, settings)
    except MapError as exc:
        return reject(ENTITY, gid, key, exc.code, **exc.params)
    except Exception as exc:  # one malformed record must never stop a run
        detail = (
            f"Order {key or '(no id)'} could not be read ({type(exc).__name__}: {exc}). "
            "Check the order in Shopify; it is read again on the next run."
        )
        return reject(ENTITY, gid, key, "INVALID_PAYLOAD", detail=detail)


def export_key(node: Mapping[str, Any]) -> str | None:
    """The export key of an order Wholesync created itself (sent as sourceIdentifier and as a
    tag), or None for an order placed in Shopify."""
    source = text(node.get("sourceIdentifier"))
    if source is not None and source.startswith(EXPORT_PREFIX):
        return source
    return next((tag for tag in tag_list(node.get("tags")) if EXPORT_KEY.match(tag)), None)


def _map(
    node: Mapping[str, Any], gid: str | None, settings: TenantSettings
) -> OrderRecord | Skipped | Archive:
    if gid is None:
        raise MapError("INVALID_PAYLOAD", detail="An order node has no id; it cannot be synced.")
    if is_tombstone(node, GONE_KEYS):
        return Archive(ENTITY, gid, "deleted")
    name = text(node.get("name"))
    exported = export_key(node)
    if exported is not None:
        reason = (
            f"Exported by Wholesync (export key {exported}): the hub order it came from is "
            "its record, so it is not imported back."
        )
        return Skipped(ENTITY, gid, name or gid, reason)
    if name is None:
        raise _missing(f"Order {gid}", "name", "Shopify gives every order a name; fetch it again.")
    subject = f"Order {name}"
    updated_at = parse_datetime(node.get("updatedAt"))
    if updated_at is None:
        detail = f"{subject} has no valid updatedAt ({node.get('updatedAt')!r}); it is skipped."
        raise MapError("INVALID_PAYLOAD", detail=detail)
    currency = text(node.get("currencyCode"))
    if currency is None:
        raise _missing(subject, "currency", "Shopify gives every order one; fetch it again.")
    cancelled_at = parse_datetime(node.get("cancelledAt"))
    if cancelled_at is None and text(node.get("cancelledAt")) is not None:
        detail = f"{subject} has an invalid cancelledAt ({node.get('cancelledAt')!r})."
        raise MapError("INVALID_PAYLOAD", detail=detail)
    cancel_reason = text(node.get("cancelReason"))
    return OrderRecord(
        shopify_gid=gid,
        updated_at=updated_at,
        name=name,
        status="cancelled" if cancelled_at is not None else "processed",
        cancelled_at=cancelled_at,
        cancel_reason=cancel_reason.lower() if cancel_reason and cancelled_at else None,
        email=text(node.get("email")),
        po_number=text(node.get("poNumber")),
        currency=currency,
        note=text(node.get("note")),
        shipping_address=_address(node.get("shippingAddress")),
        billing_address=_address(node.get("billingAddress")),
        customer=_customer(node.get("customer"), text(node.get("email")), settings),
        lines=_lines(node, subject, settings),
        erp=ErpStamp(**settings.erp_defaults.model_dump()),
        export_tags=tuple(t for t in tag_list(node.get("tags")) if t.startswith(EXPORT_PREFIX)),
    )


def _missing(subject: str, field: str, fix: str) -> MapError:
    return MapError("MISSING_REQUIRED_FIELD", subject=subject, field=field, fix=fix)


def _address(raw: Any) -> dict[str, str | None] | None:
    """The whole address, in the hub's keys; address line 2 stays its own key."""
    if not isinstance(raw, Mapping):
        return None
    record = address_record(raw, "shipping", False)
    values = {key: getattr(record, key) for key in _ADDRESS_KEYS}
    return values if any(values.values()) else None


def _customer(
    raw: Any, order_email: str | None, settings: TenantSettings
) -> OrderCustomerRecord | None:
    if not isinstance(raw, Mapping):
        return None
    gid = node_gid(raw, "Customer")
    if gid is None:
        return None
    code = customer_code(metafield_values(raw).get(settings.customer_code_metafield), raw)
    if code is None:
        return None
    default = raw.get("defaultAddress")
    return OrderCustomerRecord(
        shopify_gid=gid,
        customer_code=code,
        first_name=text(raw.get("firstName")),
        last_name=text(raw.get("lastName")),
        email=text(raw.get("email")) or order_email,
        phone=text(raw.get("phone")),
        company=text(default.get("company")) if isinstance(default, Mapping) else None,
    )


def _lines(
    node: Mapping[str, Any], subject: str, settings: TenantSettings
) -> tuple[OrderLineRecord, ...]:
    fix = "It is read again, with all its lines, on the next run."
    raw = complete_nodes(node.get("lineItems"), subject, "lines", fix)
    return tuple(_line(line, n, subject, settings) for n, line in enumerate(raw, start=1))


def _line(
    raw: Mapping[str, Any], position: int, subject: str, settings: TenantSettings
) -> OrderLineRecord:
    """A line matched by the tenant's key; without a variant, only a SKU key can match."""
    where = f"Line {position} of {subject}"
    variant = raw.get("variant")
    sku = text(raw.get("sku"))
    if isinstance(variant, Mapping):
        upc = variant_key(variant, settings.upc_key)
        sku = sku or text(variant.get("sku"))
    else:
        upc = sku if settings.upc_key == "sku" else None
    title = text(raw.get("title"))
    if title is None:
        raise _missing(where, "title", "Shopify gives every line a title; fetch it again.")
    variant_title = text(raw.get("variantTitle"))
    quantity = raw.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
        detail = f"{where} has the quantity {quantity!r}, not a whole number of 0 or more."
        raise MapError("INVALID_PAYLOAD", detail=detail)
    price = parse_decimal(_amount(raw.get("discountedUnitPriceAfterAllDiscountsSet")))
    if price is None or price < 0:
        raise _missing(where, "valid unit price", "Check the line's price in Shopify.")
    return OrderLineRecord(
        shopify_gid=node_gid(raw, "LineItem"),
        upc=upc,
        sku=sku,
        # The hub keeps 512 characters of a title; cut here so the fingerprint agrees.
        title=(f"{title} - {variant_title}" if variant_title else title)[:512],
        quantity=quantity,
        unit_price=price,
    )


def _amount(money_bag: Any) -> Any:
    shop_money = money_bag.get("shopMoney") if isinstance(money_bag, Mapping) else None
    return shop_money.get("amount") if isinstance(shop_money, Mapping) else None
