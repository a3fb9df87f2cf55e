"""Metafield value validation and normalisation per type, with Shopify's messages.

``check(type, value, exists)`` returns ``(normalised value, None, None)`` or
``(None, message, element index)``. ``exists(gid)`` answers whether a referenced resource exists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

Result = tuple[str | None, str | None, int | None]
Exists = Callable[[str], bool]

URL_SCHEMES = ("http", "https", "mailto", "sms", "tel")
LIST_LIMIT = 128
DECIMAL_LIMIT = Decimal("9999999999999")
MONEY_LIMIT = Decimal("1000000000000000000")
UNITS = {
    "dimension": {"in", "ft", "yd", "mm", "cm", "m"},
    "weight": {"oz", "lb", "g", "kg"},
    "volume": {"ml", "cl", "l", "m3", "us_fl_oz", "us_pt", "us_qt", "us_gal", "imp_fl_oz"}
    | {"imp_pt", "imp_qt", "imp_gal"},
}
REFERENCES = {
    "product_reference": "Product",
    "variant_reference": "ProductVariant",
    "collection_reference": "Collection",
    "customer_reference": "Customer",
    "file_reference": "MediaImage",
}
TEXT_TYPES = ("single_line_text_field", "multi_line_text_field")
SCALAR_TYPES = (
    *TEXT_TYPES,
    "number_integer",
    "number_decimal",
    "boolean",
    "json",
    "date",
    "date_time",
    "money",
    "url",
    "color",
    "rating",
    "link",
    *UNITS,
    *REFERENCES,
)
_INTEGER = re.compile(r"^-?\d+(\.0+)?$")
_DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)$")
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})?$")
MONEY_SHAPE = (
    "Value must be a stringified JSON object with amount (numeric) and currency_code (string "
    "matching the shop's currency) fields."
)
DATE_TIME_MESSAGE = (
    "Value must be in “YYYY-MM-DDTHH:MM:SS” format. For example: 2022-06-01T15:30:00"
)


def known_type(type_: str) -> bool:
    return type_ in SCALAR_TYPES or (
        type_.startswith("list.") and type_[5:] in SCALAR_TYPES and type_[5:] != "json"
    )


def _json_error(value: str, exc: json.JSONDecodeError) -> str:
    if exc.msg.startswith("Expecting property name"):
        token = re.match(r"[^\s,:{}\[\]\"]*", value[exc.pos :])
        found = token.group(0) if token and token.group(0) else value[exc.pos : exc.pos + 1]
        return (
            f"Value is invalid JSON: expected object key, got '{found}' "
            f"at line {exc.lineno} column {exc.colno}."
        )
    return f"Value is invalid JSON: unexpected token at line {exc.lineno} column {exc.colno}."


def _url_problem(value: str) -> str | None:
    scheme, sep, _ = value.partition(":")
    if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        listed = ", ".join(f'"{s}"' for s in URL_SCHEMES)
        return (
            "Value cannot have an empty scheme (protocol), must include one of the following "
            f"URL schemes: [{listed}].'"
        )
    if scheme.lower() not in URL_SCHEMES:
        return f"Value must be one of the following URL schemes: {', '.join(URL_SCHEMES)}."
    return None


def _number(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _scalar(type_: str, value: str, exists: Exists, currencies: set[str]) -> Result:
    """One value of a non-list type."""
    if type_ in TEXT_TYPES:
        if not value.strip():
            return None, "Value can't be blank.", None
        if type_ == "single_line_text_field" and ("\n" in value or "\r" in value):
            return None, "Value must be a single line text string.", None
        return value, None, None
    if type_ == "number_integer":
        if not _INTEGER.match(value.strip()):
            return None, "Value must be an integer.", None
        return str(int(Decimal(value.strip()))), None, None
    if type_ == "number_decimal":
        number = _number(value.strip()) if _DECIMAL.match(value.strip()) else None
        if number is None:
            return None, "Value must be a decimal.", None
        if abs(number) > DECIMAL_LIMIT:
            return None, f"Value can't exceed {DECIMAL_LIMIT}.", None
        text = value.strip().lstrip("+")
        whole, dot, fraction = text.partition(".")
        return (f"{whole}.{fraction[:9]}" if dot else whole), None, None
    if type_ == "boolean":
        lowered = value.strip().lower()
        if lowered in ("true", "t", "1"):
            return "true", None, None
        if lowered in ("false", "f", "0"):
            return "false", None, None
        return None, "Value must be true or false.", None
    if type_ == "date":
        try:
            parsed_date = date.fromisoformat(value) if _DATE.match(value) else None
        except ValueError:
            parsed_date = None
        if parsed_date is None:
            return None, "Value must be in YYYY-MM-DD format.", None
        return value, None, None
    if type_ == "date_time":
        try:
            ok = bool(_DATE_TIME.match(value)) and bool(datetime.fromisoformat(value))
        except ValueError:
            ok = False
        return (value, None, None) if ok else (None, DATE_TIME_MESSAGE, None)
    if type_ == "color":
        if not _COLOR.match(value):
            return None, "Value must be a hex color code.", None
        return value.upper(), None, None
    if type_ == "url":
        problem = _url_problem(value)
        return (None, problem, None) if problem else (value, None, None)
    if type_ in REFERENCES:
        if not exists(value):
            return None, f"Value references non-existent resource {value}.", None
        return value, None, None
    return _structured(type_, value, currencies)


def _structured(type_: str, value: str, currencies: set[str]) -> Result:
    """Types whose value is a JSON document."""
    if not value.strip():
        return None, "Value can't be blank.", None
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        if type_ == "money":
            parsed = None
        else:
            return None, _json_error(value, exc), None
    if type_ == "json":
        return value, None, None
    if type_ == "money":
        if not isinstance(parsed, dict) or "amount" not in parsed or "currency_code" not in parsed:
            return (
                None,
                MONEY_SHAPE,
                None,
            )
        currency = str(parsed["currency_code"] or "")
        amount = _number(parsed["amount"])
        if not currency:
            return None, "Value must have a currency code.", None
        if amount is None:
            return None, "Value must have a numeric amount.", None
        if abs(amount) > MONEY_LIMIT:
            return None, f"Value must be within +/-{MONEY_LIMIT}.", None
        if currency not in currencies:
            return None, f"Value contains an invalid currency, {currency}.", None
        return value, None, None
    if type_ in UNITS:
        number = _number(parsed.get("value")) if isinstance(parsed, dict) else None
        if number is None or number < 0 or isinstance(parsed.get("value"), bool):
            return None, "Value must be a non-negative number.", None
        if parsed.get("unit") not in UNITS[type_]:
            return None, "Value must be a supported unit.", None
        return value, None, None
    if type_ == "rating":
        fields = parsed if isinstance(parsed, dict) else {}
        rating, low, high = (_number(fields.get(k)) for k in ("value", "scale_min", "scale_max"))
        if rating is None or low is None or high is None:
            return None, "Value is not the correct format.", None
        if rating > high:
            return None, f"Value has a maximum of {fields['scale_max']}.", None
        if rating < low:
            return None, f"Value has a minimum of {fields['scale_min']}.", None
        return value, None, None
    if type_ == "link":
        fields = parsed if isinstance(parsed, dict) else {}
        url = fields.get("url")
        if (
            not isinstance(url, str)
            or not isinstance(fields.get("label"), str)
            or _url_problem(url)
        ):
            return None, "Value must be a valid link.", None
        return value, None, None
    return None, "Value is not the correct format.", None


def check(type_: str, value: str, exists: Exists, currencies: set[str]) -> Result:
    """Validate and normalise ``value`` for ``type_`` (lists element by element)."""
    if not type_.startswith("list."):
        return _scalar(type_, value, exists, currencies)
    inner = type_[5:]
    try:
        items = json.loads(value)
    except json.JSONDecodeError as exc:
        return None, _json_error(value, exc), None
    if not isinstance(items, list):
        return None, "Value must be an array.", None
    if len(items) > LIST_LIMIT:
        return None, f"Value has more than {LIST_LIMIT} elements.", None
    normalised: list[Any] = []
    for index, item in enumerate(items):
        text = item if isinstance(item, str) else json.dumps(item)
        if inner in ("number_integer", "number_decimal") and not isinstance(item, int | float):
            text = "x" if isinstance(item, str) and not _DECIMAL.match(item) else str(item)
        result, problem, _ = _scalar(inner, text, exists, currencies)
        if problem is not None:
            return None, problem, index
        assert result is not None
        normalised.append(int(result) if inner == "number_integer" else result)
    return json.dumps(normalised, separators=(",", ":")), None, None


def json_value(type_: str, value: str) -> Any:
    """``Metafield.jsonValue``: the value as JSON; Shopify answers a false boolean as the
    string "false"."""
    if type_ == "boolean":
        return True if value == "true" else value
    if type_ == "number_integer":
        return int(value)
    if (
        type_ == "json"
        or type_.startswith("list.")
        or type_
        in (
            "money",
            "rating",
            "link",
            *UNITS,
        )
    ):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value
