"""Errors raised by the hub: a stable code, what went wrong, and how to fix it."""

from __future__ import annotations


class HubError(Exception):
    """A hub rule or setup problem that a person can fix; ``code`` is stable for scripts."""

    def __init__(self, code: str, message: str, fix: str) -> None:
        super().__init__(f"{code}: {message} {fix}")
        self.code = code
        self.message = message
        self.fix = fix


# Codes, for callers that branch on them.
DATABASE_URL_INVALID = "DATABASE_URL_INVALID"
DATABASE_NOT_INITIALIZED = "DATABASE_NOT_INITIALIZED"
DATABASE_OUTDATED = "DATABASE_OUTDATED"
MIGRATIONS_NOT_FOUND = "MIGRATIONS_NOT_FOUND"
TENANT_EXISTS = "TENANT_EXISTS"
TENANT_NOT_FOUND = "TENANT_NOT_FOUND"
INVALID_TENANT = "INVALID_TENANT"
INVALID_BUCKET = "INVALID_BUCKET"
