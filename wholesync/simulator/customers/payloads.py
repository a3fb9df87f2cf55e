"""Parts of Shopify's REST customer shared by the customers/* webhook bodies and the customer
inside the orders/* bodies."""

from __future__ import annotations

from typing import Any

from wholesync.simulator.ids import gid_number
from wholesync.simulator.store import Record


def address_payload(address: Record, customer_id: int, default: bool) -> dict[str, Any]:
    """One customer address in the REST shape."""
    return {
        "id": gid_number(address["id"]),
        "customer_id": customer_id,
        "first_name": address.get("firstName"),
        "last_name": address.get("lastName"),
        "company": address.get("company"),
        "address1": address.get("address1"),
        "address2": address.get("address2"),
        "city": address.get("city"),
        "province": address.get("province"),
        "country": address.get("country"),
        "zip": address.get("zip"),
        "phone": address.get("phone"),
        "name": address.get("name"),
        "province_code": address.get("provinceCode"),
        "country_code": address.get("countryCodeV2"),
        "country_name": address.get("country"),
        "default": default,
    }


def profile_fields(customer: Record) -> dict[str, Any]:
    """The REST customer's keys from ``first_name`` to ``phone``."""
    return {
        "first_name": customer.get("firstName"),
        "last_name": customer.get("lastName"),
        "state": str(customer.get("state") or "DISABLED").lower(),
        "note": customer.get("note"),
        "verified_email": bool(customer.get("verifiedEmail")),
        "multipass_identifier": customer.get("multipassIdentifier"),
        "tax_exempt": bool(customer.get("taxExempt")),
        "email": customer.get("email"),
        "phone": customer.get("phone"),
    }
