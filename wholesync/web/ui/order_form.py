"""The order entry form read into the values the hub takes (:func:`apply_entry`), checked by
the REST API's own order model, and every refusal as a code and a message saying what to do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from wholesync.hub import order_entry, orders
from wholesync.hub.customers import ADDRESS_FIELDS
from wholesync.hub.errors import HubError
from wholesync.web.api.errors import STATUS_OF
from wholesync.web.api.order_models import OrderPatch

INVALID_INPUT = "INVALID_INPUT"
INVALID_DATE = "INVALID_DATE"
INVALID_QUANTITY = "INVALID_QUANTITY"
MAX_QUANTITY = 1_000_000
PLAIN = ("po_number", "payment_terms", "shipping_method", "notes")
LABELS = {
    "po_number": "PO number",
    "ship_start": "Ship start",
    "ship_complete": "Ship complete",
    "payment_terms": "Payment terms",
    "shipping_method": "Shipping method",
    "customer_id": "Customer",
    "customer_code": "Customer code",
    "buyer_id": "Buyer",
    "new_customer": "New customer",
    "shipping_address": "Shipping address",
    "to": "Status",
    "reason": "Cancel reason",
}
# The hub's fixes name REST routes; on a page, say what to do there instead.
PAGE_FIXES = {
    orders.CONFIRMATION_REQUIRED: "Cancel that order in Shopify, tick the box saying you did, "
    "then re-export.",
    order_entry.CUSTOMER_NOT_FOUND: "Pick the customer from the list, or check the code; a "
    "customer new in Shopify comes in with the next customer sync (until then, type it as a "
    "new customer).",
    order_entry.VARIANT_NOT_FOUND: "Check the SKU or UPC, or find the item by its style with "
    "the search; a product new in Shopify arrives with the next product sync.",
    order_entry.BUYER_NOT_FOUND: "Pick a buyer from the list.",
    order_entry.BUYER_MISMATCH: "Pick a buyer of the order's customer, or no buyer.",
}


@dataclass(frozen=True)
class Refusal:
    """Why a form or an action was refused: shown with its code, never a 500."""

    status: int
    code: str
    message: str


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.refusal = Refusal(status, code, message)


def refusal_of(exc: HubError) -> Refusal:
    """A hub refusal as shown on a page."""
    return Refusal(
        STATUS_OF.get(exc.code, 422), exc.code, f"{exc.message} {PAGE_FIXES.get(exc.code, exc.fix)}"
    )


def text(form: FormData, name: str) -> str:
    """A form field's text without surrounding blanks ("" when absent)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def header_values(form: FormData) -> dict[str, Any]:
    """The order's fields from the form: customer (picked, by code, or new), buyer, PO
    number, ship window, terms, notes and shipping address."""
    values: dict[str, Any] = {name: text(form, name) or None for name in PLAIN}
    values["ship_start"] = _date(form, "ship_start")
    values["ship_complete"] = _date(form, "ship_complete")
    address = {name: found for name in ADDRESS_FIELDS if (found := text(form, f"ship_{name}"))}
    values["shipping_address"] = address or None
    if customer_id := text(form, "customer_id"):
        values["customer_id"] = customer_id
    elif customer_code := text(form, "customer_code"):
        values["customer_code"] = customer_code
    else:
        named = {
            key: found
            for key in ("company", "name", "email")
            if (found := text(form, f"new_{key}"))
        }
        values["new_customer"] = named or None
    values["buyer_id"] = text(form, "buyer_id") or None
    if currency := text(form, "currency"):
        values["currency"] = currency.upper()
    return values


def line_values(form: FormData) -> list[dict[str, Any]]:
    """The order's lines as edited (quantities and prices), less those ticked to remove."""
    refs, quantities, prices = (
        [v if isinstance(v, str) else "" for v in form.getlist(name)]
        for name in ("line_ref", "line_quantity", "line_unit_price")
    )
    if not len(refs) == len(quantities) == len(prices):
        raise Refused(422, INVALID_INPUT, "The form's lines do not match up. Reload the page.")
    removed = set(form.getlist("remove"))
    return [
        {
            **line_ref(ref),
            "quantity": quantity(raw, f"Line {index}"),
            "unit_price": price.strip() or None,
        }
        for index, (ref, raw, price) in enumerate(zip(refs, quantities, prices, strict=True), 1)
        if str(index) not in removed
    ]


def line_ref(ref: str) -> dict[str, Any]:
    """A line's variant as the form names it: ``v<id>`` or ``u<upc>``."""
    if ref.startswith("v"):
        return {"variant_id": ref[1:]}
    return {"upc": ref[1:] or None}


def stored_lines(order: Any) -> list[dict[str, Any]]:
    """The order's lines as the hub takes them back (to add one or change one)."""
    return [
        {
            **({"variant_id": line.variant_id} if line.variant_id else {"upc": line.upc}),
            "quantity": line.quantity,
            "unit_price": line.unit_price,
        }
        for line in order.lines
    ]


def quantity(raw: str, where: str) -> int:
    """A whole number of units, 1 to MAX_QUANTITY, or INVALID_QUANTITY naming the line."""
    raw = raw.strip()
    if raw.isdigit() and 1 <= int(raw) <= MAX_QUANTITY:
        return int(raw)
    raise Refused(
        422,
        INVALID_QUANTITY,
        f"{where}: quantity {raw[:20]!r} is not a whole number from 1 to {MAX_QUANTITY:,}. "
        "Enter how many units to order (tick Remove to drop a line).",
    )


def checked(values: dict[str, Any], model: type[BaseModel] = OrderPatch) -> dict[str, Any]:
    """``values`` as the REST API would accept them (lengths, e-mail, prices...), typed."""
    try:
        body = model.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_label(error['loc'])}: {error['msg']}" for error in exc.errors()[:5]
        )
        raise Refused(422, INVALID_INPUT, f"{problems}. Correct it and try again.") from None
    return body.model_dump(include=body.model_fields_set)


def _date(form: FormData, name: str) -> date | None:
    raw = text(form, name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Refused(
            422,
            INVALID_DATE,
            f"{LABELS[name]} {raw[:30]!r} is not a date. Pick it in the calendar or type it as "
            "YYYY-MM-DD.",
        ) from None


def _label(loc: Sequence[int | str]) -> str:
    parts = [str(part) for part in loc]
    if not parts:
        return "Order"
    if parts[0] == "lines" and len(parts) > 1 and parts[1].isdigit():
        head, rest = f"Line {int(parts[1]) + 1}", parts[2:]
    else:
        head, rest = LABELS.get(parts[0], parts[0].replace("_", " ").capitalize()), parts[1:]
    return " ".join([head, *(part.replace("_", " ") for part in rest)])
