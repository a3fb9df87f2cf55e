"""``wholesync apikeys``: a key is printed once, stored only as a hash, listed by prefix and
revoked by prefix."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from typer.testing import CliRunner, Result

from wholesync.cli import app
from wholesync.hub.db import session_factory
from wholesync.hub.models import ApiKey


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("WHOLESYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    assert run(runner, "init").exit_code == 0
    for name in ("acme", "other"):
        added = run(
            runner,
            *("tenants", "add", name, "--shop", f"{name}.myshopify.com"),
            *("--token-env", "ACME_TOKEN", "--secret-env", "ACME_SECRET"),
        )
        assert added.exit_code == 0, added.output
    return runner


def run(cli: CliRunner, *args: str) -> Result:
    return cli.invoke(app, list(args))


def stored_keys(tmp_path: Path) -> list[ApiKey]:
    engine = create_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with session_factory(engine)() as session:
        rows = list(session.scalars(select(ApiKey).order_by(ApiKey.id)))
    engine.dispose()
    return rows


def test_create_prints_the_key_once_and_stores_its_hash(cli: CliRunner, tmp_path: Path) -> None:
    created = run(cli, "apikeys", "create", "--tenant", "acme", "--name", "erp")
    assert created.exit_code == 0, created.output
    [key] = re.findall(r"wsk_[0-9a-f]{12}_[0-9a-f]{64}", created.output)
    [row] = stored_keys(tmp_path)
    assert row.name == "erp"
    assert key.startswith(f"wsk_{row.prefix}_")
    assert row.secret_hash == hashlib.sha256(key.encode()).hexdigest()
    listed = run(cli, "apikeys", "list", "--tenant", "acme")
    assert listed.exit_code == 0
    assert row.prefix in listed.output and "erp" in listed.output
    assert key not in listed.output
    assert row.prefix not in run(cli, "apikeys", "list", "--tenant", "other").output


def test_json_output_and_revoke(cli: CliRunner, tmp_path: Path) -> None:
    created = json.loads(run(cli, "apikeys", "create", "--tenant", "acme", "--json").output)
    assert created["key"].startswith(f"wsk_{created['prefix']}_")
    assert created["revoked_at"] is None
    revoked = run(cli, "apikeys", "revoke", created["prefix"], "--json")
    assert revoked.exit_code == 0, revoked.output
    assert json.loads(revoked.output)["revoked_at"] is not None
    [listed] = json.loads(run(cli, "apikeys", "list", "--tenant", "acme", "--json").output)
    assert listed["prefix"] == created["prefix"] and listed["revoked_at"] is not None
    assert "key" not in listed
    assert stored_keys(tmp_path)[0].revoked_at is not None


def test_refusals_say_how_to_fix(cli: CliRunner) -> None:
    unknown = run(cli, "apikeys", "revoke", "000000000000")
    assert unknown.exit_code == 2
    assert "API_KEY_NOT_FOUND" in unknown.output and "apikeys list" in unknown.output
    no_tenant = run(cli, "apikeys", "create", "--tenant", "nobody")
    assert no_tenant.exit_code == 2 and "TENANT_NOT_FOUND" in no_tenant.output
    blank = run(cli, "apikeys", "create", "--tenant", "acme", "--name", "  ")
    assert blank.exit_code == 2 and "INVALID_API_KEY_NAME" in blank.output
