"""Shopify global ids (``gid://shopify/Type/123``)."""

from __future__ import annotations

from typing import Any

GID_PREFIX = "gid://shopify/"


def gid(type_name: str, number: int) -> str:
    return f"{GID_PREFIX}{type_name}/{number}"


def record_ids(type_name: str, number: int) -> dict[str, Any]:
    """The keys a stored record starts with: its type, gid and ``legacyResourceId``."""
    return {"__typename": type_name, "id": gid(type_name, number), "legacyResourceId": str(number)}


def parse_gid(value: str) -> tuple[str, int] | None:
    """Return ``(type, number)`` for a well-formed gid, else ``None``."""
    if not isinstance(value, str) or not value.startswith(GID_PREFIX):
        return None
    rest = value[len(GID_PREFIX) :].split("?", 1)[0]
    type_name, _, number = rest.partition("/")
    if not type_name or not number.isdigit():
        return None
    return type_name, int(number)


def gid_number(value: str) -> int | None:
    parsed = parse_gid(value)
    return parsed[1] if parsed else None
