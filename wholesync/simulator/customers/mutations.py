"""``customerCreate``, ``customerUpdate`` and ``customerDelete`` with Shopify's userErrors.

Input is checked in full before anything is written, so a rejected mutation leaves the shop
untouched. ``plan_input`` and ``commit`` are shared with the merchant actions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from wholesync.simulator.api.errors import user_error
from wholesync.simulator.customers import search as customer_search
from wholesync.simulator.customers import validation as cv
from wholesync.simulator.customers.model import (
    address_number,
    addresses_of,
    delete_customer,
    find_customer,
    new_address,
    new_customer,
    orders_of,
    remove_address,
    sync_contact,
    update_address,
)
from wholesync.simulator.metafields import nested as nested_metafields
from wholesync.simulator.registry import Context, ctx, resolves
from wholesync.simulator.shop import shop_record
from wholesync.simulator.store import Record, Shop

IDENTITY_MESSAGE = "A name, phone number, or email address must be present"
IDENTITY_FIELDS = ("firstName", "lastName", "email", "phone")


@dataclass
class Plan:
    """A checked customer input: the field changes, addresses and metafields to write."""

    fields: dict[str, Any] = field(default_factory=dict)
    # Replacement address list: (existing address number or None, cleaned fields).
    addresses: list[tuple[int | None, dict[str, Any]]] | None = None
    metafields: list[dict[str, Any]] = field(default_factory=list)
    consent: dict[str, Record] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def problem(self, path: list[str] | None, message: str) -> None:
        self.errors.append(user_error(path, message))


def _taken(shop: Shop, key: str, value: str, current: Record | None) -> bool:
    wanted = value.lower()
    return any(
        (other.get(key) or "").lower() == wanted
        for other in shop.customers.values()
        if other is not current
    )


def _plan_contact(shop: Shop, data: dict[str, Any], current: Record | None, plan: Plan) -> None:
    for key, label in (("firstName", "First name"), ("lastName", "Last name")):
        if key in data:
            value = cv.clean_text(data[key])
            if value is not None and len(value) > cv.MAX_TEXT:
                plan.problem([key], cv.too_long(label))
            plan.fields[key] = value
    if "email" in data:
        email = cv.normalize_email(data["email"])
        if email is not None:
            found = cv.email_problems(email)
            if not found and _taken(shop, "email", email, current):
                found = [(["email"], "Email has already been taken")]
            for path, message in found:
                plan.problem(path, message)
        plan.fields["email"] = email
    if "phone" in data:
        raw = (data["phone"] or "").strip()
        phone = cv.normalize_phone(raw) if raw else None
        if raw:
            found = cv.phone_problems(raw, phone)
            if not found and phone and _taken(shop, "phone", phone, current):
                found = [(["phone"], "Phone has already been taken")]
            for path, message in found:
                plan.problem(path, message)
        plan.fields["phone"] = phone or (raw or None)


def _plan_details(data: dict[str, Any], plan: Plan) -> None:
    if "note" in data:
        note = data["note"]
        if note is not None and len(note) > cv.MAX_NOTE:
            plan.problem(["note"], cv.too_long("Note", cv.MAX_NOTE))
        plan.fields["note"] = note
    if data.get("locale") is not None:
        if not cv.valid_locale(data["locale"]):
            plan.problem(["locale"], "Locale is invalid")
        plan.fields["locale"] = data["locale"]
    if "tags" in data:
        tags = cv.normalize_tags(data["tags"] or [])
        for path, message in cv.tag_problems(tags):
            plan.problem(path, message)
        plan.fields["tags"] = tags
    if data.get("taxExempt") is not None:
        plan.fields["taxExempt"] = bool(data["taxExempt"])
    if "taxExemptions" in data:
        plan.fields["taxExemptions"] = list(dict.fromkeys(data["taxExemptions"] or []))
    if "multipassIdentifier" in data:
        plan.fields["multipassIdentifier"] = cv.clean_text(data["multipassIdentifier"])


def _plan_consent(data: dict[str, Any], merged: Record, creating: bool, plan: Plan) -> None:
    kinds = (
        (
            "emailMarketingConsent",
            "email",
            "email",
            "An email address is required to set the email marketing consent state.",
        ),
        (
            "smsMarketingConsent",
            "sms",
            "phone",
            "A phone number is required to set the SMS consent state.",
        ),
    )
    for key, kind, contact, missing in kinds:
        given = data.get(key)
        if given is None:
            continue
        if not creating:
            plan.problem(
                [key],
                f"To update {key}, please use the customer{key[0].upper()}{key[1:]}"
                "Update Mutation instead",
            )
        elif not merged.get(contact):
            plan.problem([key], missing)
        else:
            consent: Record = {
                "marketingState": given["marketingState"],
                "marketingOptInLevel": given.get("marketingOptInLevel") or "SINGLE_OPT_IN",
                "consentUpdatedAt": given.get("consentUpdatedAt"),
            }
            if kind == "sms":
                consent["consentCollectedFrom"] = "OTHER"
            plan.consent[kind] = consent


def _plan_addresses(
    shop: Shop, given: list[dict[str, Any]], current: Record | None, plan: Plan
) -> None:
    owned = {
        n: shop.addresses[n] for n in (current or {}).get("_addresses", ()) if n in shop.addresses
    }
    planned: list[tuple[int | None, dict[str, Any]]] = []
    seen: set[tuple[Any, ...]] = set()
    for index, raw in enumerate(given):
        at = ["addresses", str(index)]
        number = address_number(raw.get("id")) if raw.get("id") is not None else None
        if number is not None and number not in owned:
            plan.problem([*at, "id"], "Address does not exist")
            continue
        fields, found = cv.address_fields(raw, owned.get(number) if number else None)
        for path, message in found:
            plan.problem([*at, *path], message)
        merged = {**(owned.get(number) or {}), **fields} if number else fields
        if not found and cv.address_is_blank(merged):
            plan.problem(at, "Customer address cannot be blank.")
            continue
        identity = cv.address_identity(merged)
        if identity not in seen:
            seen.add(identity)
            planned.append((number, fields))
    plan.addresses = planned


def plan_input(shop: Shop, data: dict[str, Any], current: Record | None) -> Plan:
    """Check a ``CustomerInput`` against the shop; ``current`` is ``None`` for a create."""
    plan = Plan()
    if current is None and data.get("addresses"):
        for index, raw in enumerate(data["addresses"]):
            if raw.get("id") is not None:
                plan.problem(
                    ["addresses", str(index), "id"], "Cannot specify address ID on creation"
                )
                return plan
    owner = current["id"] if current else None
    metafields, nested = nested_metafields.prepare(shop, owner, data.get("metafields") or [])
    if current is None and any(path[-1] == "id" for path, _ in nested):
        for path, message in nested:
            plan.problem(path, message)
        return plan
    _plan_contact(shop, data, current, plan)
    _plan_details(data, plan)
    merged = {**(current or {}), **plan.fields}
    if not any(merged.get(key) for key in IDENTITY_FIELDS):
        plan.errors.insert(0, user_error(None, IDENTITY_MESSAGE))
    _plan_consent(data, merged, current is None, plan)
    if data.get("addresses") is not None:
        _plan_addresses(shop, data["addresses"], current, plan)
    for path, message in nested:
        plan.problem(path, message)
    plan.metafields = metafields
    return plan


def commit(shop: Shop, plan: Plan, current: Record | None) -> Record:
    """Write a checked plan: create the customer when ``current`` is ``None``."""
    now = shop.now()
    customer = current if current is not None else new_customer(shop, now)
    customer.update(plan.fields)
    if plan.addresses is not None:
        _replace_addresses(shop, customer, plan.addresses)
    nested_metafields.apply(shop, customer["id"], plan.metafields, now)
    sync_contact(customer)
    if "email" in plan.consent:
        customer["_email_consent"] = plan.consent["email"]
    if "sms" in plan.consent:
        customer["_sms_consent"] = plan.consent["sms"]
    customer["updatedAt"] = now
    customer_search.index(shop, customer)
    return customer


def _replace_addresses(
    shop: Shop, customer: Record, planned: list[tuple[int | None, dict[str, Any]]]
) -> None:
    kept = {number for number, _ in planned if number is not None}
    for address in addresses_of(shop, customer):
        number = address_number(address["id"])
        if number is not None and number not in kept:
            remove_address(shop, customer, number)
    for number, fields in planned:
        if number is not None:
            update_address(shop.addresses[number], fields)
            continue
        named = {
            "firstName": customer.get("firstName"),
            "lastName": customer.get("lastName"),
        }
        if fields.get("firstName") or fields.get("lastName"):
            named = {}
        new_address(shop, customer, {**fields, **named})
    if customer["_default_address"] is None and customer["_addresses"]:
        customer["_default_address"] = customer["_addresses"][0]


def _reject_redacted(data: dict[str, Any]) -> None:
    for key in ("emailMarketingConsent", "smsMarketingConsent"):
        if (data.get(key) or {}).get("marketingState") == "REDACTED":
            raise GraphQLError(
                "Cannot specify REDACTED as a marketing state input", extensions={"code": "INVALID"}
            )


def _save(context: Context, data: dict[str, Any], current: Record | None) -> dict[str, Any]:
    """Check and write ``data`` (a new customer when ``current`` is ``None``), queue its
    webhook and answer with the mutation's payload."""
    plan = plan_input(context.shop, data, current)
    if plan.errors:
        return {"customer": None, "userErrors": plan.errors}
    customer = commit(context.shop, plan, current)
    context.emit("customers/create" if current is None else "customers/update", customer)
    return {"customer": customer, "userErrors": []}


