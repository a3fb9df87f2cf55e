"""The hub customer of an online order: found by the Shopify customer's reference, code or
email, else created once.

A customer created here gets no external reference. The customers flow owns references: a
referenced customer that is not tagged for sync would be archived by the next customers run,
while an unreferenced one is left alone, and is linked by code or email if it is tagged later.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholesync.sync.bulk_write import insert_returning_ids
from wholesync.sync.matching import RefIndex
from wholesync.sync.product_rows import stamp
from wholesync.sync.records import OrderCustomerRecord
from wholesync.sync.tables import CUSTOMERS


class OrderCustomers:
    """Hub customers of one tenant, by reference, code and email."""

    def __init__(self, session: Session, tenant_id: int) -> None:
        self.session, self.tenant_id = session, tenant_id
        self.refs = RefIndex(session, tenant_id, "customer", lazy=True)
        # Built on first use: code -> id, lowercased email -> id, id -> code.
        self._codes: dict[str, int] | None = None
        self._emails: dict[str, int] = {}
        self._code_of: dict[int, str] = {}

    def _load(self) -> dict[str, int]:
        if self._codes is None:
            self._codes, self._emails, self._code_of = {}, {}, {}
            rows = self.session.execute(
                select(CUSTOMERS.c.id, CUSTOMERS.c.customer_code, CUSTOMERS.c.email).where(
                    CUSTOMERS.c.tenant_id == self.tenant_id
                )
            )
            for customer_id, code, email in rows:
                self._remember(customer_id, code, email)
        return self._codes

    def _remember(self, customer_id: int, code: str, email: str | None) -> None:
        assert self._codes is not None
        self._codes[code] = customer_id
        self._code_of[customer_id] = code
        if email:
            self._emails.setdefault(email.lower(), customer_id)

    def find(self, customer: OrderCustomerRecord) -> tuple[int | None, str]:
        """The hub customer's id and code; ``(None, code)`` when it has to be created.

        The customer code is unique in the hub, so it is always tried, whatever the tenant's
        ``customer_match``: creating a second customer with it could only fail.
        """
        codes = self._load()
        ref = self.refs.get(customer.shopify_gid)
        if ref is not None and ref.hub_id in self._code_of:
            return ref.hub_id, self._code_of[ref.hub_id]
        found = codes.get(customer.customer_code)
        if found is None and customer.email:
            found = self._emails.get(customer.email.lower())
        if found is None:
            return None, customer.customer_code
        return found, self._code_of[found]

    def create(self, customers: Iterable[OrderCustomerRecord], now: datetime) -> None:
        """Insert the customers that are still unknown, once per code."""
        new: dict[str, OrderCustomerRecord] = {}
        for customer in customers:
            if self.find(customer)[0] is None:
                new.setdefault(customer.customer_code, customer)
        rows = [
            stamp(
                {
                    "customer_code": c.customer_code,
                    "company": c.company,
                    "first_name": c.first_name,
                    "last_name": c.last_name,
                    "email": c.email,
                    "phone": c.phone,
                    "tags": [],
                    "active": True,
                    "custom_fields": {},
                    "archived_at": None,
                },
                self.tenant_id,
                now,
            )
            for c in new.values()
        ]
        ids = insert_returning_ids(self.session, CUSTOMERS, rows)
        for customer, customer_id in zip(new.values(), ids, strict=True):
            self._remember(customer_id, customer.customer_code, customer.email)

    def reset(self) -> None:
        """Forget what an apply whose SAVEPOINT rolled back added; reloaded on next use."""
        self._codes = None
        self.refs.discard_staged()
