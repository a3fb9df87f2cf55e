"""API keys: issue, list, revoke and check them. Each key belongs to one tenant.

A key reads ``wsk_<prefix>_<secret>``. The prefix is public (it is shown in lists and finds
the row); only the SHA-256 of the whole key is stored, so the key is shown once, at creation.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import HubError
from .models import ApiKey
from .models.types import utcnow

API_KEY_MISSING = "API_KEY_MISSING"
API_KEY_INVALID = "API_KEY_INVALID"
API_KEY_REVOKED = "API_KEY_REVOKED"
API_KEY_NOT_FOUND = "API_KEY_NOT_FOUND"
INVALID_API_KEY_NAME = "INVALID_API_KEY_NAME"

_KEY = re.compile(r"wsk_([0-9a-f]{12})_([0-9a-f]{64})")
# Compared against when the prefix is unknown, so a miss costs what a hit costs.
_DUMMY_HASH = hashlib.sha256(b"wholesync-no-such-key").hexdigest()
# last_used_at is a hint for people, not an audit log: one write a minute per key is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Caller:
    """Who a valid key speaks for."""

    tenant_id: int
    key_id: int
    prefix: str


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, tenant_id: int, name: str) -> tuple[ApiKey, str]:
    """A new key for the tenant (flushed); returns the row and the key, shown only now."""
    label = name.strip()
    if not label or len(label) > 100:
        raise HubError(
            INVALID_API_KEY_NAME,
            f"API key name {name!r} is empty or longer than 100 characters.",
            "Give a short label that says who uses the key, e.g. --name erp.",
        )
    prefix = secrets.token_hex(6)
    while session.scalar(select(ApiKey.id).where(ApiKey.prefix == prefix)) is not None:
        prefix = secrets.token_hex(6)
    key = f"wsk_{prefix}_{secrets.token_hex(32)}"
    row = ApiKey(tenant_id=tenant_id, name=label, prefix=prefix, secret_hash=key_hash(key))
    session.add(row)
    session.flush()
    return row, key


def list_keys(session: Session, tenant_id: int) -> Sequence[ApiKey]:
    return session.scalars(ApiKey.for_tenant(tenant_id).order_by(ApiKey.id)).all()


def revoke_key(session: Session, prefix: str, *, now: datetime | None = None) -> ApiKey:
    """Revoke the key with this prefix (revoking twice keeps the first time)."""
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix.strip()))
    if row is None:
        raise HubError(
            API_KEY_NOT_FOUND,
            f"No API key has the prefix {prefix!r}.",
            "Copy the prefix from `wholesync apikeys list --tenant NAME`.",
        )
    if row.revoked_at is None:
        row.revoked_at = now or utcnow()
    return row


def authenticate(session: Session, key: str | None, *, now: datetime | None = None) -> Caller:
    """The caller a presented key speaks for, or a HubError saying what is wrong with it."""
    if not key:
        raise HubError(
            API_KEY_MISSING,
            "The request carries no API key.",
            "Send 'Authorization: Bearer wsk_...' (or 'X-API-Key: wsk_...'); create a key with "
            "`wholesync apikeys create --tenant NAME`.",
        )
    match = _KEY.fullmatch(key.strip())
    row = None
    if match is not None:
        row = session.scalar(select(ApiKey).where(ApiKey.prefix == match.group(1)))
    stored = row.secret_hash if row is not None else _DUMMY_HASH
    if not hmac.compare_digest(stored, key_hash(key.strip())) or row is None:
        raise HubError(
            API_KEY_INVALID,
            "The API key is not valid.",
            "Send the whole key printed by `wholesync apikeys create` (wsk_<prefix>_<secret>).",
        )
    if row.revoked_at is not None:
        raise HubError(
            API_KEY_REVOKED,
            f"The API key {row.prefix} was revoked.",
            "Create a new key with `wholesync apikeys create --tenant NAME`.",
        )
    moment = now or utcnow()
    if row.last_used_at is None or moment - row.last_used_at >= LAST_USED_RESOLUTION:
        row.last_used_at = moment
    return Caller(row.tenant_id, row.id, row.prefix)
