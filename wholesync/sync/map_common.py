"""Helpers shared by the pure mappers: reading Shopify nodes whatever shape they arrive in.

Nodes come from paginated queries (nested connections as ``{"nodes": [...]}`` or
``{"edges": [{"node": ...}]}``) or from bulk operations (the same connections rebuilt as plain
lists). Everything here accepts both, never raises on odd input except :class:`MapError`, and
does no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError
from jmespath.parser import ParsedResult

_CONNECTION_KEYS = frozenset({"nodes", "edges", "pageInfo"})


class MapError(Exception):
    """A bad record: ``code`` is from the error catalogue, ``params`` fill its message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def nodes(value: Any) -> list[dict[str, Any]]:
    """The node dicts of a connection (``nodes`` or ``edges``) or of a plain list."""
    if type(value) is list:  # bulk results: checked first, the Mapping check costs more
        return [item for item in value if isinstance(item, dict)]
    if isinstance(value, Mapping):
        if isinstance(value.get("nodes"), list):
            value = value["nodes"]
        elif isinstance(value.get("edges"), list):
            value = [e.get("node") for e in value["edges"] if isinstance(e, Mapping)]
        else:
            return []
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def has_next_page(value: Any) -> bool:
    """Whether a connection says it was cut off (a plain list never is)."""
    if not isinstance(value, Mapping):
        return False
    info = value.get("pageInfo")
    return isinstance(info, Mapping) and info.get("hasNextPage") is True


def complete_nodes(value: Any, subject: str, items: str, fix: str) -> list[dict[str, Any]]:
    """The nodes of a connection that must be read whole; a page that was cut off is an
    INVALID_PAYLOAD saying so, and ``fix``."""
    if has_next_page(value):
        detail = f"{subject} has more {items} than one page holds, so it was not read whole. {fix}"
        raise MapError("INVALID_PAYLOAD", detail=detail)
    return nodes(value)


def text(value: Any) -> str | None:
    """A stripped string, or ``None`` for anything empty or not a string/number."""
    if type(value) is str:  # the common case, checked first: this runs for every field
        return value.strip() or None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        value = str(value)
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    return stripped or None


def tag_list(value: Any) -> tuple[str, ...]:
    """Tags from a GraphQL list or a REST comma-separated string, stripped, duplicates dropped."""
    raw = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else []
    seen: dict[str, None] = {}
    for item in raw:
        tag = text(item)
        if tag is not None:
            seen.setdefault(tag, None)
    return tuple(seen)


@lru_cache(maxsize=4096)
def tag_key(tag: str) -> str:
    """How tags compare: Shopify treats them case-insensitively; spacing is normalised.

    Cached: a catalog repeats a few tags on every product, and each is compared several times."""
    return " ".join(tag.split()).casefold()


def has_tag(tags: Iterable[str], wanted: str) -> bool:
    key = tag_key(wanted)
    return any(tag_key(tag) == key for tag in tags)


def numeric_id(gid: str | None) -> str | None:
    """``123`` from ``gid://shopify/Product/123`` (or from ``...?inventory_item_id=9``)."""
    if not gid:
        return None
    tail = gid.rsplit("/", 1)[-1].split("?", 1)[0]
    return tail if tail.isdigit() else None


def node_gid(node: Mapping[str, Any], kind: str) -> str | None:
    """The node's GID: ``id`` (GraphQL), ``admin_graphql_api_id`` or a numeric ``id`` (REST)."""
    gid = node.get("id")
    if type(gid) is str and gid.startswith("gid://"):  # GraphQL: every node of a bulk file
        return gid
    for key in ("id", "admin_graphql_api_id"):
        value = node.get(key)
        if isinstance(value, str) and value.startswith("gid://"):
            return value
    raw = node.get("id")
    if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0:
        return f"gid://shopify/{kind}/{raw}"
    if isinstance(raw, str) and raw.isdigit():
        return f"gid://shopify/{kind}/{raw}"
    return None


def legacy_id(node: Mapping[str, Any]) -> str | None:
    """The numeric id Shopify shows in the admin: ``legacyResourceId`` or taken from the GID."""
    value = text(node.get("legacyResourceId"))
    if value is not None and value.isdigit():
        return value
    gid = node.get("id")
    return numeric_id(gid) if isinstance(gid, str) else None


