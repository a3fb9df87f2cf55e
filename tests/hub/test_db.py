"""Engines and sessions: URL handling, SQLite connection setup, transactions, UTC timestamps."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from wholesync.hub import errors
from wholesync.hub.db import (
    SQLITE_BEGIN,
    init_db,
    make_engine,
    reader_sessions,
    session_factory,
    writer_sessions,
)
from wholesync.hub.errors import HubError
from wholesync.hub.models import ExternalRef, Tenant


@pytest.mark.parametrize("url", ["not a url", "mysql://u@h/db", "oracle://scott@host/db"])
def test_unusable_urls_are_refused_with_a_fix(url: str) -> None:
    with pytest.raises(HubError) as caught:
        make_engine(url)
    assert caught.value.code == errors.DATABASE_URL_INVALID
    assert "sqlite:///" in caught.value.fix and "postgresql+psycopg://" in caught.value.fix


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    engine = make_engine("postgresql://postgres@127.0.0.1:5432/test")
    assert engine.dialect.driver == "psycopg"
    engine.dispose()


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'hub.db'}")
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("PRAGMA foreign_keys")) == 1
            assert conn.scalar(text("PRAGMA journal_mode")) == "wal"
        assert (tmp_path / "nested" / "dir" / "hub.db").exists()
    finally:
        engine.dispose()


def test_in_memory_sqlite_is_one_database_for_every_session() -> None:
    engine = init_db("sqlite://")
    try:
        with session_factory(engine)() as session:
            session.add(Tenant(name="mem", shop_domain="mem.myshopify.com", token_env="T"))
            session.commit()
        with session_factory(engine)() as session:
            assert session.scalar(select(Tenant.name)) == "mem"
    finally:
        engine.dispose()


def test_a_rolled_back_savepoint_keeps_the_rest_of_the_transaction(engine: Engine) -> None:
    # The sqlite3 module's legacy mode breaks this unless the engine takes over BEGIN.
    factory = session_factory(engine)
    with factory() as session:
        session.add(Tenant(name="kept", shop_domain="kept.myshopify.com", token_env="T"))
        nested = session.begin_nested()
        session.add(Tenant(name="dropped", shop_domain="dropped.myshopify.com", token_env="T"))
        session.flush()
        nested.rollback()
        session.commit()
    with factory() as session:
        assert list(session.scalars(select(Tenant.name))) == ["kept"]


def test_a_rolled_back_transaction_leaves_nothing(engine: Engine) -> None:
    factory = session_factory(engine)
    with factory() as session:
        session.add(Tenant(name="gone", shop_domain="gone.myshopify.com", token_env="T"))
        session.flush()
        session.rollback()
    with factory() as session:
        assert session.scalar(select(Tenant)) is None


def test_sqlite_begin_mode_is_validated(tmp_path: Path) -> None:
    engine = init_db(f"sqlite:///{tmp_path / 'hub.db'}")
    try:
        with engine.connect() as conn:
            conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
            assert conn.scalar(text("SELECT count(*) FROM tenants")) == 0
        with engine.connect() as conn:
            conn.execution_options(**{SQLITE_BEGIN: "NOW; DROP TABLE tenants"})
            with pytest.raises(ValueError, match="IMMEDIATE"):
                conn.scalar(text("SELECT 1"))
    finally:
        engine.dispose()


def test_timestamps_come_back_aware_in_utc(
    session: Session, make_tenant: Callable[[str], Tenant]
) -> None:
    tenant = make_tenant("t")
    paris = timezone(timedelta(hours=2))
    seen = datetime(2026, 7, 1, 14, 30, 15, tzinfo=paris)
    session.add(
        ExternalRef(
            tenant_id=tenant.id,
            entity="product",
            hub_id=1,
            shopify_gid="gid://shopify/Product/1",
            shopify_updated_at=seen,
        )
    )
    session.commit()
    session.expire_all()
    stored = session.scalars(select(ExternalRef)).one()
    assert stored.shopify_updated_at == seen
    assert stored.shopify_updated_at is not None
    assert stored.shopify_updated_at.tzinfo == UTC
    assert stored.shopify_updated_at.hour == 12
    assert stored.created_at.tzinfo == UTC
    # Comparable with Shopify's aware updatedAt, which is what the stale-update check does.
    assert stored.shopify_updated_at < datetime(2026, 7, 1, 12, 31, tzinfo=UTC)


def test_naive_timestamps_are_refused(session: Session) -> None:
    session.add(
        Tenant(
            name="n", shop_domain="n.myshopify.com", token_env="T", created_at=datetime(2026, 1, 1)
        )
    )
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()


def test_reader_sessions_on_a_writer_engine_leave_the_write_lock_free(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    init_db(f"sqlite:///{path}").dispose()
    engine = make_engine(f"sqlite:///{path}")
    writers = writer_sessions(engine)
    other = sqlite3.connect(path, timeout=0, isolation_level=None)

    def other_writes() -> None:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")

    with reader_sessions(writers.kw["bind"])() as reading:
        reading.scalars(select(Tenant)).all()
        other_writes()
    with writers() as writing:
        writing.scalars(select(Tenant)).all()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other_writes()
    other.close()
    engine.dispose()
