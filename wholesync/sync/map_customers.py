"""F2 mapping: one Shopify customer node -> a CustomerRecord (with its buyer), an Archive or a
Rejection.

Pure and deterministic: no I/O. The input is the node selected by ``customers.graphql``
(``addressesV2`` and ``metafields`` as ``{"nodes": [...]}``) or the
object rebuilt from ``bulk_customers.graphql`` (the same connections as plain lists).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from wholesync.sync.errors import reject
from wholesync.sync.map_common import (
    MapError,
    custom_fields,
    has_tag,
    is_tombstone,
    legacy_id,
    metafield_values,
    node_gid,
    nodes,
    parse_bool,
    parse_datetime,
    plain,
    tag_list,
    text,
)
from wholesync.sync.records import AddressRecord, Archive, BuyerRecord, CustomerRecord, Rejection
from wholesync.sync.setting_types import is_email
from wholesync.sync.settings import TenantSettings

# The keys of a customers/delete webhook payload.
DELETE_PAYLOAD_KEYS = frozenset(
    {
        "id",
        "admin_graphql_api_id",
        "phone",
        "addresses",
        "tax_exemptions",
        "email_marketing_consent",
        "sms_marketing_consent",
    }
)
_ADDRESS_FIELDS = (
    "company",
    "firstName",
    "lastName",
    "address1",
    "address2",
    "city",
    "province",
    "provinceCode",
    "country",
    "countryCodeV2",
    "zip",
    "phone",
)


def map_customer(node: Any, settings: TenantSettings) -> CustomerRecord | Rejection | Archive:
    """Map one customer node; never raises (a bad record becomes a Rejection)."""
    if not isinstance(node, Mapping):
        detail = f"A customer node must be a JSON object, not {type(node).__name__}."
        return reject("customer", None, None, "INVALID_PAYLOAD", detail=detail)
    gid = node_gid(node, "Customer")
    key = _email(node) or gid
    try:
        return _map(node, gid, settings)
    except MapError as exc:
        return reject("customer", gid, key, exc.code, **exc.params)
    except Exception as exc:  # one malformed record must never stop a run
        detail = (
            f"Customer {key or '(no id)'} could not be read ({type(exc).__name__}: {exc}). "
            "Check the customer in Shopify; it is read again on the next run."
        )
        return reject("customer", gid, key, "INVALID_PAYLOAD", detail=detail)


def _email(node: Mapping[str, Any]) -> str | None:
    email = text(node.get("email"))
    if email is None:
        default = node.get("defaultEmailAddress")
        email = text(default.get("emailAddress")) if isinstance(default, Mapping) else None
    return email


def _phone(node: Mapping[str, Any]) -> str | None:
    phone = text(node.get("phone"))
    if phone is None:
        default = node.get("defaultPhoneNumber")
        phone = text(default.get("phoneNumber")) if isinstance(default, Mapping) else None
    return phone


def _map(
    node: Mapping[str, Any], gid: str | None, settings: TenantSettings
) -> CustomerRecord | Archive:
    if gid is None:
        raise MapError("INVALID_PAYLOAD", detail="A customer node has no id; it cannot be synced.")
    if is_tombstone(node, DELETE_PAYLOAD_KEYS):
        return Archive("customer", gid, "deleted")
    tags = tag_list(node.get("tags"))
    if settings.sync_tag and not has_tag(tags, settings.sync_tag):
        return Archive("customer", gid, "untagged")
    first_name, last_name = text(node.get("firstName")), text(node.get("lastName"))
    email = _email(node)
    name = " ".join(n for n in (first_name, last_name) if n) or email or gid
    meta = metafield_values(node)
    raw_active = meta.get(settings.active_metafield)
    active = True if raw_active is None else parse_bool(raw_active)
    if active is None:
        detail = (
            f"Customer '{name}' has the metafield {settings.active_metafield} = '{raw_active}', "
            "which is neither true nor false. Set it to true or false in Shopify."
        )
        raise MapError("INVALID_PAYLOAD", detail=detail)
    if not active:
        return Archive("customer", gid, "inactive")
    updated_at = parse_datetime(node.get("updatedAt"))
    if updated_at is None:
        detail = f"Customer '{name}' has no valid updatedAt ({node.get('updatedAt')!r})."
        raise MapError("INVALID_PAYLOAD", detail=detail)
    if email is not None and not is_email(email):
        raise MapError("INVALID_EMAIL", email=email, customer=name)
    code = customer_code(meta.get(settings.customer_code_metafield), node)
    if code is None:
        fix = f"Set the metafield {settings.customer_code_metafield} on the customer in Shopify."
        raise MapError(
            "MISSING_REQUIRED_FIELD", subject=f"Customer '{name}'", field="customer code", fix=fix
        )
    default = node.get("defaultAddress")
    default = default if isinstance(default, Mapping) else None
    buyer = None
    if email is not None and has_tag(tags, settings.buyer_tag):
        buyer = BuyerRecord(code, first_name, last_name, email)
    mapping = settings.custom_fields.customer
    return CustomerRecord(
        shopify_gid=gid,
        updated_at=updated_at,
        customer_code=code,
        company=text(default.get("company")) if default else None,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=_phone(node),
        tags=tags,
        active=True,
        custom_fields=custom_fields(mapping, plain(node), f"customer '{name}'") if mapping else {},
        addresses=_addresses(node, default),
        buyer=buyer,
    )


def customer_code(metafield_value: Any, node: Mapping[str, Any]) -> str | None:
    """The hub customer code: the code metafield's value, else the Shopify customer id."""
    return text(metafield_value) or legacy_id(node)


def address_record(
    raw: Mapping[str, Any], kind: Literal["billing", "shipping"], is_default: bool
) -> AddressRecord:
    values = {field: text(raw.get(field)) for field in _ADDRESS_FIELDS}
    return AddressRecord(
        kind=kind,
        is_default=is_default,
        company=values["company"],
        first_name=values["firstName"],
        last_name=values["lastName"],
        address1=values["address1"],
        address2=values["address2"],
        city=values["city"],
        province=values["province"],
        province_code=values["provinceCode"],
        country=values["country"],
        country_code=values["countryCodeV2"] or text(raw.get("countryCode")),
        zip=values["zip"],
        phone=values["phone"],
    )


def _addresses(
    node: Mapping[str, Any], default: Mapping[str, Any] | None
) -> tuple[AddressRecord, ...]:
    """Billing: the default address. Shipping: every address, the default one flagged."""
    found: list[AddressRecord] = []
    billing = address_record(default, "billing", True) if default else None
    if billing is not None:
        found.append(billing)
    default_id = text(default.get("id")) if default else None
    raw_list = node.get("addressesV2")
    if raw_list is None:
        raw_list = node.get("addresses")
    for raw in nodes(raw_list):
        address_id = text(raw.get("id"))
        shipping = address_record(raw, "shipping", False)
        if default_id is not None and address_id is not None:
            is_default = address_id == default_id
        else:  # without ids, the default is the address with the same content
            is_default = billing is not None and _same_place(shipping, billing)
        found.append(address_record(raw, "shipping", is_default) if is_default else shipping)
    return tuple(found)


def _same_place(a: AddressRecord, b: AddressRecord) -> bool:
    fields = ("company", "address1", "address2", "city", "zip", "country_code", "first_name")
    return all(getattr(a, f) == getattr(b, f) for f in fields)
