"""The browser tests run on SQLite only: the pages they drive are tested over HTTP on SQLite
and PostgreSQL (tests/web/ui)."""

from __future__ import annotations

import pytest


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url
