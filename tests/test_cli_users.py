"""``wholesync users``: a generated password is printed once and stored as an argon2 hash; the
user can sign in with it; refusals carry a code and a fix."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from tests.test_cli_apikeys import cli, run
from wholesync.hub.db import make_engine, session_factory, writer_sessions
from wholesync.hub.models import LoginFailure, User
from wholesync.hub.models.types import utcnow
from wholesync.hub.users import authenticate

__all__ = ["cli"]  # the apikeys test's fixture: an initialised database with two tenants


def test_create_prints_a_password_that_signs_in(cli: CliRunner, tmp_path: Path) -> None:
    result = run(cli, "users", "create", "Ops@Acme.example", "--tenant", "acme", "--role", "admin")
    assert result.exit_code == 0, result.output
    password = re.search(r"password: (\S+)", result.output)
    assert password is not None
    engine = create_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with session_factory(engine).begin() as session:
        user = session.scalars(select(User).where(User.email == "ops@acme.example")).one()
        assert user.role == "admin" and user.password_hash.startswith("$argon2id$")
        assert password.group(1) not in user.password_hash
        assert authenticate(session, "ops@acme.example", password.group(1), "t", utcnow())
    listed = json.loads(run(cli, "users", "list", "--json").output)
    assert listed == [
        {
            "email": "ops@acme.example",
            "role": "admin",
            "tenant": "acme",
            "last_login_at": listed[0]["last_login_at"],
            "disabled_at": None,
        }
    ]
    assert password.group(1) not in run(cli, "users", "list").output


def test_password_from_the_environment_and_reset(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHOLESYNC_NEW_PASSWORD", "a long enough secret")
    created = run(
        cli, "users", "create", "a@acme.example", "--tenant", "acme", "--password-from-env"
    )
    assert created.exit_code == 0 and "a long enough secret" not in created.output
    reset = run(cli, "users", "set-password", "a@acme.example")
    assert reset.exit_code == 0 and re.search(r"password: \S+", reset.output)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("not-an-email", "--tenant", "acme"), "INVALID_EMAIL"),
        (("b@acme.example", "--tenant", "acme", "--role", "boss"), "INVALID_ROLE"),
        (("b@acme.example", "--tenant", "nobody"), "TENANT_NOT_FOUND"),
    ],
)
def test_refusals_say_how_to_fix(cli: CliRunner, args: tuple[str, ...], code: str) -> None:
    result = run(cli, "users", "create", *args)
    assert result.exit_code == 2 and code in result.output


def test_the_same_email_twice_is_refused(cli: CliRunner) -> None:
    assert run(cli, "users", "create", "c@acme.example", "--tenant", "acme").exit_code == 0
    again = run(cli, "users", "create", "C@acme.example", "--tenant", "other")
    assert again.exit_code == 2 and "USER_EXISTS" in again.output


def test_commands_write_beside_a_server_writing_the_same_sqlite_file(
    cli: CliRunner, tmp_path: Path
) -> None:
    """A command's read-then-write transaction must not fail with "database is locked" when
    another process (``wholesync serve``, a worker) commits between its read and its write."""
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    writes = writer_sessions(engine)
    stop = threading.Event()

    def server() -> None:
        while not stop.is_set():
            with writes.begin() as session:
                session.add(LoginFailure(email="probe@acme.example", address="127.0.0.1"))

    thread = threading.Thread(target=server, daemon=True)
    thread.start()
    try:
        results = [
            run(cli, "users", "create", f"u{n}@acme.example", "--tenant", "acme") for n in range(15)
        ]
    finally:
        stop.set()
        thread.join(timeout=30)
        engine.dispose()
    assert [r.exit_code for r in results] == [0] * 15, [r.output for r in results]
