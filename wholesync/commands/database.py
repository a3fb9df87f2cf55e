"""``wholesync init``: create or migrate the hub database."""

from __future__ import annotations

from sqlalchemy import make_url

from wholesync.commands.common import console, database_url, fail
from wholesync.hub.db import init_db
from wholesync.hub.errors import HubError
from wholesync.runtime.queue import QueueError, check_queue, describe_url, make_huey
from wholesync.settings import Settings


def init() -> None:
    """Create or migrate the database (WHOLESYNC_DATABASE_URL) and create the queue."""
    url = database_url()
    try:
        engine = init_db(url)
    except HubError as exc:
        fail(exc.code, f"{exc.message} {exc.fix}")
    engine.dispose()
    shown = make_url(url).render_as_string(hide_password=True)
    console.print(f"Database ready: {shown}", highlight=False)
    queue_url = Settings().queue_url
    try:
        queue = make_huey(queue_url)
        check_queue(queue)
    except QueueError as exc:
        fail(exc.code, exc.message)
    queue.storage.close()
    console.print(f"Queue ready: {describe_url(queue_url)}", highlight=False)
