"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, Engine, inspect, text

from tests.conftest import PROJECT_ROOT
from wholesync.hub import errors
from wholesync.hub.db import (
    MIGRATIONS_DIR_ENV,
    alembic_config,
    check_schema,
    init_db,
    make_engine,
    migrations_dir,
    upgrade,
)
from wholesync.hub.errors import HubError
from wholesync.hub.models import Base
from wholesync.runtime import models as runtime_models  # noqa: F401  (registers its tables)

TABLES = {
    "addresses",
    "alembic_version",
    "alert_events",
    "api_keys",
    "buyers",
    "customers",
    "digest_state",
    "external_refs",
    "inventory_levels",
    "jobs",
    "login_failures",
    "order_lines",
    "orders",
    "product_images",
    "products",
    "run_leases",
    "schedule_state",
    "shipment_lines",
    "shipments",
    "sync_records",
    "sync_runs",
    "tenants",
    "users",
    "variants",
    "warehouses",
    "web_sessions",
    "webhook_inbox",
}


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_migrating_an_empty_database_gives_exactly_the_models(engine: Engine) -> None:
    assert set(inspect(engine).get_table_names()) == TABLES
    assert _differences(engine) == []


def test_migrated_check_constraints_are_the_models(engine: Engine) -> None:
    # compare_metadata does not look at CHECK constraints, so compare their names here.
    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        expected = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
        found = {c["name"] for c in inspector.get_check_constraints(table.name)}
        assert found == expected, table.name


def test_migrated_foreign_key_actions_are_the_models(engine: Engine) -> None:
    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        expected = {(fk.name, fk.ondelete) for fk in table.foreign_key_constraints}
        found = {
            (fk["name"], fk["options"].get("ondelete"))
            for fk in inspector.get_foreign_keys(table.name)
        }
        assert found == expected, table.name


def test_init_db_is_idempotent_and_leaves_the_schema_current(database_url: str) -> None:
    first = init_db(database_url)
    first.dispose()
    engine = init_db(database_url)
    try:
        check_schema(engine)
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_check_schema_reports_an_uninitialised_database(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with pytest.raises(HubError) as caught:
            check_schema(engine)
        assert caught.value.code == errors.DATABASE_NOT_INITIALIZED
        assert "wholesync init" in caught.value.fix
    finally:
        engine.dispose()


def test_check_schema_reports_a_database_at_another_revision(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    with pytest.raises(HubError) as caught:
        check_schema(engine)
    assert caught.value.code == errors.DATABASE_OUTDATED
    assert "older" in caught.value.message


def test_downgrade_to_base_then_upgrade_again(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert _differences(engine) == []


def test_constraint_and_index_names_fit_postgresql_identifiers() -> None:
    names: list[str] = []
    for table in Base.metadata.sorted_tables:
        names.extend(str(c.name) for c in table.constraints)
        names.extend(str(i.name) for i in table.indexes)
    assert [n for n in names if len(n) > 63] == []


def test_alembic_ini_drives_the_command_line_tool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    # env.py applies alembic.ini's logging setup; keep it from outliving this test.
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    monkeypatch.setenv("WHOLESYNC_DATABASE_URL", url)
    command.upgrade(Config(str(PROJECT_ROOT / "alembic.ini")), "head")
    engine = make_engine(url)
    try:
        check_schema(engine)
    finally:
        engine.dispose()


def test_missing_migrations_folder_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MIGRATIONS_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(HubError) as caught:
        migrations_dir()
    assert caught.value.code == errors.MIGRATIONS_NOT_FOUND
    assert MIGRATIONS_DIR_ENV in caught.value.fix


def test_migrations_are_found_beside_the_package_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(MIGRATIONS_DIR_ENV, raising=False)
    assert migrations_dir() == PROJECT_ROOT / "migrations"
