"""Helpers shared by all tests: locating the Shopify reference material in ``../shared``."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import hypothesis
import psycopg
import psycopg.sql
import pytest
import redis
from graphql import GraphQLSchema, build_schema
from sqlalchemy import make_url

from wholesync.simulator.server import RunningSimulator, start_in_thread

# Fails the run when a secret the tests handed the product shows up in what it wrote.
pytest_plugins = ["tests.secrets_scan"]

# Property tests judge behaviour, not speed: on a loaded CI machine a slow example is no bug.
hypothesis.settings.register_profile("wholesync", deadline=None)
hypothesis.settings.load_profile("wholesync")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_ROOT = PROJECT_ROOT.parent / "shared"
REQUIRE_SHARED_ENV = "WHOLESYNC_REQUIRE_SHARED"


def shared_path(*parts: str) -> Path:
    """Return ``<project root>/../shared/<parts>``, skipping the test when it is absent.

    With ``WHOLESYNC_REQUIRE_SHARED=1`` (CI) a missing path fails the test instead.
    """
    path = SHARED_ROOT.joinpath(*parts)
    if not path.exists():
        reason = f"Shopify reference material not found: {path}"
        if os.environ.get(REQUIRE_SHARED_ENV) == "1":
            pytest.fail(f"{reason} ({REQUIRE_SHARED_ENV}=1 requires it)", pytrace=False)
        # allow_module_level so that helpers may also call this while a module is collected.
        pytest.skip(f"{reason} (../shared is only present in CI)", allow_module_level=True)
    return path


@pytest.fixture(scope="session")
def real_schema() -> GraphQLSchema:
    """Shopify's real Admin API 2026-07 schema, built once per session."""
    sdl = shared_path("shopify", "schema", "admin-2026-07.graphql").read_text()
    # Shopify's own SDL is not guaranteed to pass graphql-core's full validation.
    return build_schema(sdl, assume_valid=True)


# --- Databases: PostgreSQL at 127.0.0.1:5432 (trust auth) and SQLite files -------------------

REQUIRE_SERVICES_ENV = "WHOLESYNC_REQUIRE_SERVICES"
# Where to create throwaway test databases from; override to use another server.
POSTGRES_ADMIN_URL_ENV = "WHOLESYNC_TEST_POSTGRES_URL"
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def require_service(reason: str) -> NoReturn:
    """Skip the test for want of a service, or fail it in CI (WHOLESYNC_REQUIRE_SERVICES=1)."""
    if os.environ.get(REQUIRE_SERVICES_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_SERVICES_ENV}=1 requires it)", pytrace=False)
    pytest.skip(reason)


def _libpq_url(url: str) -> str:
    """A SQLAlchemy URL rewritten for psycopg.connect (no "+driver")."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test session (SQLAlchemy URL), dropped after."""
    admin = os.environ.get(POSTGRES_ADMIN_URL_ENV, POSTGRES_ADMIN_URL)
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        require_service(f"PostgreSQL is unreachable at {admin}: {exc}".strip())
    name = f"wholesync_test_{os.getpid()}_{secrets.token_hex(4)}"
    with conn:
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    yield (
        make_url(admin)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                psycopg.sql.Identifier(name)
            )
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database (no tables) for one test, on SQLite and on PostgreSQL.

    Call ``wholesync.hub.db.init_db(database_url)`` to create the schema. The PostgreSQL
    database is shared by the session and emptied before each test.
    """
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.db'}"
    url: str = request.getfixturevalue("postgres_url")
    with psycopg.connect(_libpq_url(url), autocommit=True) as conn:
        # Connections left in earlier tests' pools would otherwise block DROP SCHEMA.
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return url


# Redis for queue and shared-throttle tests; override to use another server.
REDIS_URL_ENV = "WHOLESYNC_TEST_REDIS_URL"
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The URL of the test Redis server; pair it with ``redis_prefix`` to keep keys apart."""
    url = os.environ.get(REDIS_URL_ENV, REDIS_URL)
    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        require_service(f"Redis is unreachable at {url}: {exc}")
    yield url
    client.close()


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix (and Huey queue name) of this test's own; its keys are deleted after."""
    prefix = f"wholesync-test-{os.getpid()}-{secrets.token_hex(4)}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"*{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


# --- The Shopify simulator, for tests outside tests/simulator (which keeps its own) -----------


@pytest.fixture(scope="session")
def simulator() -> Iterator[RunningSimulator]:
    """One simulator served on loopback for the test session; tests create their own shops."""
    running = start_in_thread(allow_http_callbacks=True, seed=7)
    yield running
    running.stop()
