"""Engines, sessions and schema migrations for the hub database (SQLite or PostgreSQL)."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from .errors import (
    DATABASE_NOT_INITIALIZED,
    DATABASE_OUTDATED,
    DATABASE_URL_INVALID,
    MIGRATIONS_NOT_FOUND,
    HubError,
)

DEFAULT_DATABASE_URL = "sqlite:///wholesync.db"
MIGRATIONS_DIR_ENV = "WHOLESYNC_MIGRATIONS_DIR"
# Execution option: how a SQLite transaction begins ("DEFERRED" by default; "IMMEDIATE" takes
# the write lock up front, so a read-then-write transaction cannot fail half way with "busy").
SQLITE_BEGIN = "sqlite_begin"
SQLITE_BUSY_TIMEOUT_S = 30.0
# Serialises concurrent `init_db` calls on one PostgreSQL database (an arbitrary constant).
_MIGRATION_LOCK_ID = 0x77686F6C


def make_engine(url: str | URL, *, echo: bool = False) -> Engine:
    """An engine for ``sqlite:///...`` or ``postgresql+psycopg://...``.

    SQLite connections get foreign keys, WAL and real transactions (the sqlite3 module's legacy
    mode would not begin one before a SELECT or SAVEPOINT). ``postgresql://`` means psycopg 3.
    """
    parsed = _parse_url(url)
    # orjson: JSON columns (tags, options, custom fields) are on every catalog row.
    common: dict[str, Any] = {
        "echo": echo,
        "json_serializer": _json_dumps,
        "json_deserializer": orjson.loads,
    }
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(parsed, common)
        return create_engine(
            parsed, pool_pre_ping=True, pool_size=5, max_overflow=10, pool_recycle=1800, **common
        )
    except NoSuchModuleError as exc:
        raise _bad_url(parsed, f"its driver is not installed ({exc})") from exc


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (the CLI prints them afterwards)."""
    return sessionmaker(engine, expire_on_commit=False)


def writer_sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions for work that reads, then writes, while other threads write too (flow runs).

    On SQLite a reader that turns writer after another commit fails at once with "database is
    locked", so these transactions take the write lock at BEGIN (a no-op on PostgreSQL).
    """
    return session_factory(engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"}))


def reader_sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions for long work that only reads (previews), even on a ``writer_sessions`` engine:
    on SQLite they never hold the write lock, so writers go on beside them."""
    return session_factory(engine.execution_options(**{SQLITE_BEGIN: "DEFERRED"}))


def init_db(url: str | URL = DEFAULT_DATABASE_URL) -> Engine:
    """Create or migrate the database at ``url`` to the newest schema; return its engine."""
    engine = make_engine(url)
    upgrade(engine)
    return engine


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic migrations up to ``revision`` in one transaction."""
    config = alembic_config()
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn = conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
            config.attributes["connection"] = conn
            command.upgrade(config, revision)


def check_schema(engine: Engine) -> None:
    """Raise a HubError unless the database is at the newest schema revision."""
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if current is None:
        raise HubError(
            DATABASE_NOT_INITIALIZED,
            f"The database {engine.url!r} has no Wholesync schema.",
            "Run `wholesync init` to create it.",
        )
    if current != head:
        raise HubError(
            DATABASE_OUTDATED,
            f"The database is at schema revision {current}, this version needs {head}.",
            "Run `wholesync init` to migrate it.",
        )


def migrations_dir() -> Path:
    """The Alembic folder: ``$WHOLESYNC_MIGRATIONS_DIR``, else ``migrations/`` beside the package.

    ``migrations/`` lives at the project root, so it exists in a source checkout or an editable
    install; an installed wheel does not carry it, hence the override.
    """
    override = os.environ.get(MIGRATIONS_DIR_ENV)
    path = Path(override) if override else Path(__file__).resolve().parents[2] / "migrations"
    if not (path / "env.py").is_file():
        raise HubError(
            MIGRATIONS_NOT_FOUND,
            f"No Alembic migrations at {path}.",
            f"Install Wholesync from a source checkout (pip install -e .) or set "
            f"{MIGRATIONS_DIR_ENV} to the checkout's migrations folder.",
        )
    return path


def alembic_config() -> Config:
    """An Alembic config built in code, so no alembic.ini is needed at run time."""
    config = Config()
    # Config values go through configparser interpolation, where "%" is special.
    config.set_main_option("script_location", str(migrations_dir()).replace("%", "%%"))
    return config


def _parse_url(url: str | URL) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise HubError(
            DATABASE_URL_INVALID,
            f"{url!r} is not a database URL.",
            "Use sqlite:///path/to/wholesync.db or postgresql+psycopg://user@host/dbname.",
        ) from exc
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise _bad_url(parsed, f"the {backend!r} database is not supported")
    if parsed.drivername == "postgresql":
        # SQLAlchemy's default PostgreSQL driver is psycopg2; Wholesync ships psycopg 3.
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _bad_url(url: URL, why: str) -> HubError:
    return HubError(
        DATABASE_URL_INVALID,
        f"Cannot use {url.render_as_string(hide_password=True)!r}: {why}.",
        "Use sqlite:///path/to/wholesync.db or postgresql+psycopg://user@host/dbname.",
    )


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS).decode()


def _json_default(value: Any) -> Any:
    # Prices in diffs and custom fields: a string keeps the exact decimal value.
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot be stored in a JSON column")


def _sqlite_engine(url: URL, common: dict[str, Any]) -> Engine:
    in_memory = url.database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S}, **common}
    if in_memory:
        # One shared connection, or every connection would see its own empty database.
        kwargs["poolclass"] = StaticPool
        kwargs["connect_args"]["check_same_thread"] = False
    else:
        Path(url.database or "").parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take BEGIN away from the sqlite3 module; _on_begin emits it for every transaction.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        if mode not in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE"):
            raise ValueError(
                f"{SQLITE_BEGIN} must be DEFERRED, IMMEDIATE or EXCLUSIVE, not {mode!r}"
            )
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine
