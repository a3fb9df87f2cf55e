"""Customer rules: archiving, lookups by code and email, default addresses."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.orm import Session

from .models import Address, AddressKind, Customer
from .models.types import utcnow
from .query import chunked

# An address's fields, as Address columns and as the keys of an order's address.
ADDRESS_FIELDS = (
    "company",
    "first_name",
    "last_name",
    "address1",
    "address2",
    "city",
    "province",
    "province_code",
    "country",
    "country_code",
    "zip",
    "phone",
)


def customer_by_code(session: Session, tenant_id: int, code: str) -> Customer | None:
    return session.scalar(Customer.for_tenant(tenant_id).where(Customer.customer_code == code))


def customers_by_code(
    session: Session, tenant_id: int, codes: Iterable[str]
) -> dict[str, Customer]:
    """The tenant's customers with any of ``codes``, by code; unknown codes are absent."""
    found: dict[str, Customer] = {}
    for chunk in chunked(codes):
        query = Customer.for_tenant(tenant_id).where(Customer.customer_code.in_(chunk))
        for customer in session.scalars(query):
            found[customer.customer_code] = customer
    return found


def customers_by_email(session: Session, tenant_id: int, email: str) -> list[Customer]:
    """Every customer of the tenant with this email, ignoring case (more than one = duplicate)."""
    query = (
        Customer.for_tenant(tenant_id)
        .where(func.lower(Customer.email) == email.strip().lower())
        .order_by(Customer.id)
    )
    return list(session.scalars(query))


def archive_customer(customer: Customer, *, now: datetime | None = None) -> bool:
    """Archive a customer and its buyers (kept for order history); False if already archived."""
    if customer.archived_at is not None:
        return False
    stamp = now or utcnow()
    customer.archived_at = stamp
    for buyer in customer.buyers:
        if buyer.archived_at is None:
            buyer.archived_at = stamp
    return True


def restore_customer(customer: Customer) -> bool:
    """Un-archive a customer; its buyers come back when the sync derives them again."""
    if customer.archived_at is None:
        return False
    customer.archived_at = None
    return True


def default_address(customer: Customer, kind: str) -> Address | None:
    """The default address of ``kind`` (billing or shipping), else the first of that kind."""
    AddressKind(kind)  # refuses an unknown kind
    of_kind = [a for a in customer.addresses if a.kind == kind]
    return next((a for a in of_kind if a.is_default), of_kind[0] if of_kind else None)
