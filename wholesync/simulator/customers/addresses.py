"""The customer address mutations: ``customerAddressCreate``, ``customerAddressUpdate``,
``customerAddressDelete`` and ``customerUpdateDefaultAddress``."""

from __future__ import annotations

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


def _problems(found: list[cv.Problem]) -> list[dict[str, Any]]:
    return [user_error(["address", *path], message) for path, message in found]


def _duplicate(shop: Shop, customer: Record, merged: Record, skip: Record | None) -> bool:
    identity = cv.address_identity(merged)
    return any(
        cv.address_identity(other) == identity
        for other in addresses_of(shop, customer)
        if other is not skip
    )


@resolves("Mutation", "customerAddressCreate")
def resolve_address_create(
    _: Any,
    info: GraphQLResolveInfo,
    customerId: str,
    address: dict[str, Any],
    setAsDefault: bool | None = None,
) -> dict[str, Any]:
    context = ctx(info)
    shop = context.shop
    customer = find_customer(shop, customerId)
    if customer is None:
        return {
            "address": None,
            "userErrors": [user_error(["customerId"], "Customer does not exist")],
        }
    fields, found = cv.address_fields(address)
    if found:
        return {"address": None, "userErrors": _problems(found)}
    if not (fields.get("firstName") or fields.get("lastName")):
        fields["firstName"], fields["lastName"] = customer["firstName"], customer["lastName"]
    if _duplicate(shop, customer, fields, None):
        return {"address": None, "userErrors": [user_error(["address"], "Address already exists")]}
    record = new_address(shop, customer, fields)
    if setAsDefault or customer["_default_address"] is None:
        customer["_default_address"] = address_number(record["id"])
    _touch(context, customer)
    return {"address": record, "userErrors": []}


@resolves("Mutation", "customerAddressUpdate")
def resolve_address_update(
    _: Any,
    info: GraphQLResolveInfo,
    customerId: str,
    addressId: str,
    address: dict[str, Any],
    setAsDefault: bool | None = None,
) -> dict[str, Any]:
    context = ctx(info)
    shop = context.shop
    customer = find_customer(shop, customerId)
    if customer is None:
        return {
            "address": None,
            "userErrors": [user_error(["customerId"], "Customer does not exist")],
        }
    current = _owned_address(shop, customer, addressId)
    if current is None:
        return {"address": None, "userErrors": [user_error(["addressId"], ADDRESS_MISSING)]}
    if "id" in address and address_number(address["id"]) != address_number(addressId):
        message = "The id of the address does not match the id in the input"
        return {"address": None, "userErrors": [user_error(["addressId"], message)]}
    fields, found = cv.address_fields(address, current)
    if found:
        return {"address": None, "userErrors": _problems(found)}
    if _duplicate(shop, customer, {**current, **fields}, current):
        return {"address": None, "userErrors": [user_error(["address"], "Address already exists")]}
    update_address(current, fields)
    if setAsDefault:
        customer["_default_address"] = address_number(current["id"])
    _touch(context, customer)
    return {"address": current, "userErrors": []}


@resolves("Mutation", "customerAddressDelete")
def resolve_address_delete(
    _: Any, info: GraphQLResolveInfo, customerId: str, addressId: str
) -> dict[str, Any]:
    context = ctx(info)
    shop = context.shop
    customer = find_customer(shop, customerId)
    if customer is None:
        missing = user_error(["customerId"], "Customer does not exist")
        return {"deletedAddressId": None, "userErrors": [missing]}
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
def resolve_update_default_address(
    _: Any, info: GraphQLResolveInfo, customerId: str, addressId: str
) -> dict[str, Any]:
    context = ctx(info)
    shop = context.shop
    customer = find_customer(shop, customerId)
    if customer is None:
        return {
            "customer": None,
            "userErrors": [user_error(["customerId"], "Customer does not exist")],
        }
    current = _owned_address(shop, customer, addressId)
    if current is None:
        # Shopify still answers with the unchanged customer alongside the error.
        return {"customer": customer, "userErrors": [user_error(["addressId"], ADDRESS_MISSING)]}
    customer["_default_address"] = address_number(current["id"])
    _touch(context, customer)
    return {"customer": customer, "userErrors": []}