def create_customer(context: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Run a customer create and queue customers/create; the payload of ``customerCreate``."""
    if data.get("id") is not None:
        return {
            "customer": None,
            "userErrors": [user_error(["id"], "Cannot specify ID on creation")],
        }
    return _save(context, data, None)


def update_customer(context: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Run a customer update and queue customers/update; the payload of ``customerUpdate``."""
    current = find_customer(context.shop, data.get("id"))
    if current is None:
        return {"customer": None, "userErrors": [user_error(["id"], "Customer does not exist")]}
    return _save(context, data, current)


@resolves("Mutation", "customerCreate")
def resolve_customer_create(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:
    _reject_redacted(input)
    return create_customer(ctx(info), input)


@resolves("Mutation", "customerUpdate")
def resolve_customer_update(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:
    _reject_redacted(input)
    return update_customer(ctx(info), input)


@resolves("Mutation", "customerDelete")
def resolve_customer_delete(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:
    shop = ctx(info).shop
    answer: dict[str, Any] = {
        "deletedCustomerId": None,
        "shop": shop_record(shop),
        "userErrors": [],
    }
    customer = find_customer(shop, input["id"])
    if customer is None:
        answer["userErrors"] = [user_error(["id"], "Customer can't be found")]
    elif orders_of(shop, customer):
        message = "Customer can\u2019t be deleted because they have associated orders"
        answer["userErrors"] = [user_error(["id"], message)]
    else:
        delete_customer(shop, customer)
        answer["deletedCustomerId"] = customer["id"]
    return answer
