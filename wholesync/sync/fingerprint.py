"""Stable digests of mapped records, so that a load can tell unchanged data without a write.

The digest covers everything the mapper produced except ``updated_at``: Shopify bumps that
for changes we do not map (stock, for example), and those must not cost a write. Decimals are
normalised (10, 10.0 and 10.00 digest alike) and mappings are serialised with sorted keys.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson

from wholesync.shopify.bulk_jsonl import BulkObject

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
_FIELDS: dict[type, tuple[str, ...]] = {}


def _other(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _digest_default(value: Any) -> Any:
    # Called for every Decimal of every record: keep it short. "1E+2" is fine in a digest.
    if isinstance(value, Decimal):
        return str(value.normalize())
    return _other(value)


def _plain_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return _other(value)


def canonical_json(value: Any) -> bytes:
    """Canonical JSON of a record or any JSON-like value: sorted keys, normalised decimals."""
    return orjson.dumps(value, default=_plain_default, option=_OPTIONS)


def to_plain(value: Any) -> Any:
    """The value as plain JSON types (dicts, lists, str, numbers), e.g. for diffs."""
    return orjson.loads(canonical_json(value))


def _digested_fields(record: Any) -> tuple[str, ...]:
    kind = type(record)
    names = _FIELDS.get(kind)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(record) if f.name != "updated_at")
        _FIELDS[kind] = names
    return names


def fingerprint(record: Any) -> str:
    """Hex digest of a mapped record (a dataclass), ignoring its ``updated_at``."""
    data = {name: getattr(record, name) for name in _digested_fields(record)}
    payload = orjson.dumps(data, default=_digest_default, option=_OPTIONS)
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


def source_digest(node: Any, salt: bytes) -> str:
    """Digest of a Shopify node as fetched, salted with the tenant's settings.

    Mapping is pure, so the same node under the same settings maps to the same record: a
    reconcile can skip mapping a node whose digest matches the stored one. Shopify writes a
    node's keys in a fixed order, so no sorting is needed (a different order only costs a
    mapping, never a wrong answer). A node rebuilt from a bulk file already carries the digest
    of its raw lines, which saves serialising it again.
    """
    payload = node.source_digest.encode() if isinstance(node, BulkObject) else orjson.dumps(node)
    return hashlib.blake2b(payload, digest_size=16, key=salt[:64]).hexdigest()


def joined(node: Mapping[str, Any], key: str, value: Any) -> dict[str, Any]:
    """A shallow copy of ``node`` with ``value`` set at ``key``; a bulk object's digest is
    extended by the joined value, so it still tells when anything changed."""
    if not isinstance(node, BulkObject):
        return {**node, key: value}
    extra = orjson.dumps(value, option=_OPTIONS)
    digest = hashlib.blake2b(node.source_digest.encode() + extra, digest_size=16).hexdigest()
    copy = BulkObject(node, digest)
    copy[key] = value
    return copy


def settings_salt(settings: Mapping[str, Any]) -> bytes:
    """A key for :func:`source_digest` from the dumped settings: any change changes it."""
    return hashlib.blake2b(canonical_json(settings), digest_size=32).digest()


def stored(mapped: str, source: str | None) -> str:
    """What an external reference keeps: the record's fingerprint, then the node's digest."""
    return mapped + (source or "")


def mapped_part(value: str | None) -> str | None:
    return value[:32] if value else None


def source_part(value: str | None) -> str | None:
    return value[32:] or None if value else None
