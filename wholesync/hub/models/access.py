"""API keys: each is scoped to one tenant and stored only as a hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdMixin, TenantMixin, TimestampMixin


class ApiKey(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "api_keys"
    __table_args__ = (UniqueConstraint("prefix"),)

    name: Mapped[str] = mapped_column(String(100))
    # The public part of the key, shown in lists so a person can tell keys apart.
    prefix: Mapped[str] = mapped_column(String(32))
    # SHA-256 of the whole key: keys are 256-bit random, so a slow hash would add nothing.
    secret_hash: Mapped[str] = mapped_column(String(64))
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
