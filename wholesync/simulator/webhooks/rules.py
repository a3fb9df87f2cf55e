"""Shopify's rules around webhook subscriptions: which callback addresses it accepts, and how a
subscription's ``includeFields`` and ``filter`` shape and select the bodies it receives."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from wholesync.simulator.api.search import FieldGetter, matches, parse

BLANK = "Address can't be blank"
INVALID = "Address is invalid"
INTERNAL = "Address cannot be a Shopify or an internal domain"
SHOPIFY_DOMAINS = ("myshopify.com", "shopify.com", "shopifycloud.com", "shopifycdn.com")
INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain")


def topic_enum(topic: str) -> str:
    """``products/update`` -> ``PRODUCTS_UPDATE``, the WebhookSubscriptionTopic value."""
    return topic.replace("/", "_").upper()


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    ip = _ip(host)
    return host == "localhost" if ip is None else ip.is_loopback


def _internal(host: str) -> bool:
    ip = _ip(host)
    if ip is not None:
        return not ip.is_global
    if host == "localhost" or host.endswith(INTERNAL_SUFFIXES) or "." not in host:
        return True
    return any(host == domain or host.endswith("." + domain) for domain in SHOPIFY_DOMAINS)


def address_problem(address: str, allow_http_loopback: bool) -> str | None:
    """Shopify's userError message for a callback address it would refuse, else ``None``.

    Shopify only delivers to public ``https://`` hosts. A simulator started with
    ``allow_http_loopback`` also accepts ``http://`` and ``https://`` on loopback, which is how
    tests and the demo receive deliveries without a certificate.
    """
    text = address.strip()
    if not text:
        return BLANK
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
        _ = parts.port  # raises for a malformed port
    except ValueError:
        return INVALID
    scheme = parts.scheme.lower()
    if not scheme or not text.lower().startswith(scheme + "://"):
        return INVALID
    if allow_http_loopback and scheme in ("http", "https") and host and is_loopback(host):
        return None
    if scheme != "https":
        return f"Address protocol {scheme}:// is not supported"
    if not host:
        return INVALID
    if _internal(host):
        return INTERNAL
    return None


def include_fields(payload: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """Keep only the listed fields (dotted paths reach into nested objects and lists)."""
    if not fields:
        return payload
    picked = _pick(payload, [field.split(".") for field in fields])
    assert isinstance(picked, dict)
    return picked


def _pick(value: Any, paths: list[list[str]]) -> Any:
    if isinstance(value, list):
        return [_pick(item, paths) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        rests = [path[1:] for path in paths if path[0] == key]
        if not rests:
            continue
        out[key] = item if any(not rest for rest in rests) else _pick(item, rests)
    return out


class _PayloadFields(Mapping[str, FieldGetter]):
    """Search fields named by dotted paths into a webhook body, as subscription filters are."""

    def __getitem__(self, name: str) -> FieldGetter:
        return lambda payload: list(_values(payload, name.split(".")))

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def _values(value: Any, path: list[str]) -> Iterator[Any]:
    if isinstance(value, list):
        for item in value:
            yield from _values(item, path)
    elif not path:
        yield value
    elif isinstance(value, dict):
        yield from _values(value.get(path[0]), path[1:])


def filter_matches(filter_text: str | None, payload: dict[str, Any]) -> bool:
    """Whether a subscription's ``filter`` (search syntax on body fields) lets a body through."""
    return matches(parse(filter_text or ""), payload, _PayloadFields())
