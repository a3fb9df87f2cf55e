"""Deployment settings, read from ``WHOLESYNC_*`` environment variables or a ``.env`` file."""

from __future__ import annotations

from functools import cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WHOLESYNC_", env_file=".env", extra="ignore")

    database_url: str = Field(
        "sqlite:///wholesync.db", description="SQLAlchemy URL of the hub database"
    )
    queue_url: str = Field("sqlite:///var/queue.sqlite3", description="sqlite:// or redis://")
    shopify_api_version: str = Field("2026-07", pattern=r"^\d{4}-(01|04|07|10)$")
    log_level: str = Field("INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")


@cache
def get_settings() -> Settings:
    return Settings()
