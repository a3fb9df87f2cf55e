"""The Huey queue, chosen by URL: SQLite for one machine, Redis for workers on many.

``sqlite:///var/queue.sqlite3`` (relative to the working directory) or
``sqlite:////srv/wholesync/queue.sqlite3`` (absolute) gives a SqliteHuey, ``redis://host:6379/0``
(or ``rediss://``) a RedisHuey whose workers block on the queue instead of polling it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
from huey import Huey, RedisHuey, SqliteHuey

QUEUE_URL_INVALID = "QUEUE_URL_INVALID"
QUEUE_UNAVAILABLE = "QUEUE_UNAVAILABLE"
ACCEPTED = (
    "Use sqlite:///relative/path.sqlite3, sqlite:////absolute/path.sqlite3 "
    "or redis://host:6379/0 (rediss:// for TLS)."
)
_SQLITE = "sqlite:///"
_REDIS = ("redis://", "rediss://")


class QueueError(Exception):
    """The queue URL is wrong or the queue cannot be reached; ``code`` names which."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def is_redis(url: str) -> bool:
    return url.startswith(_REDIS)


def make_huey(url: str, name: str = "wholesync") -> Huey:
    """The Huey instance for ``url``; ``name`` keeps several queues apart in one store.

    Results are not stored: a job's outcome lives in the jobs table, where every worker,
    the CLI and the web app can read it.
    """
    if url.startswith(_SQLITE):
        return _sqlite(url, name)
    if is_redis(url):
        try:
            # Keep the name as given (Huey would strip '-' and '.'), so keys are predictable.
            return RedisHuey(
                name, url=url, blocking=True, read_timeout=1, results=False, clean_name=False
            )
        except ValueError as exc:
            raise QueueError(
                QUEUE_URL_INVALID, f"{url!r} is not a Redis URL ({exc}). {ACCEPTED}"
            ) from exc
    raise QueueError(QUEUE_URL_INVALID, f"{url!r} is not a queue URL. {ACCEPTED}")


def _sqlite(url: str, name: str) -> Huey:
    path = url.removeprefix(_SQLITE)
    if not path or path.startswith(":memory:") or "?" in path:
        raise QueueError(
            QUEUE_URL_INVALID,
            f"{url!r} does not name a queue file (every worker must reach the same file). "
            + ACCEPTED,
        )
    filename = Path(path)
    try:
        filename.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, filename=str(filename), results=False, timeout=30)
    except OSError as exc:
        raise QueueError(
            QUEUE_UNAVAILABLE, f"Cannot open the queue file {filename}: {exc}."
        ) from exc


def describe_url(url: str) -> str:
    """``url`` with any password hidden, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def check_queue(huey: Huey) -> None:
    """Raise QUEUE_UNAVAILABLE unless the queue answers (a SQLite queue is created on first use)."""
    try:
        huey.storage.queue_size()
    except (redis.RedisError, sqlite3.Error, OSError) as exc:
        raise QueueError(QUEUE_UNAVAILABLE, f"The queue does not answer: {exc}.") from exc


def consumer_options(huey: Huey) -> dict[str, Any]:
    """Consumer settings tuned for latency: a webhook's job should start within a fraction of
    a second. Redis workers block on the queue; SQLite workers poll it, at most every 0.5 s.
    A scheduler interval of 1 s (Huey's least) bounds the extra wait of a delayed task."""
    blocking = bool(getattr(huey.storage, "blocking", False))
    return {
        "worker_type": "thread",
        "initial_delay": 0.05,
        "backoff": 1.5,
        "max_delay": 2.0 if blocking else 0.5,
        "scheduler_interval": 1,
        "check_worker_health": True,
        # SIGTERM (systemd, docker stop) lets running jobs finish for a while; SIGINT stops now.
        # A job cut short is taken over once its lease expires (see jobs.reap).
        "graceful_signal": "TERM",
        "shutdown_timeout": 30.0,
    }
