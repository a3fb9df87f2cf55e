"""F4 mapping, pure: a hub order, the Shopify ids its pre-checks resolved and the tenant's
settings in; the ``orderCreate`` / ``draftOrderCreate`` variables, or the problem that stops
the export, out. Nothing here reads the database or calls Shopify.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from wholesync.hub.models import Order, OrderLine
from wholesync.sync.errors import render
from wholesync.sync.map_products import KEY_NAMES
from wholesync.sync.setting_types import render_note
from wholesync.sync.settings import TenantSettings

CENT = Decimal("0.01")
# Hub address keys -> Shopify MailingAddressInput fields (province and country by code, the
# names being deprecated in the input).
ADDRESS_KEYS = {
    "first_name": "firstName",
    "last_name": "lastName",
    "company": "company",
    "address1": "address1",
    "address2": "address2",
    "city": "city",
    "province_code": "provinceCode",
    "country_code": "countryCode",
    "zip": "zip",
    "phone": "phone",
}


@dataclass(frozen=True)
class Problem:
    """Why an order cannot be exported: a catalogue code and its fix-it message."""

    code: str
    message: str


@dataclass(frozen=True)
class VariantFacts:
    """A Shopify variant as the pre-checks see it: stock by location GID."""

    gid: str
    tracked: bool = True
    available: Mapping[str, int] = field(default_factory=dict)
    location_names: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Location:
    gid: str
    name: str


@dataclass(frozen=True)
class Resolved:
    """What the fetch found in Shopify for one order."""

    customer_gid: str
    variants: Mapping[str, VariantFacts]  # line key -> variant
    location: Location | None = None


def money(amount: Decimal) -> str:
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def line_key(line: OrderLine) -> str:
    """The variant key export resolves in Shopify (the hub UPC, else the SKU)."""
    return (line.upc or line.sku or "").strip()


def customer_label(order: Order) -> str:
    """How a person recognises the order's customer in a message."""
    customer = order.customer
    if customer is not None:
        return customer.customer_code or customer.email or str(customer.id)
    return order.new_customer_company or order.new_customer_email or "(no customer)"


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def ship_window(order: Order) -> str:
    start, end = _day(order.ship_start), _day(order.ship_complete)
    if start and end:
        return f"{start} to {end}"
    return start or end


def note_values(order: Order) -> dict[str, str]:
    """The note template's variables; absent values are empty strings, never None."""
    customer = order.customer
    buyer = order.buyer
    buyer_name = " ".join(p for p in (buyer.first_name, buyer.last_name) if p) if buyer else ""
    return {
        "order_number": order.number,
        "po_number": order.po_number or "",
        "customer_code": customer.customer_code if customer is not None else "",
        "company": (customer.company if customer is not None else None)
        or order.new_customer_company
        or "",
        "buyer_name": buyer_name,
        "payment_terms": order.payment_terms or "",
        "shipping_method": order.shipping_method or "",
        "ship_window": ship_window(order),
        "ship_start": _day(order.ship_start),
        "ship_end": _day(order.ship_complete),
        "linesheet": order.linesheet or "",
        "notes": order.notes or "",
    }


def note(order: Order, settings: TenantSettings) -> str | Problem:
    try:
        return render_note(settings.orders.note_template, note_values(order))
    except ValueError as exc:
        return Problem(
            "INVALID_SETTING",
            render("INVALID_SETTING", key="orders.note_template", value="used", detail=str(exc)),
        )


def address_input(address: Mapping[str, Any] | None) -> dict[str, str] | None:
    """A hub address as a MailingAddressInput; address line 2 is kept as its own field."""
    if not address:
        return None
    mapped = {
        shopify: str(address[hub]).strip()
        for hub, shopify in ADDRESS_KEYS.items()
        if address.get(hub) is not None and str(address[hub]).strip()
    }
    code = mapped.get("countryCode")
    if code is not None:
        mapped["countryCode"] = code.upper()
    return mapped or None


def billing_country(order: Order) -> str | None:
    """The country whose default tax rate applies: billing, else shipping."""
    for address in (order.billing_address, order.shipping_address):
        code = (address or {}).get("country_code")
        if code:
            return str(code).strip().upper()
    return None


def tax_line(
    order: Order, settings: TenantSettings, line: OrderLine
) -> list[dict[str, Any]] | None:
    country = billing_country(order)
    rate = settings.orders.tax_rates.get(country) if country else None
    if rate is None:
        return None
    amount = line.unit_price * line.quantity * rate
    return [
        {
            "title": f"{country} tax",
            "rate": str(rate),
            "priceSet": _bag(amount, order.currency),
        }
    ]


def _bag(amount: Decimal, currency: str) -> dict[str, Any]:
    return {"shopMoney": {"amount": money(amount), "currencyCode": currency}}


def tags(order: Order, settings: TenantSettings) -> list[str]:
    """The tenant's order tags and the export key (what draft-order dedupe searches)."""
    found = [*settings.orders.tags]
    if order.export_key and order.export_key not in found:
        found.append(order.export_key)
    return found


def _email(order: Order) -> str | None:
    customer = order.customer
    return order.email or (customer.email if customer is not None else None)


def drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def order_input(
    order: Order, resolved: Resolved, settings: TenantSettings, note_text: str
) -> dict[str, Any]:
    """The ``OrderCreateOrderInput`` of a hub order."""
    options = settings.orders
    lines = [
        drop_empty(
            {
                "variantId": resolved.variants[line_key(line)].gid,
                "quantity": line.quantity,
                "priceSet": _bag(line.unit_price, order.currency),
                "taxLines": tax_line(order, settings, line),
            }
        )
        for line in order.lines
    ]
    fulfilled = options.fulfillment == "fulfilled"
    return drop_empty(
        {
            "sourceIdentifier": order.export_key,
            "sourceName": "wholesync",
            "tags": tags(order, settings),
            "poNumber": order.po_number,
            "note": note_text,
            "email": _email(order),
            "currency": order.currency,
            "customer": {"toAssociate": {"id": resolved.customer_gid}},
            "lineItems": lines,
            "shippingAddress": address_input(order.shipping_address),
            "billingAddress": address_input(order.billing_address or order.shipping_address),
            "financialStatus": "PAID" if options.financial_status == "paid" else "PENDING",
            # Fulfils every line at that location (fulfillmentStatus is then implied).
            "fulfillment": {"locationId": resolved.location.gid, "notifyCustomer": False}
            if fulfilled and resolved.location is not None
            else None,
        }
    )


def order_options(settings: TenantSettings) -> dict[str, Any]:
    """Stock is claimed in Shopify; with the stock check bypassed, even past its policy."""
    behaviour = (
        "DECREMENT_IGNORING_POLICY"
        if settings.orders.bypass_stock_check
        else "DECREMENT_OBEYING_POLICY"
    )
    return {"inventoryBehaviour": behaviour, "sendReceipt": False}


def draft_input(
    order: Order, resolved: Resolved, settings: TenantSettings, note_text: str
) -> dict[str, Any]:
    """The ``DraftOrderInput`` of a hub order; Shopify works out its taxes when completed."""
    lines = [
        {
            "variantId": resolved.variants[line_key(line)].gid,
            "quantity": line.quantity,
            "priceOverride": {"amount": money(line.unit_price), "currencyCode": order.currency},
        }
        for line in order.lines
    ]
    return drop_empty(
        {
            "tags": tags(order, settings),
            "sourceName": "wholesync",
            "poNumber": order.po_number,
            "note": note_text,
            "email": _email(order),
            "presentmentCurrencyCode": order.currency,
            "purchasingEntity": {"customerId": resolved.customer_gid},
            "lineItems": lines,
            "shippingAddress": address_input(order.shipping_address),
            "billingAddress": address_input(order.billing_address or order.shipping_address),
        }
    )


def missing_variants(
    order: Order, found: Mapping[str, VariantFacts], key: str, tenant: str
) -> Problem | None:
    """VARIANT_NOT_FOUND naming the first line whose key Shopify does not have."""
    for line in order.lines:
        wanted = line_key(line)
        if wanted not in found:
            shown = wanted or f"(none on line {line.position}, '{line.title}')"
            return Problem(
                "VARIANT_NOT_FOUND",
                render("VARIANT_NOT_FOUND", key_name=KEY_NAMES[key], key=shown, tenant=tenant),
            )
    return None


def stock_shortfall(
    order: Order,
    found: Mapping[str, VariantFacts],
    location: Location | None,
    claimed: Mapping[tuple[str, str | None], int],
    tenant: str,
) -> Problem | None:
    """INSUFFICIENT_INVENTORY for the first key ordered beyond what is available: at the
    fulfillment location when set, else summed over locations. ``claimed`` is what earlier
    orders of this run already took, by (variant GID, location GID or None)."""
    wanted: dict[str, int] = {}
    for line in order.lines:
        wanted[line_key(line)] = wanted.get(line_key(line), 0) + line.quantity
    for key, requested in wanted.items():
        variant = found[key]
        if not variant.tracked:
            continue
        where = location.gid if location is not None else None
        if where is not None:
            available = variant.available.get(where, 0)
            place = f"location '{location.name if location else where}'"
        else:
            available = sum(variant.available.values())
            place = "all locations"
        available -= claimed.get((variant.gid, where), 0)
        if requested > available:
            return Problem(
                "INSUFFICIENT_INVENTORY",
                render(
                    "INSUFFICIENT_INVENTORY",
                    key=key,
                    available=max(available, 0),
                    requested=requested,
                    location=place,
                    tenant=tenant,
                ),
            )
    return None


def user_error_detail(user_errors: Iterable[Any]) -> str:
    """Shopify's userErrors in words: "order.lineItems: Line items must ... (INVALID)"."""
    described = []
    for error in user_errors:
        if not isinstance(error, Mapping):  # not Shopify's shape: shown as it came
            described.append(str(error))
            continue
        path = ".".join(error_path(error))
        code = error.get("code")
        text = str(error.get("message") or "").strip()
        if not text:
            text = str(code or "unknown error").replace("_", " ").capitalize()
        elif code:
            text = f"{text} ({code})"
        described.append(f"{path}: {text}" if path else text)
    return "; ".join(described) or "no reason given"


def error_path(error: Mapping[str, Any]) -> list[str]:
    """A userError's ``field`` path as strings (a lone string is a one-step path)."""
    field = error.get("field")
    if isinstance(field, str):
        return [field]
    return [str(part) for part in field] if isinstance(field, list) else []


def user_error_problem(user_errors: Iterable[Any]) -> Problem:
    detail = user_error_detail(user_errors)
    return Problem("SHOPIFY_USER_ERROR", render("SHOPIFY_USER_ERROR", detail=detail))


def as_diff(variables: Mapping[str, Any]) -> dict[str, list[Any]]:
    """A preview's diff: every field of the input, new."""
    return {name: [None, value] for name, value in variables.items()}
