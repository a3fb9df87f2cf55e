"""Hub customers for Shopify, pure: the ``CustomerInput`` of a hub customer, and Shopify's
userErrors as a catalogue problem. F8 (customers to Shopify) and F4 (an order's unknown
customer, created first) both send this input; nothing here reads the database or calls
Shopify.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from wholesync.hub.models import Customer
from wholesync.sync.errors import render, render_hub_fix
from wholesync.sync.map_orders_export import (
    ADDRESS_KEYS,
    Problem,
    address_input,
    drop_empty,
    error_path,
    user_error_detail,
)
from wholesync.sync.settings import TenantSettings

# customerCreate / customerUpdate userErrors carry no code, only the field and the message.
CONTACT_CODES = {"email": "INVALID_EMAIL", "phone": "INVALID_PHONE"}
TAKEN = "has already been taken"
CODE_METAFIELD_TYPE = "single_line_text_field"
# How Shopify names an address field whose value its schema refuses (an unknown country code).
_ADDRESS_VALUE = re.compile(r"\baddresses\.\d+\.")


def customer_label(customer: Customer) -> str:
    """How a person recognises the customer in a message."""
    return customer.customer_code or customer.email or str(customer.id)


def customer_addresses(customer: Customer) -> list[dict[str, str]]:
    """The hub addresses as MailingAddressInputs, each place once. The default billing address
    comes first: Shopify makes the first one the default, which F2 reads back as billing."""
    ordered = sorted(
        customer.addresses,
        key=lambda a: (a.kind != "billing", not a.is_default, a.id or 0),
    )
    found: list[dict[str, str]] = []
    for address in ordered:
        fields = address_input({key: getattr(address, key) for key in ADDRESS_KEYS})
        if fields is None:
            continue
        if customer.company and "company" not in fields:
            fields["company"] = customer.company
        if fields not in found:
            found.append(fields)
    return found


def customer_input(
    customer: Customer, settings: TenantSettings, *, gid: str | None = None
) -> dict[str, Any]:
    """The ``CustomerInput`` of a hub customer: a create without ``gid``, else the update of
    that Shopify customer. An update sends cleared fields as null, so they clear in Shopify
    too. The sync tag and the customer-code metafield make F2 take the customer back as this
    one."""
    tags = [*customer.tags]
    if settings.sync_tag and settings.sync_tag not in tags:
        tags.append(settings.sync_tag)
    namespace, key = settings.customer_code_metafield.split(".", 1)
    code = {
        "namespace": namespace,
        "key": key,
        "type": CODE_METAFIELD_TYPE,
        "value": customer.customer_code,
    }
    contact = {
        "email": customer.email,
        "firstName": customer.first_name,
        "lastName": customer.last_name or customer.company,
        "phone": customer.phone,
    }
    rest = {"tags": tags, "addresses": customer_addresses(customer), "metafields": [code]}
    if gid is None:
        return drop_empty({**contact, **rest})
    return {"id": gid, **contact, **rest}


def user_error_code(error: Any) -> str | None:
    """The catalogue code of one userError, or None when none fits better than
    SHOPIFY_USER_ERROR."""
    path = error_path(error) if isinstance(error, Mapping) else []
    if not path:
        return None
    message = str(error.get("message") or "").lower()
    if len(path) == 1 and path[0] in CONTACT_CODES:
        return "DUPLICATE_CUSTOMER" if TAKEN in message else CONTACT_CODES[path[0]]
    if path[0] == "addresses" and path[-1] != "id":
        return "ADDRESS_INCOMPLETE"
    return None


def customer_problem(
    user_errors: Iterable[Any], customer: Customer, sent: Mapping[str, Any]
) -> Problem:
    """Shopify's refusal of the input ``sent`` for ``customer``: the code of the first error
    that has one, with every message Shopify gave in the fix-it text."""
    errors = list(user_errors)
    detail = user_error_detail(errors)
    coded = [(error, code) for error in errors if (code := user_error_code(error))]
    if not coded:
        return Problem("SHOPIFY_USER_ERROR", render("SHOPIFY_USER_ERROR", detail=detail))
    error, code = coded[0]
    field = error_path(error)[0]
    message = render_hub_fix(
        code,
        customer=customer_label(customer),
        customer_id=customer.id,
        detail=detail,
        email=sent.get("email"),
        phone=sent.get("phone"),
        field=field,
        value=sent.get(field),
    )
    return Problem(code, message)


def invalid_input_problem(detail: str, customer: Customer) -> Problem:
    """Shopify refused the input before running it, for a value its schema does not allow:
    in an address (such as an unknown country code) that is ADDRESS_INCOMPLETE."""
    if _ADDRESS_VALUE.search(detail):
        message = render_hub_fix(
            "ADDRESS_INCOMPLETE", customer=customer_label(customer), detail=detail
        )
        return Problem("ADDRESS_INCOMPLETE", message)
    return Problem("SHOPIFY_USER_ERROR", render("SHOPIFY_USER_ERROR", detail=detail))
