"""Normalisation and validation of customer input, in Shopify's words.

Shopify trims names, strips whitespace from emails, stores phones in E.164, splits tags on
commas and answers bad values with ActiveRecord-style messages ("Email is invalid", "Tags is
too long (maximum is 255 characters)"). Everything here is pure: it takes input values and
returns cleaned values plus ``(field suffix, message)`` problems that the mutations prefix with
their own field path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from wholesync.simulator.customers import geography

Problem = tuple[list[str], str]

MAX_TEXT = 255
MAX_NOTE = 5000
MAX_TAGS = 250

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-/]+$")
_HTML = re.compile(r"<[^>]*>")
_URL = re.compile(r"(?:https?://|www\.)", re.IGNORECASE)
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f\u200d]")

# MailingAddressInput field -> the name Shopify's messages use for it.
ADDRESS_TEXT_FIELDS = {
    "firstName": "First name",
    "lastName": "Last name",
    "company": "Company",
    "address1": "Address1",
    "address2": "Address2",
    "city": "City",
    "zip": "Zip",
    "phone": "Phone",
}


def clean_text(value: Any) -> str | None:
    """Trimmed text, or ``None`` for missing or blank values."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def too_long(label: str, maximum: int = MAX_TEXT) -> str:
    return f"{label} is too long (maximum is {maximum} characters)"


# Emails ----------------------------------------------------------------------------------


def normalize_email(value: Any) -> str | None:
    """Shopify drops every whitespace character from an email address."""
    if value is None:
        return None
    return re.sub(r"\s+", "", str(value)) or None


def email_problems(email: str) -> list[Problem]:
    problems: list[Problem] = []
    if len(email) > MAX_TEXT:
        problems.append((["email"], too_long("Email")))
    if not _EMAIL.match(email):
        problems.append((["email"], "Email is invalid"))
    return problems


# Phones ----------------------------------------------------------------------------------


def normalize_phone(value: str) -> str | None:
    """E.164 form of a customer phone, or ``None`` when it is not a phone number.

    Numbers without a country code are read as North American, the simulated shops' region.
    """
    text = value.strip()
    if not _PHONE_CHARS.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        if digits.startswith("1"):
            return "+" + digits if _north_american(digits[1:]) else None
        return "+" + digits if 8 <= len(digits) <= 15 else None
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return "+1" + digits if _north_american(digits) else None


def _north_american(digits: str) -> bool:
    return len(digits) == 10 and digits[0] in "23456789" and digits[3] in "23456789"


def address_phone(value: str) -> str:
    """Address phones are normalised when they look like numbers and kept verbatim if not."""
    text = value.strip()
    if not _PHONE_CHARS.match(text):
        return text
    digits = re.sub(r"\D", "", text)
    if text.startswith("+") or (len(digits) == 11 and digits.startswith("1")):
        return "+" + digits
    return "+1" + digits


def phone_problems(raw: str, normalized: str | None) -> list[Problem]:
    problems: list[Problem] = []
    if len(raw) > MAX_TEXT:
        problems.append((["phone"], too_long("Phone")))
    if normalized is None:
        problems.append((["phone"], "Phone is invalid"))
    return problems


def display_phone(phone: str) -> str:
    """How Shopify shows a phone-only customer's name: ``+1 415-810-3301``."""
    if phone.startswith("+1") and len(phone) == 12:
        return f"+1 {phone[2:5]}-{phone[5:8]}-{phone[8:]}"
    return phone


# Tags, locale ----------------------------------------------------------------------------


def normalize_tags(values: Iterable[str]) -> list[str]:
    """Split on commas, trim, drop blanks, dedupe case-insensitively, sort like Shopify."""
    seen: dict[str, str] = {}
    for value in values:
        for part in str(value).split(","):
            tag = part.strip()
            if tag and tag.lower() not in seen:
                seen[tag.lower()] = tag
    return sorted(seen.values(), key=lambda tag: (tag.lower(), tag))


def tag_problems(tags: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    if any(len(tag) > MAX_TEXT for tag in tags):
        problems.append((["tags"], too_long("Tags")))
    if len(tags) > MAX_TAGS:
        problems.append((["tags"], f"Tags cannot be more than {MAX_TAGS}"))
    return problems


def valid_locale(value: str) -> bool:
    return bool(_LOCALE.match(value))


# Addresses -------------------------------------------------------------------------------


def address_fields(
    raw: dict[str, Any], current: dict[str, Any] | None = None
) -> tuple[dict[str, Any], list[Problem]]:
    """Clean a ``MailingAddressInput``: the address's stored fields and any problems.

    Only the keys present in ``raw`` appear in the result, so an update can merge it into
    ``current``, the address being edited.
    """
    fields: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, label in ADDRESS_TEXT_FIELDS.items():
        if key not in raw:
            continue
        value = clean_text(raw[key])
        if value is not None:
            if len(value) > MAX_TEXT:
                problems.append(([key], too_long(label)))
            elif _HTML.search(value):
                problems.append(([key], f"{label} cannot contain HTML tags"))
            elif _URL.search(value):
                problems.append(([key], f"{label} cannot contain URL"))
            elif _EMOJI.search(value):
                problems.append(([key], f"{label} cannot contain emojis"))
            if key == "phone":
                value = address_phone(value)
        fields[key] = value
    region, region_problems = _region(raw, current or {})
    return {**fields, **region}, problems + region_problems


def _region(raw: dict[str, Any], current: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Country and province; ``countryCode`` wins over a conflicting ``country`` name."""
    if not any(key in raw for key in ("countryCode", "country", "provinceCode", "province")):
        return {}, []
    country_given = "countryCode" in raw or "country" in raw
    country_input = raw.get("countryCode") or clean_text(raw.get("country"))
    if not country_given:
        country_input = current.get("countryCodeV2")
    region: dict[str, Any] = dict.fromkeys(("country", "countryCodeV2", "province", "provinceCode"))
    if country_input is None:
        return region, []
    country = geography.country_code(country_input)
    if country is None:
        return region, [(["country"], "Country is invalid")]
    region["country"] = geography.COUNTRIES[country]
    region["countryCodeV2"] = country
    if "provinceCode" in raw or "province" in raw:
        province_input = clean_text(raw.get("provinceCode")) or clean_text(raw.get("province"))
    elif country == current.get("countryCodeV2"):
        province_input = current.get("provinceCode")
    else:
        province_input = None
    if province_input is None or not geography.has_zones(country):
        return region, []
    province = geography.province_code(country, province_input)
    if province is None:
        return region, [(["province"], "Province is invalid")]
    region["provinceCode"] = province
    region["province"] = geography.province_name(country, province)
    return region, []


def address_is_blank(fields: dict[str, Any]) -> bool:
    return all(fields.get(key) is None for key in (*ADDRESS_TEXT_FIELDS, "countryCodeV2"))


def address_identity(address: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two addresses the same address, for de-duplication."""
    keys = (*ADDRESS_TEXT_FIELDS, "countryCodeV2", "provinceCode")
    return tuple((address.get(key) or "").lower() for key in keys)
