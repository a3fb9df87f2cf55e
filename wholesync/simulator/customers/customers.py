"""Customers in the Admin API: the customer roots, ``Customer`` and ``MailingAddress`` fields,
node lookups and the customers/* webhook bodies.

Mutations live in ``customer_mutations`` and ``customer_addresses``, merchant actions in
``customer_admin``; they are imported at the bottom so the engine's import of this module
registers them all.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from wholesync.simulator.api import search
from wholesync.simulator.api.pagination import connection, count_payload
from wholesync.simulator.customers import geography
from wholesync.simulator.customers.model import (
    addresses_of,
    default_address,
    find_customer,
    orders_of,
)
from wholesync.simulator.customers.payloads import address_payload, profile_fields
from wholesync.simulator.customers.search import cursor_value, filtered, sort_key
from wholesync.simulator.customers.validation import normalize_email, normalize_phone
from wholesync.simulator.ids import parse_gid
from wholesync.simulator.orders.records import search_values as order_search_values
from wholesync.simulator.registry import ctx, node_table, resolves, root_record, webhook_payload
from wholesync.simulator.store import Record, Shop


def _number(record: Record) -> int:
    parsed = parse_gid(record["id"])
    assert parsed is not None
    return parsed[1]


# Roots -----------------------------------------------------------------------------------

root_record("customer", "Customer")


@resolves("QueryRoot", "customers")
def resolve_customers(_: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    shop = ctx(info).shop
    key = args.get("sortKey") or "ID"
    found = sorted(filtered(shop, args.get("query")), key=sort_key(shop, key))
    return connection(found, args, number=_number, sort_value=cursor_value(shop, key))


@resolves("QueryRoot", "customersCount")
def resolve_customers_count(
    _: Any, info: GraphQLResolveInfo, query: str | None = None, limit: int | None = 10000
) -> dict[str, Any]:
    return count_payload(len(filtered(ctx(info).shop, query, counting=True)), limit)


def customer_by_identifier(shop: Shop, identifier: dict[str, Any]) -> Record | None:
    """Find a customer by id, email or phone (``CustomerIdentifierInput``)."""
    if identifier.get("id") is not None:
        return find_customer(shop, identifier["id"])
    if identifier.get("customId") is not None:
        raise GraphQLError(
            "Metafield definition of type 'id' is required when using custom ids.",
            extensions={"code": "NOT_FOUND"},
        )
    if identifier.get("emailAddress") is not None:
        email = (normalize_email(identifier["emailAddress"]) or "").lower()
        return next(
            (c for c in shop.customers.values() if (c.get("email") or "").lower() == email), None
        )
    if identifier.get("phoneNumber") is not None:
        phone = normalize_phone(str(identifier["phoneNumber"]))
        return next((c for c in shop.customers.values() if phone and c["phone"] == phone), None)
    return None


@resolves("QueryRoot", "customerByIdentifier")
def resolve_customer_by_identifier(
    _: Any, info: GraphQLResolveInfo, identifier: dict[str, Any]
) -> Record | None:
    return customer_by_identifier(ctx(info).shop, identifier)


# Customer fields -------------------------------------------------------------------------


@resolves("Customer", "addresses")
def resolve_addresses(
    customer: Record, info: GraphQLResolveInfo, first: int | None = None
) -> list[Record]:
    found = addresses_of(ctx(info).shop, customer)
    return found[:first] if first is not None else found


@resolves("Customer", "addressesV2")
def resolve_addresses_v2(customer: Record, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    return connection(addresses_of(ctx(info).shop, customer), args, number=_number)


@resolves("Customer", "defaultAddress")
def resolve_default_address(customer: Record, info: GraphQLResolveInfo) -> Record | None:
    return default_address(ctx(info).shop, customer)


@resolves("Customer", "defaultEmailAddress")
def resolve_default_email(customer: Record, _: GraphQLResolveInfo) -> Record | None:
    if not customer.get("email"):
        return None
    consent = customer.get("_email_consent") or {}
    return {
        "emailAddress": customer["email"],
        "marketingState": consent.get("marketingState", "NOT_SUBSCRIBED"),
        "marketingOptInLevel": consent.get("marketingOptInLevel"),
        "marketingUpdatedAt": consent.get("consentUpdatedAt"),
        "validFormat": True,
    }


@resolves("Customer", "defaultPhoneNumber")
def resolve_default_phone(customer: Record, _: GraphQLResolveInfo) -> Record | None:
    if not customer.get("phone"):
        return None
    consent = customer.get("_sms_consent") or {}
    return {
        "phoneNumber": customer["phone"],
        "marketingState": consent.get("marketingState", "NOT_SUBSCRIBED"),
        "marketingOptInLevel": consent.get("marketingOptInLevel"),
        "marketingUpdatedAt": consent.get("consentUpdatedAt"),
        "marketingCollectedFrom": consent.get("consentCollectedFrom", "OTHER"),
    }


@resolves("Customer", "emailMarketingConsent")
def resolve_email_consent(customer: Record, _: GraphQLResolveInfo) -> Record | None:
    consent: Record | None = customer.get("_email_consent")
    return consent


@resolves("Customer", "smsMarketingConsent")
def resolve_sms_consent(customer: Record, _: GraphQLResolveInfo) -> Record | None:
    consent: Record | None = customer.get("_sms_consent")
    return consent


@resolves("Customer", "canDelete")
def resolve_can_delete(customer: Record, info: GraphQLResolveInfo) -> bool:
    return not orders_of(ctx(info).shop, customer)


@resolves("Customer", "numberOfOrders")
def resolve_number_of_orders(customer: Record, info: GraphQLResolveInfo) -> str:
    return str(len(orders_of(ctx(info).shop, customer)))


@resolves("Customer", "amountSpent")
def resolve_amount_spent(customer: Record, info: GraphQLResolveInfo) -> Record:
    shop = ctx(info).shop
    spent = Decimal(0)
    for order in orders_of(shop, customer):
        spent += Decimal(str(order.get("totalPriceSet", {}).get("shopMoney", {}).get("amount", 0)))
    text = format(spent.normalize(), "f")
    return {"amount": text if "." in text else text + ".0", "currencyCode": shop.currency}


_ORDER_SORTS = {"CREATED_AT": "createdAt", "UPDATED_AT": "updatedAt", "PROCESSED_AT": "processedAt"}


def _matching_orders(shop: Shop, orders: list[Record], query: str | None) -> list[Record]:
    """Orders matching ``query`` over the fields ``orders(query:)`` searches."""
    node = search.parse(query or "")
    if node is None:
        return orders
    found = []
    for order in orders:
        values = order_search_values(shop, order)
        getters = {name: (lambda _, got=got: got) for name, got in values.items()}
        if search.matches(node, order, getters, ("name", "email")):
            found.append(order)
    return found


@resolves("Customer", "orders")
def resolve_orders(customer: Record, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    shop = ctx(info).shop
    orders = _matching_orders(shop, orders_of(shop, customer), args.get("query"))
    field = _ORDER_SORTS.get(args.get("sortKey") or "ID")
    if field:
        orders.sort(key=lambda o: (str(o.get(field) or ""), _number(o)))
    else:
        orders.sort(key=_number)
    return connection(orders, args, number=_number)


@resolves("Customer", "lastOrder")
def resolve_last_order(customer: Record, info: GraphQLResolveInfo) -> Record | None:
    orders = orders_of(ctx(info).shop, customer)
    return max(orders, key=lambda o: (str(o.get("createdAt")), _number(o)), default=None)


@resolves("Customer", "storeCreditAccounts")
def resolve_store_credit(customer: Record, _: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    return connection([], args, number=_number)


# MailingAddress fields (also serve order addresses, so read every key defensively) -------


@resolves("MailingAddress", "formatted")
def resolve_formatted(
    address: Record, _: GraphQLResolveInfo, withName: bool = False, withCompany: bool = True
) -> list[str]:
    return geography.formatted_lines(address, bool(withName), bool(withCompany))


@resolves("MailingAddress", "formattedArea")
def resolve_formatted_area(address: Record, _: GraphQLResolveInfo) -> str | None:
    return geography.formatted_area(address)


@resolves("MailingAddress", "coordinatesValidated")
def resolve_coordinates_validated(address: Record, _: GraphQLResolveInfo) -> bool:
    return bool(address.get("coordinatesValidated", False))


# Nodes and webhooks ----------------------------------------------------------------------


node_table("Customer", lambda shop: shop.customers)
node_table("MailingAddress", lambda shop: shop.addresses)


@webhook_payload("customers/create", "customers/update")
def customer_payload(shop: Shop, customer: Record) -> dict[str, Any]:
    """The body of customers/create and customers/update (Shopify's REST customer)."""
    number = int(customer["legacyResourceId"])
    default_no = customer.get("_default_address")
    addresses = [
        address_payload(a, number, _number(a) == default_no) for a in addresses_of(shop, customer)
    ]
    default = next((a for a in addresses if a["default"]), None)
    return {
        "id": number,
        "created_at": customer["createdAt"],
        "updated_at": customer["updatedAt"],
        **profile_fields(customer),
        "currency": shop.currency,
        "addresses": addresses,
        "tax_exemptions": list(customer.get("taxExemptions") or []),
        "admin_graphql_api_id": customer["id"],
        "default_address": default,
    }
