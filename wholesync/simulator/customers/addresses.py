"""The customer address mutations: ``customerAddressCreate``, ``customerAddressUpdate``,
``customerAddressDelete`` and ``customerUpdateDefaultAddress``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from wholesync.simulator.api.errors import user_error
from wholesync.simulator.customers import validation as cv
from wholesync.simulator.customers.model import (
    address_gid,
    address_number,
    addresses_of,
    find_customer,
    new_address,
    remove_address,
    update_address,
)
from wholesync.simulator.customers.search import index
from wholesync.simulator.registry import Context, ctx, resolves
from wholesync.simulator.store import Record, Shop

ADDRESS_MISSING = "Address does not exist"
Handler = Callable[..., dict[str, Any]]


def _owned_address(shop: Shop, customer: Record, address_id: str) -> Record | None:
    """The customer's address, ``None`` if it belongs to someone else; unknown ids raise."""
    number = address_number(address_id)
    if number is None or number not in shop.addresses:
        raise GraphQLError("invalid id", extensions={"code": "RESOURCE_NOT_FOUND"})
    return shop.addresses[number] if number in customer["_addresses"] else None


def _touch(context: Context, customer: Record) -> None:
    shop = context.shop
    customer["updatedAt"] = shop.now()
    index(shop, customer)
    context.emit("customers/update", customer)


def _duplicate(shop: Shop, customer: Record, merged: Record, skip: Record | None) -> bool:
    identity = cv.address_identity(merged)
    return any(
        cv.address_identity(other) == identity
        for other in addresses_of(shop, customer)
        if other is not skip
    )


def _checked(
    shop: Shop, customer: Record, address: dict[str, Any], current: Record | None
) -> tuple[Record, list[dict[str, Any]]]:
    """The fields to store for a new address (``current`` is ``None``) or an edit, and the
    userErrors that stop the write."""
    fields, found = cv.address_fields(address, current)
    if found:
        return fields, [user_error(["address", *path], message) for path, message in found]
    if current is None and not (fields.get("firstName") or fields.get("lastName")):
        fields["firstName"], fields["lastName"] = customer["firstName"], customer["lastName"]
    merged = fields if current is None else {**current, **fields}
    if _duplicate(shop, customer, merged, current):
        return fields, [user_error(["address"], "Address already exists")]
    return fields, []


def _of_customer(payload_key: str) -> Callable[[Handler], Handler]:
    """Make a resolver that finds ``customerId`` and passes it to the handler; an unknown one
    answers with ``payload_key`` null."""

    def wrap(handler: Handler) -> Handler:
        def resolver(
            _: Any, info: GraphQLResolveInfo, customerId: str, **args: Any
        ) -> dict[str, Any]:
            context = ctx(info)
            customer = find_customer(context.shop, customerId)
            if customer is None:
                missing = user_error(["customerId"], "Customer does not exist")
                return {payload_key: None, "userErrors": [missing]}
            return handler(context, customer, **args)

        return resolver

    return wrap


@resolves("Mutation", "customerAddressCreate")
@_of_customer("address")
def resolve_address_create(
    context: Context,
    customer: Record,
    address: dict[str, Any],
    setAsDefault: bool | None = None,
) -> dict[str, Any]:
    fields, errors = _checked(context.shop, customer, address, None)
    if errors:
        return {"address": None, "userErrors": errors}
    record = new_address(context.shop, customer, fields)
    if setAsDefault or customer["_default_address"] is None:
        customer["_default_address"] = address_number(record["id"])
    _touch(context, customer)
    return {"address": record, "userErrors": []}


@resolves("Mutation", "customerAddressUpdate")
@_of_customer("address")
def resolve_address_update(
    context: Context,
    customer: Record,
    addressId: str,
    address: dict[str, Any],
    setAsDefault: bool | None = None,
) -> dict[str, Any]:
    current = _owned_address(context.shop, customer, addressId)
    if current is None:
        return {"address": None, "userErrors": [user_error(["addressId"], ADDRESS_MISSING)]}
    if "id" in address and address_number(address["id"]) != address_number(addressId):
        message = "The id of the address does not match the id in the input"
        return {"address": None, "userErrors": [user_error(["addressId"], message)]}
    fields, errors = _checked(context.shop, customer, address, current)
    if errors:
        return {"address": None, "userErrors": errors}
    update_address(current, fields)
    if setAsDefault:
        customer["_default_address"] = address_number(current["id"])
    _touch(context, customer)
    return {"address": current, "userErrors": []}


@resolves("Mutation", "customerAddressDelete")
@_of_customer("deletedAddressId")
def resolve_address_delete(context: Context, customer: Record, addressId: str) -> dict[str, Any]:
    shop = context.shop
    current = _owned_address(shop, customer, addressId)
    if current is None:
        return {
            "deletedAddressId": None,
            "userErrors": [user_error(["addressId"], ADDRESS_MISSING)],
        }
    number = address_number(current["id"])
    assert number is not None
    remove_address(shop, customer, number)
    _touch(context, customer)
    return {"deletedAddressId": address_gid(number), "userErrors": []}


@resolves("Mutation", "customerUpdateDefaultAddress")
@_of_customer("customer")
def resolve_update_default_address(
    context: Context, customer: Record, addressId: str
) -> dict[str, Any]:
    current = _owned_address(context.shop, customer, addressId)
    if current is None:
        # Shopify still answers with the unchanged customer alongside the error.
        return {"customer": customer, "userErrors": [user_error(["addressId"], ADDRESS_MISSING)]}
    customer["_default_address"] = address_number(current["id"])
    _touch(context, customer)
    return {"customer": customer, "userErrors": []}
