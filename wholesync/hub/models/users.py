"""People who sign in to the integration center: users, their browser sessions, and the
failed sign-ins that rate-limit guessing."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdMixin, TenantMixin, TimestampMixin, one_of
from .types import IdType, utcnow


class Role(StrEnum):
    """An admin changes settings; an operator runs, previews and re-exports."""

    ADMIN = "admin"
    OPERATOR = "operator"


class User(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(one_of("role", tuple(Role)), name="role"),)

    # Sign-in name, kept lower-case; unique across tenants, so it alone finds the tenant.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    # argon2id, with its parameters in the hash string.
    password_hash: Mapped[str] = mapped_column(String(255))
    last_login_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]


class WebSession(IdMixin, Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "web_sessions"

    user_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Sent back with every form and htmx request; a request without it is refused (CSRF).
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class LoginFailure(IdMixin, Base):
    """One refused sign-in, counted per e-mail and per address over a window."""

    __tablename__ = "login_failures"
    __table_args__ = (Index(None, "email", "at"), Index(None, "address", "at"))

    email: Mapped[str] = mapped_column(String(320))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
