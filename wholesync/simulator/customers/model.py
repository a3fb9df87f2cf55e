"""Customer and customer-address records, shared by seeding, mutations and merchant actions.

Customer records follow the brief's conventions; customer addresses live in ``shop.addresses``
keyed by number and carry Shopify's address id form
(``gid://shopify/MailingAddress/1?model_name=CustomerAddress``).
"""

from __future__ import annotations

from typing import Any

from wholesync.simulator.customers.validation import display_phone
from wholesync.simulator.ids import gid, gid_number, parse_gid
from wholesync.simulator.store import Record, Shop, add_record

ADDRESS_SUFFIX = "?model_name=CustomerAddress"
ADDRESS_KEYS = (
    "firstName",
    "lastName",
    "company",
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


def new_customer(shop: Shop, now: str, number: int | None = None) -> Record:
    """A stored customer with every field at Shopify's default."""
    number = number if number is not None else shop.next_number()
    fields: Record = {
        "firstName": None,
        "lastName": None,
        "displayName": "",
        "email": None,
        "phone": None,
        "note": None,
        "tags": [],
        "state": "DISABLED",
        "taxExempt": False,
        "taxExemptions": [],
        "verifiedEmail": True,
        "locale": "en",
        "multipassIdentifier": None,
        "dataSaleOptOut": False,
        "createdAt": now,
        "updatedAt": now,
        "_addresses": [],
        "_default_address": None,
        # Marketing consent: {"marketingState", "marketingOptInLevel", "consentUpdatedAt"}.
        "_email_consent": None,
        "_sms_consent": None,
    }
    return add_record(shop.customers, "Customer", number, fields)


def display_name(customer: Record) -> str:
    """Full name, else email, else the formatted phone, as Shopify's admin shows it."""
    name = " ".join(p for p in (customer.get("firstName"), customer.get("lastName")) if p)
    if name:
        return name
    if customer.get("email"):
        return str(customer["email"])
    if customer.get("phone"):
        return display_phone(str(customer["phone"]))
    return ""


def default_consent(kind: str) -> Record:
    consent: Record = {
        "marketingState": "NOT_SUBSCRIBED",
        "marketingOptInLevel": "SINGLE_OPT_IN",
        "consentUpdatedAt": None,
    }
    if kind == "sms":
        consent["consentCollectedFrom"] = "OTHER"
    return consent


def sync_contact(customer: Record) -> None:
    """Keep derived fields in step after a write: display name and consent presence."""
    customer["displayName"] = display_name(customer)
    if customer.get("email"):
        customer["_email_consent"] = customer.get("_email_consent") or default_consent("email")
    else:
        customer["_email_consent"] = None
    if customer.get("phone"):
        customer["_sms_consent"] = customer.get("_sms_consent") or default_consent("sms")
    else:
        customer["_sms_consent"] = None


def customer_number(value: Any) -> int | None:
    parsed = parse_gid(value) if isinstance(value, str) else None
    return parsed[1] if parsed and parsed[0] == "Customer" else None


def find_customer(shop: Shop, value: Any) -> Record | None:
    number = customer_number(value)
    return shop.customers.get(number) if number is not None else None


def address_gid(number: int) -> str:
    return gid("MailingAddress", number) + ADDRESS_SUFFIX


def address_number(value: Any) -> int | None:
    parsed = parse_gid(value) if isinstance(value, str) else None
    return parsed[1] if parsed and parsed[0] == "MailingAddress" else None


def address_name(address: Record) -> str | None:
    return " ".join(p for p in (address.get("firstName"), address.get("lastName")) if p) or None


def new_address(shop: Shop, customer: Record, fields: Record, number: int | None = None) -> Record:
    """Store an address for ``customer`` (appended to its list, not made default)."""
    number = number if number is not None else shop.next_number()
    record: Record = {"__typename": "MailingAddress", "id": address_gid(number)}
    record.update(dict.fromkeys(ADDRESS_KEYS))
    record.update(fields)
    record["name"] = address_name(record)
    record["coordinatesValidated"] = False
    record["_customer"] = int(customer["legacyResourceId"])
    shop.addresses[number] = record
    customer["_addresses"].append(number)
    return record


def update_address(address: Record, fields: Record) -> None:
    address.update(fields)
    address["name"] = address_name(address)


def addresses_of(shop: Shop, customer: Record) -> list[Record]:
    return [shop.addresses[n] for n in customer.get("_addresses", ()) if n in shop.addresses]


def default_address(shop: Shop, customer: Record) -> Record | None:
    number = customer.get("_default_address")
    return shop.addresses.get(number) if number is not None else None


def remove_address(shop: Shop, customer: Record, number: int) -> None:
    """Delete an address; the next remaining one becomes the default, as in Shopify."""
    shop.addresses.pop(number, None)
    customer["_addresses"] = [n for n in customer["_addresses"] if n != number]
    if customer.get("_default_address") == number:
        customer["_default_address"] = customer["_addresses"][0] if customer["_addresses"] else None


def delete_customer(shop: Shop, customer: Record) -> None:
    """Remove a customer with its addresses and metafields."""
    for number in customer.get("_addresses", ()):
        shop.addresses.pop(number, None)
    owner = customer["id"]
    for metafield in shop.metafields_of(owner):
        shop.metafields.pop(gid_number(metafield["id"]) or 0, None)
    shop.customers.pop(int(customer["legacyResourceId"]), None)


def orders_of(shop: Shop, customer: Record) -> list[Record]:
    number = int(customer["legacyResourceId"])
    return [order for order in shop.orders.values() if order.get("_customer") == number]
