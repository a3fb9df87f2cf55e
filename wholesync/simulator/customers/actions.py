"""The merchant's side of customers: create and edit them from the admin (``/__sim/`` control
API) and list them for inspection. Edits go through the same checks as the mutations and emit
the same webhooks."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from wholesync.simulator.control import ControlError, inspector, merchant_action
from wholesync.simulator.customers.model import (
    address_number,
    addresses_of,
    default_address,
    find_customer,
    new_address,
    update_address,
)
from wholesync.simulator.customers.mutations import commit, create_customer, plan_input
from wholesync.simulator.customers.search import index
from wholesync.simulator.ids import gid
from wholesync.simulator.registry import Context
from wholesync.simulator.store import Record, Shop


class CustomerBody(BaseModel):
    """A customer as the merchant types it in the admin (``CustomerInput``'s camelCase names)."""

    email: str | None = None
    phone: str | None = None
    firstName: str | None = None
    lastName: str | None = None
    note: str | None = None
    locale: str | None = None
    tags: list[str] | None = None
    taxExempt: bool | None = None
    addresses: list[dict[str, Any]] | None = None
    metafields: list[dict[str, Any]] | None = None

    model_config = {"extra": "forbid"}


class CustomerEdit(CustomerBody):
    """An edit; ``company`` goes on the default address."""

    company: str | None = Field(None, max_length=255)


def _rejected(errors: list[dict[str, Any]]) -> ControlError:
    detail = "; ".join(
        f"{'.'.join(e['field'] or []) or 'customer'}: {e['message']}" for e in errors
    )
    return ControlError(422, "INVALID_CUSTOMER", detail)


@merchant_action("POST", "/customers")
def create(context: Context, _: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    data = CustomerBody.model_validate(body).model_dump(exclude_unset=True)
    answer = create_customer(context, data)
    if answer["userErrors"]:
        raise _rejected(answer["userErrors"])
    return {"customer": {"id": answer["customer"]["id"]}}


@merchant_action("POST", "/customers/{id}")
def edit(context: Context, params: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    shop = context.shop
    wanted = params["id"]
    customer = find_customer(shop, gid("Customer", int(wanted)) if wanted.isdigit() else wanted)
    if customer is None:
        raise ControlError(404, "CUSTOMER_NOT_FOUND", f"No customer {wanted!r} in this shop.")
    data = CustomerEdit.model_validate(body).model_dump(exclude_unset=True)
    has_company = "company" in data
    company = data.pop("company", None)
    plan = plan_input(shop, data, customer)
    if plan.errors:
        raise _rejected(plan.errors)
    commit(shop, plan, customer)
    if has_company:
        _set_company(shop, customer, company)
    context.emit("customers/update", customer)
    return {"customer": {"id": customer["id"], "updatedAt": customer["updatedAt"]}}


def _set_company(shop: Shop, customer: Record, company: str | None) -> None:
    """Put the company on the default address, creating one when the customer has none."""
    address = default_address(shop, customer)
    if address is None:
        names = {"firstName": customer["firstName"], "lastName": customer["lastName"]}
        address = new_address(shop, customer, names)
        customer["_default_address"] = address_number(address["id"])
    update_address(address, {"company": (company or "").strip() or None})
    index(shop, customer)


def _public(record: Record) -> Record:
    return {key: value for key, value in record.items() if not key.startswith("_")}


@inspector("customers")
def list_customers(shop: Shop) -> list[dict[str, Any]]:
    """Every customer with its addresses, default address id and metafields."""
    listing = []
    for customer in shop.customers.values():
        entry = _public(customer)
        default = default_address(shop, customer)
        entry["addresses"] = [_public(a) for a in addresses_of(shop, customer)]
        entry["defaultAddressId"] = default["id"] if default else None
        entry["metafields"] = [_public(m) for m in shop.metafields_of(customer["id"])]
        listing.append(entry)
    return listing
