"""Customers as given from outside (the REST API): created and changed in the hub, and
stamped as changed there (``hub_modified_at``), which is what two-way customers sends on.
A sync from Shopify never comes through here, so it never stamps a customer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from .customers import ADDRESS_FIELDS, customer_by_code
from .errors import HubError
from .models import Address, Customer
from .models.types import utcnow

CUSTOMER_CODE_TAKEN = "CUSTOMER_CODE_TAKEN"
# Customer columns an outside caller sets as they are.
PLAIN_FIELDS = ("customer_code", "company", "first_name", "last_name", "email", "phone", "tags")


class CustomerError(HubError):
    """A customer the hub refuses as given."""


def save_customer(
    session: Session,
    tenant_id: int,
    values: Mapping[str, Any],
    customer: Customer | None = None,
    *,
    now: datetime | None = None,
) -> Customer:
    """Create a customer (``customer`` None) or change it, with the keys of ``values`` only.
    Given ``addresses`` replace the customer's (null clears them, as it clears ``tags``). A
    customer code is the tenant's once."""
    code = values.get("customer_code")
    if code is not None and (customer is None or code != customer.customer_code):
        holder = customer_by_code(session, tenant_id, code)
        if holder is not None:
            raise CustomerError(
                CUSTOMER_CODE_TAKEN,
                f"Customer code {code!r} is already customer {holder.id}'s.",
                f"Give another code, or change that customer with PATCH /customers/{holder.id}.",
            )
    if customer is None:
        customer = Customer(tenant_id=tenant_id, tags=[], custom_fields={}, active=True)
        session.add(customer)
    for name in PLAIN_FIELDS:
        if name in values:
            setattr(customer, name, values[name])
    if "tags" in values and values["tags"] is None:
        customer.tags = []
    if "addresses" in values:
        customer.addresses = [
            Address(
                tenant_id=tenant_id,
                kind=given["kind"],
                is_default=bool(given.get("is_default")),
                **{name: given.get(name) for name in ADDRESS_FIELDS},
            )
            for given in values["addresses"] or ()
        ]
    customer.hub_modified_at = now or utcnow()
    return customer
