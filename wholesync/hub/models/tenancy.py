"""Tenants: one brand with one Shopify store. Secrets are named by environment variable only."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdMixin, TimestampMixin, one_of


class AuthMode(StrEnum):
    TOKEN = "token"
    CLIENT_CREDENTIALS = "client_credentials"


class Tenant(IdMixin, TimestampMixin, Base):
    __tablename__ = "tenants"
    __table_args__ = (CheckConstraint(one_of("auth_mode", tuple(AuthMode)), name="auth_mode"),)

    name: Mapped[str] = mapped_column(String(100), unique=True)
    shop_domain: Mapped[str] = mapped_column(String(255))
    # Overrides https://{shop_domain}, e.g. to point at the simulator.
    api_url: Mapped[str | None] = mapped_column(String(2048))
    auth_mode: Mapped[str] = mapped_column(String(32), default=AuthMode.TOKEN)
    token_env: Mapped[str | None] = mapped_column(String(255))
    client_id_env: Mapped[str | None] = mapped_column(String(255))
    secret_env: Mapped[str | None] = mapped_column(String(255))
    # A rotated-out secret, accepted on webhooks until Shopify stops signing with it.
    previous_secret_env: Mapped[str | None] = mapped_column(String(255))
    # Where Shopify delivers this tenant's webhooks (set on connect).
    callback_url: Mapped[str | None] = mapped_column(String(2048))
    # The tenant's sync settings, as validated and dumped by the sync layer.
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(default=True)
    # Why the tenant was disabled (e.g. the app was uninstalled from the store).
    disabled_reason: Mapped[str | None] = mapped_column(Text)
