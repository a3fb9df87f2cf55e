"""The error catalogue: every code a rejected record can carry, with a message template that
tells a person how to fix the problem."""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from wholesync.sync.records import Entity, Rejection

SET = "wholesync tenants set {tenant}"
CATALOGUE: Mapping[str, str] = {
    "CUSTOMER_NOT_FOUND": (
        "Customer '{customer}' was not found in Shopify. Check the customer code on the order, "
        "or create the customer in Shopify (tagged '{sync_tag}') and sync customers again."
    ),
    "VARIANT_NOT_FOUND": (
        "No Shopify variant has the {key_name} '{key}'. Create it in Shopify or correct the "
        "item's {key_name} in the hub; variants are matched on the {key_name} "
        f"(change it with: {SET} upc_key sku|barcode|variant_id)."
    ),
    "INSUFFICIENT_INVENTORY": (
        "Only {available} of '{key}' are available at {location}, but {requested} are ordered. "
        "Lower the quantity, restock it in Shopify, or skip the check "
        f"({SET} orders.bypass_stock_check true)."
    ),
    "INVALID_EMAIL": (
        "'{email}' is not a valid email address. Correct the email of customer '{customer}' in "
        "Shopify; the customer is synced again on the next run."
    ),
    "INVALID_PHONE": (
        "'{phone}' is not a valid phone number. Correct the phone of '{customer}' in Shopify, "
        "in international format such as +16135550142."
    ),
    "ADDRESS_INCOMPLETE": (
        "The {kind} address of '{customer}' has no {missing}. Complete the address in Shopify "
        "or in the hub and try again."
    ),
    "DUPLICATE_CUSTOMER": (
        "Customers {first} and {second} share the {field} '{value}'. Merge them in Shopify or "
        "give each its own {field}."
    ),
    "WAREHOUSE_UNMAPPED": (
        "Shopify location '{location}' has no hub warehouse. Add it to the warehouse map "
        '(wholesync tenants set {tenant} warehouse_map \'{{"{location}": "CODE"}}\') '
        "or create a warehouse named '{location}'."
    ),
    "MISSING_REQUIRED_FIELD": "{subject} has no {field}. {fix}",
    "DUPLICATE_VARIANT_KEY": (
        "Variants {variants} of product '{product}' share the {key_name} '{key}'. Give each "
        "variant its own {key_name} in Shopify, or match variants on another key "
        f"({SET} upc_key sku|barcode|variant_id)."
    ),
    "ALREADY_EXPORTED": (
        "Order {order} was already exported as Shopify order {shopify_order}. Cancel that order "
        "in Shopify first, then use 'set to re-export' to send it again."
    ),
    "ORDER_NOT_EXPORTABLE": "Order {order} is {status}, so it is not exported. {fix}",
    "ORDER_NOT_EXPORTED": (
        "Order {order} {why}, so there is no Shopify order to fulfil. Export it first (approve "
        "it, or POST /orders/ID/export), then post the shipment again."
    ),
    "NOTHING_TO_FULFIL": (
        "Shipment {shipment} cannot be fulfilled: Shopify order {shopify_order} has {detail}. "
        "Check the order in Shopify (it may have been fulfilled or cancelled there) and post "
        "a shipment for what remains."
    ),
    "SHOPIFY_ORDER_MISMATCH": (
        "The lines of Shopify order {shopify_order} no longer match hub order {order} "
        "({detail}). Fulfil this shipment in Shopify by hand."
    ),
    "SHOPIFY_USER_ERROR": (
        "Shopify refused the change: {detail}. Fix the field it names and run the sync again."
    ),
    "SHOPIFY_UNAVAILABLE": (
        "Shopify did not answer after {attempts} attempts ({detail}). Nothing was written; the "
        "record is retried on the next run. If it persists, check https://www.shopifystatus.com."
    ),
    "AUTH_FAILED": (
        "Shopify refused the credentials for {shop} ({detail}). Check the environment variables "
        "named by the tenant (wholesync tenants list) and the app's access scopes."
    ),
    "INVALID_PAYLOAD": "{detail}",
    "INVALID_SETTING": "Setting '{key}' cannot be {value}: {detail}.",
    # F7, stock from the hub to Shopify (WAREHOUSE_NO_LOCATION is WAREHOUSE_UNMAPPED's text
    # in that direction).
    "WAREHOUSE_NO_LOCATION": (
        "Hub warehouse '{warehouse}' ({name}) has no Shopify location: {detail}. Map one "
        "location to it (wholesync tenants set {tenant} warehouse_map "
        '\'{{"Location name": "{warehouse}"}}\') or give the warehouse its location\'s name; '
        "its stock is not pushed until then."
    ),
    "NOT_STOCKED_AT_LOCATION": (
        "'{key}' is not stocked at Shopify location '{location}'. Stock the item at that "
        "location in Shopify (product > Inventory > locations), or move the hub's stock to a "
        "warehouse whose location stocks it; it is pushed on the next run."
    ),
    "STOCK_CHANGED_IN_SHOPIFY": (
        "Stock of '{key}' at '{location}' changed in Shopify during each of {attempts} attempts "
        "to set it to {quantity} (last seen: {current}). Nothing was overwritten; it is pushed "
        "again on the next run (wholesync sync stock_export --tenant {tenant})."
    ),
}
# The same codes when Shopify refuses a customer the hub sent (F8): the fix is made in the hub.
HUB_FIXES: Mapping[str, str] = {
    "INVALID_EMAIL": (
        "Shopify refused the email '{email}' of customer '{customer}': {detail}. Correct it in "
        "the hub (PATCH /api/v1/customers/{customer_id}); the customer is sent again on the "
        "next run."
    ),
    "INVALID_PHONE": (
        "Shopify refused the phone '{phone}' of customer '{customer}': {detail}. Give it in the "
        "hub in international format such as +16135550142; the customer is sent again on the "
        "next run."
    ),
    "ADDRESS_INCOMPLETE": (
        "Shopify refused an address of customer '{customer}': {detail}. Complete or correct it "
        "in the hub (country and province as codes, e.g. US and NY); the customer is sent again "
        "on the next run."
    ),
    "DUPLICATE_CUSTOMER": (
        "Another Shopify customer already has the {field} '{value}' of customer '{customer}': "
        "{detail}. Give this customer its own {field} in the hub, or merge the two in Shopify."
    ),
}
DEFAULTS: Mapping[str, str] = {
    "tenant": "NAME",
    "sync_tag": "wholesync",
    "fix": "Fill it in in Shopify; the record is synced again on the next run.",
}


class _Lenient(dict[str, Any]):
    """Format arguments that show a missing name as '?' instead of raising."""

    def __missing__(self, key: str) -> str:
        return "?"


_FORMATTER = string.Formatter()


def render(code: str, /, **params: Any) -> str:
    """The fix-it message for ``code`` with ``params`` filled in; unknown codes render as-is."""
    return _fill(code, CATALOGUE.get(code), params)


def render_hub_fix(code: str, /, **params: Any) -> str:
    """Like :func:`render`, with the fix made in the hub (``HUB_FIXES``) when there is one."""
    return _fill(code, HUB_FIXES.get(code) or CATALOGUE.get(code), params)


def _fill(code: str, template: str | None, params: dict[str, Any]) -> str:
    if template is None:
        return f"{code}: " + ", ".join(f"{k}={v}" for k, v in sorted(params.items()))
    values = _Lenient({**DEFAULTS, **{k: v for k, v in params.items() if v is not None}})
    return _FORMATTER.vformat(template, (), values)


def reject(
    entity: Entity, shopify_gid: str | None, key: str | None, code: str, /, **params: Any
) -> Rejection:
    """A :class:`Rejection` with the rendered message for ``code``."""
    return Rejection(entity, shopify_gid, key, code, render(code, **params))
