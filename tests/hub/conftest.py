"""Fixtures for hub tests: a migrated database (SQLite and PostgreSQL) and a session on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from wholesync.hub.db import init_db, session_factory
from wholesync.hub.models import Tenant


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = init_db(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as session:
        yield session


@pytest.fixture
def make_tenant(session: Session) -> Callable[[str], Tenant]:
    """Adds (and flushes) a token-auth tenant with the given name."""

    def make(name: str) -> Tenant:
        tenant = Tenant(name=name, shop_domain=f"{name}.myshopify.com", token_env="TOKEN")
        session.add(tenant)
        session.flush()
        return tenant

    return make
