"""Sending a hub customer to Shopify and recording that it got there.

``send_customer`` runs ``customerCreate`` (no GID yet) or ``customerUpdate`` (the linked GID)
and answers with what Shopify made or the problem it named. ``mark_pushed`` links the hub
customer to that GID at Shopify's ``updatedAt``, so customers sync (F2) loads the Shopify
customer into this hub row rather than importing it as a new one, and stamps the change as
pushed. F8 and F4 (an order's unknown customer) both use them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from wholesync.hub.models import Customer
from wholesync.shopify import ShopifyClient
from wholesync.shopify.errors import InvalidQueryError
from wholesync.sync.map_common import parse_datetime
from wholesync.sync.map_customers_export import (
    customer_input,
    customer_problem,
    invalid_input_problem,
)
from wholesync.sync.map_orders_export import Problem
from wholesync.sync.matching import link
from wholesync.sync.settings import TenantSettings

ENTITY = "customer"


@dataclass(frozen=True)
class Pushed:
    """The Shopify customer a push made or changed."""

    gid: str
    updated_at: datetime | None
    created: bool


def send_customer(
    client: ShopifyClient, customer: Customer, settings: TenantSettings, gid: str | None = None
) -> Pushed | Problem:
    """Create ``customer`` in Shopify, or update the Shopify customer ``gid``. A Shopify that
    does not answer raises (``UnavailableError``): a create may then have run."""
    variables = customer_input(customer, settings, gid=gid)
    operation, root = "customer_create", "customerCreate"
    if gid is not None:
        operation, root = "customer_update", "customerUpdate"
    try:
        payload = client.execute(operation, {"input": variables}).get(root) or {}
    except InvalidQueryError as exc:
        return invalid_input_problem(exc.message, customer)
    made = payload.get("customer")
    if payload.get("userErrors") or not made:
        return customer_problem(payload.get("userErrors") or [], customer, variables)
    return Pushed(made["id"], parse_datetime(made.get("updatedAt")), created=gid is None)


def mark_pushed(
    session: Session, customer: Customer, pushed: Pushed, sent: datetime | None
) -> None:
    """Link the customer to its Shopify GID and stamp the hub change as pushed. ``pushed_at``
    takes ``sent``, the ``hub_modified_at`` read before sending: a change the hub made
    meanwhile is newer, and goes out on the next run."""
    link(session, customer.tenant_id, ENTITY, pushed.gid, customer.id, pushed.updated_at)
    if sent is not None:
        customer.pushed_at = sent
