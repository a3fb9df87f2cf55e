"""``wholesync init``: create or migrate the hub database."""

from __future__ import annotations

from sqlalchemy import make_url

from wholesync.commands.common import console, database_url, fail
from wholesync.hub.db import init_db
from wholesync.hub.errors import HubError


def init() -> None:
    """Create or migrate the database named by WHOLESYNC_DATABASE_URL."""
    url = database_url()
    try:
        engine = init_db(url)
    except HubError as exc:
        fail(exc.code, f"{exc.message} {exc.fix}")
    engine.dispose()
    shown = make_url(url).render_as_string(hide_password=True)
    console.print(f"Database ready: {shown}", highlight=False)