def parse_datetime(value: Any) -> datetime | None:
    """An aware UTC datetime from Shopify's ISO 8601 text (``...Z`` or with an offset)."""
    raw = text(value)
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_decimal(value: Any) -> Decimal | None:
    """A finite decimal from a string or number (``None`` if it is not one)."""
    # A string is the common case (prices): it skips the checks for other types.
    raw = (value.strip() or None) if type(value) is str else _decimal_text(value)
    if raw is None:
        return None
    try:
        number = Decimal(raw)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _decimal_text(value: Any) -> str | None:
    """The text of a non-string number for :class:`Decimal` (floats by their shortest repr)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = repr(value)
    return text(value)


def metafield_entries(node: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [m for m in nodes(node.get("metafields")) if text(m.get("key")) is not None]


def metafield_values(node: Mapping[str, Any]) -> dict[str, str]:
    """``namespace.key`` -> raw string value, for the node's own metafields."""
    found: dict[str, str] = {}
    if not node.get("metafields"):  # most variants have none (an empty bulk list): skip
        return found
    for entry in metafield_entries(node):
        namespace, key = text(entry.get("namespace")), text(entry.get("key"))
        value = entry.get("value")
        if namespace and key and isinstance(value, str):
            found.setdefault(f"{namespace}.{key}", value)
    return found


@lru_cache(maxsize=1024)
def metafield_money(raw: str) -> Decimal | None:
    """A price metafield: a decimal (``number_decimal``) or a ``money`` JSON object.

    Cached: every variant of a product reads its product's metafield, and a catalog repeats
    few prices; a JSON ``money`` value costs a failed decimal parse and a JSON decode."""
    number = parse_decimal(raw)
    if number is not None:
        return number
    try:
        decoded = json.loads(raw)
    except ValueError:
        return None
    return parse_decimal(decoded.get("amount")) if isinstance(decoded, dict) else None


def parse_bool(raw: str) -> bool | None:
    lowered = raw.strip().casefold()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    return None


def _typed_value(entry: Mapping[str, Any]) -> Any:
    return entry["jsonValue"] if "jsonValue" in entry else entry.get("value")


def plain(value: Any) -> Any:
    """A copy of a node for JMESPath: every connection becomes a plain list, bulk
    ``__parentId`` keys are dropped, and a node with metafields gains
    ``meta`` = ``{namespace: {key: value}}`` (``jsonValue`` when selected, else ``value``)."""
    if isinstance(value, list):
        return [plain(item) for item in value]
    if not isinstance(value, Mapping):
        return value
    if value and set(value) <= _CONNECTION_KEYS and ("nodes" in value or "edges" in value):
        return [plain(item) for item in nodes(value)]
    copy = {k: plain(v) for k, v in value.items() if k != "__parentId"}
    if "metafields" in value:
        meta: dict[str, dict[str, Any]] = {}
        for entry in metafield_entries(value):
            namespace, key = text(entry.get("namespace")), text(entry.get("key"))
            if namespace and key:
                meta.setdefault(namespace, {}).setdefault(key, plain(_typed_value(entry)))
        copy["meta"] = meta
    return copy


@lru_cache(maxsize=512)
def _compiled(expression: str) -> ParsedResult:
    return jmespath.compile(expression)


def custom_fields(mapping: Mapping[str, str], view: Any, subject: str) -> dict[str, Any]:
    """Evaluate each ``hub field -> JMESPath`` over ``view`` (see :func:`plain`)."""
    found: dict[str, Any] = {}
    for name, expression in sorted(mapping.items()):
        try:
            found[name] = _compiled(expression).search(view)
        except (JMESPathError, TypeError, ValueError, RecursionError) as exc:
            raise MapError(
                "INVALID_PAYLOAD",
                detail=(
                    f"Custom field '{name}' ({expression}) failed on {subject}: {exc}. "
                    "Correct the mapping (wholesync tenants set NAME custom_fields...) or the data."
                ),
            ) from None
    return found


def is_tombstone(node: Mapping[str, Any], payload_keys: frozenset[str]) -> bool:
    """Whether ``node`` says only "this record is gone": a ``*/delete`` webhook payload, or
    ``{"id": gid}`` for a record that a by-id query no longer finds."""
    return bool(node) and set(node) <= payload_keys and node_gid(node, "Node") is not None


def image_of(value: Any) -> tuple[str, str | None] | None:
    """``(url, alt)`` of a MediaImage node or an Image object (``url``, or the older
    ``originalSrc``/``src`` of bulk results); ``None`` for videos and unprocessed media."""
    if not isinstance(value, Mapping):
        return None
    image = value.get("image")
    source: Mapping[str, Any] = image if isinstance(image, Mapping) else value
    url = text(source.get("url")) or text(source.get("originalSrc")) or text(source.get("src"))
    if url is None:
        return None
    alt = text(value.get("alt")) or text(source.get("altText"))
    return url, alt
