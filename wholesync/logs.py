"""Process logging: one JSON object per line by default (``WHOLESYNC_LOG_FORMAT=text`` for
people at a terminal), carrying the tenant, flow, job and run the line belongs to.

Code logs with the standard ``logging`` module; :func:`context` binds fields for everything
logged inside it, in this thread or task.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import structlog
from structlog.contextvars import (
    bind_contextvars,
    clear_contextvars,
    get_contextvars,
    merge_contextvars,
)

LogFormat = Literal["json", "text"]


def configure(level: str = "INFO", fmt: LogFormat = "json") -> None:
    """Route every stdlib logger through structlog's renderer on stderr."""
    shared: list[Any] = [
        merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # the schema check's chatter


@contextmanager
def context(**fields: object) -> Iterator[None]:
    """Add ``fields`` (tenant, flow, job_id, ...) to every line logged inside; whatever is
    bound inside (a run's id) is dropped when the block ends."""
    saved = get_contextvars()
    bind(**fields)
    try:
        yield
    finally:
        clear_contextvars()
        bind_contextvars(**saved)


def bind(**fields: object) -> None:
    """Add ``fields`` to every line logged from here on, up to the end of the enclosing
    :func:`context`."""
    bind_contextvars(**{key: value for key, value in fields.items() if value is not None})
