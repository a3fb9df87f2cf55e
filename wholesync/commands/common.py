"""What every command shares: the database from the settings, and errors as exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import NoReturn

import orjson
import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from wholesync.hub.db import check_schema, make_engine, writer_sessions
from wholesync.hub.errors import HubError
from wholesync.settings import Settings
from wholesync.sync.tenants import TenantError

console = Console()
errors = Console(stderr=True)
# Exit codes: 1 = a run failed, 2 = the command or a configuration is wrong.
EXIT_FAILED, EXIT_USAGE = 1, 2


def fail(code: str, message: str, exit_code: int = EXIT_USAGE) -> NoReturn:
    errors.print(f"[bold red]{code}[/]: {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(exit_code)


def database_url() -> str:
    # Read afresh on every command: tests and scripts change WHOLESYNC_DATABASE_URL between calls.
    return Settings().database_url


def open_engine() -> Engine:
    """The engine of an initialised database; exit 2 with the fix when it is not."""
    try:
        engine = make_engine(database_url())
        check_schema(engine)
    except HubError as exc:
        fail(exc.code, f"{exc.message} {exc.fix}")
    return engine


@contextmanager
def session_scope() -> Iterator[sessionmaker[Session]]:
    """Sessions on the configured database; configuration errors exit with their code.

    A command may run beside ``wholesync serve`` and workers writing the same SQLite file,
    so its transactions take the write lock at BEGIN (see ``writer_sessions``)."""
    engine = open_engine()
    try:
        yield writer_sessions(engine)
    except TenantError as exc:
        fail(exc.code, exc.message)
    except HubError as exc:
        fail(exc.code, f"{exc.message} {exc.fix}")
    finally:
        engine.dispose()


def print_json(data: object) -> None:
    """One JSON document on its own line (scripts read one object per line)."""
    typer.echo(orjson.dumps(data).decode())


def iso(moment: datetime | None) -> str | None:
    """A timestamp for JSON output (None stays None)."""
    return moment.isoformat() if moment is not None else None


def when(moment: datetime | None) -> str:
    """A timestamp for a table cell, to the second (empty when there is none)."""
    return f"{moment:%Y-%m-%d %H:%M:%S}" if moment is not None else ""
