"""Deployment settings, read from ``WHOLESYNC_*`` environment variables or a ``.env`` file."""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WHOLESYNC_", env_file=".env", extra="ignore")

    database_url: str = Field(
        "sqlite:///wholesync.db", description="SQLAlchemy URL of the hub database"
    )
    queue_url: str = Field("sqlite:///var/queue.sqlite3", description="sqlite:// or redis://")
    queue_name: str = Field(
        "wholesync",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$",
        description="keeps the queue and throttle buckets of deployments sharing one Redis apart",
    )
    worker_threads: int = Field(
        2, ge=0, le=64, description="threads running jobs in `serve` and `worker` (0: none)"
    )
    job_max_attempts: int = Field(
        5, ge=1, le=100, description="attempts of a failing flow run before its job fails"
    )
    retry_base_seconds: float = Field(
        5.0, gt=0, description="wait before a failed job's first retry; doubles per attempt"
    )
    retry_max_seconds: float = Field(600, gt=0, description="longest wait between two retries")
    lease_ttl_seconds: float = Field(
        60,
        ge=1,
        description="a run's lease expires this long after its worker stopped renewing it; "
        "a killed worker's run is then taken over",
    )
    webhook_max_bytes: int = Field(
        1_048_576, ge=1024, description="larger webhook bodies are refused with 413"
    )
    webhook_coalesce_seconds: float = Field(
        0.25, ge=0, le=60, description="window in which updates of one record share one fetch"
    )
    inbox_stale_seconds: float = Field(
        30, gt=0, description="inbox rows unprocessed this long are enqueued again"
    )
    shopify_api_version: str = Field("2026-07", pattern=r"^\d{4}-(01|04|07|10)$")
    log_level: str = Field("INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")
    log_format: Literal["json", "text"] = Field(
        "json", description="json: one object per line with tenant, flow and run; text: plain"
    )
    # E-mail notifications (wholesync/notify): alerts and daily digests go out through SMTP.
    smtp_host: str | None = Field(None, description="SMTP server; unset, no e-mail is sent")
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        "starttls", description="starttls (port 587), ssl (implicit TLS, port 465) or none"
    )
    smtp_username: str | None = None
    # A SecretStr: printing the settings shows '**********', never the password.
    smtp_password: SecretStr | None = None
    smtp_from: str | None = Field(None, description="From address, e.g. sync@brand.example")
    smtp_timeout_seconds: float = Field(10, gt=0, le=120)


@cache
def get_settings() -> Settings:
    return Settings()
