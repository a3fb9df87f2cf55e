"""Throwaway PostgreSQL databases for the benchmarks that run on PostgreSQL, dropped after."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql
from sqlalchemy import make_url

ADMIN_URL_ENV = "WHOLESYNC_BENCH_POSTGRES_URL"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextmanager
def scratch_databases() -> Iterator[Callable[[str], str]]:
    """A function that creates an empty database named after its label and returns its
    SQLAlchemy URL; every database it created is dropped on leaving."""
    admin = os.environ.get(ADMIN_URL_ENV, ADMIN_URL)
    stem = f"wholesync_bench_{os.getpid()}_{secrets.token_hex(3)}"
    created: list[str] = []

    def create(label: str) -> str:
        name = f"{stem}_{label}"
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        url = make_url(admin).set(drivername="postgresql+psycopg", database=name)
        return url.render_as_string(hide_password=False)

    try:
        yield create
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            for name in created:
                drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                conn.execute(drop.format(sql.Identifier(name)))
