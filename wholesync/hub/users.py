"""Integration center users: create them, check passwords, open and close browser sessions,
and refuse sign-ins after repeated failures.

Passwords are argon2id hashes. A session is a random token in an HttpOnly cookie; the database
keeps only its SHA-256 and the session's CSRF token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from .errors import HubError
from .models import LoginFailure, Role, Tenant, User, WebSession
from .models.types import utcnow

INVALID_EMAIL = "INVALID_EMAIL"
INVALID_ROLE = "INVALID_ROLE"
WEAK_PASSWORD = "WEAK_PASSWORD"
USER_EXISTS = "USER_EXISTS"
USER_NOT_FOUND = "USER_NOT_FOUND"

MIN_PASSWORD = 12
SESSION_TTL = timedelta(hours=12)
# Sign-in throttling: failures counted over the window, per e-mail and per client address.
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_ADDRESS = 20

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so a miss takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("wholesync-no-such-user")

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Viewer:
    """Who a browser session speaks for."""

    user_id: int
    email: str
    role: str
    tenant_id: int
    tenant_name: str
    csrf_token: str

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def normal_email(email: str) -> str:
    return email.strip().lower()


def create_user(
    session: Session, tenant_id: int, email: str, role: str, password: str | None = None
) -> tuple[User, str]:
    """Add a user of one tenant; the password is generated when not given. Returns the user
    and the password, which is shown once and stored only as a hash."""
    email = normal_email(email)
    if not _EMAIL.match(email) or len(email) > 320:
        raise HubError(INVALID_EMAIL, f"{email!r} is not an e-mail address.", "Use name@domain.")
    if role not in tuple(Role):
        known = ", ".join(Role)
        raise HubError(INVALID_ROLE, f"No role named {role!r}.", f"Use one of {known}.")
    if password is None:
        password = secrets.token_urlsafe(15)
    elif len(password) < MIN_PASSWORD:
        raise _weak(password)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise HubError(
            USER_EXISTS,
            f"A user {email} exists already.",
            "Sign in as that user, or reset the password with `wholesync users set-password`.",
        )
    user = User(tenant_id=tenant_id, email=email, role=role, password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    return user, password


def list_users(session: Session, tenant_id: int | None = None) -> Sequence[User]:
    query = select(User).order_by(User.id)
    if tenant_id is not None:
        query = query.where(User.tenant_id == tenant_id)
    return session.scalars(query).all()


def set_password(session: Session, email: str, password: str | None = None) -> str:
    """Replace a user's password (generated when not given) and end their sessions."""
    user = session.scalar(select(User).where(User.email == normal_email(email)))
    if user is None:
        raise HubError(
            USER_NOT_FOUND, f"No user {email}.", "Create one with `wholesync users create`."
        )
    if password is None:
        password = secrets.token_urlsafe(15)
    elif len(password) < MIN_PASSWORD:
        raise _weak(password)
    user.password_hash = _hasher.hash(password)
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    return password


def login_allowed(session: Session, email: str, address: str, now: datetime) -> bool:
    """False while the e-mail or the client address has too many recent failures."""
    since = now - FAILURE_WINDOW
    per_email = session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.email == normal_email(email), LoginFailure.at > since)
    )
    per_address = session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.address == address, LoginFailure.at > since)
    )
    return (per_email or 0) < MAX_FAILURES_PER_EMAIL and (
        per_address or 0
    ) < MAX_FAILURES_PER_ADDRESS


def authenticate(
    session: Session, email: str, password: str, address: str, now: datetime
) -> User | None:
    """The user whose e-mail and password these are, or None (and the failure is counted).
    Call :func:`login_allowed` first."""
    email = normal_email(email)
    user = session.scalar(select(User).where(User.email == email, User.disabled_at.is_(None)))
    try:
        _hasher.verify(user.password_hash if user is not None else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        user = None
    if user is None:
        session.add(LoginFailure(email=email[:320], address=address[:64], at=now))
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = now
    session.execute(
        delete(LoginFailure).where(
            or_(LoginFailure.email == email, LoginFailure.at <= now - FAILURE_WINDOW)
        )
    )
    return user


def open_session(session: Session, user: User, now: datetime) -> str:
    """Start a browser session for ``user``; the token to set as the cookie."""
    token = secrets.token_urlsafe(32)
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    session.add(
        WebSession(
            user_id=user.id,
            token_hash=_token_hash(token),
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + SESSION_TTL,
        )
    )
    return token


def viewer_for(session: Session, token: str | None, now: datetime | None = None) -> Viewer | None:
    """Who the session cookie ``token`` belongs to; None when absent, unknown or expired."""
    if not token:
        return None
    now = now or utcnow()
    row = session.execute(
        select(WebSession.csrf_token, User, Tenant.name)
        .join(User, User.id == WebSession.user_id)
        .join(Tenant, Tenant.id == User.tenant_id)
        .where(
            WebSession.token_hash == _token_hash(token),
            WebSession.expires_at > now,
            User.disabled_at.is_(None),
        )
    ).first()
    if row is None:
        return None
    csrf, user, tenant_name = row
    return Viewer(user.id, user.email, user.role, user.tenant_id, tenant_name, csrf)


def close_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(WebSession).where(WebSession.token_hash == _token_hash(token)))


def _weak(password: str) -> HubError:
    return HubError(
        WEAK_PASSWORD,
        f"The password has {len(password)} characters.",
        f"Use at least {MIN_PASSWORD}, or leave it out to have one generated.",
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
