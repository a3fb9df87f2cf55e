"""``wholesync worker``: run queued jobs (and optionally the scheduler), for scale-out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from wholesync import logs
from wholesync.commands.common import console, fail
from wholesync.hub.errors import HubError
from wholesync.runtime.queue import QueueError, describe_url
from wholesync.runtime.service import Runtime
from wholesync.settings import Settings

THREADS_HELP = "Threads running jobs (default: WHOLESYNC_WORKER_THREADS, 2)."


@contextmanager
def runtime_scope(settings: Settings) -> Iterator[Runtime]:
    """The runtime of the configured database and queue; configuration errors exit 2."""
    logs.configure(settings.log_level, settings.log_format)
    try:
        runtime = Runtime(
            settings.database_url, settings.queue_url, name=settings.queue_name, settings=settings
        )
    except HubError as exc:
        fail(exc.code, f"{exc.message} {exc.fix}")
    except QueueError as exc:
        fail(exc.code, exc.message)
    try:
        yield runtime
    finally:
        runtime.close()


def worker(
    threads: Annotated[int | None, typer.Option(min=0, max=64, help=THREADS_HELP)] = None,
    scheduler: Annotated[
        bool, typer.Option(help="Also enqueue due schedules and run the periodic chores.")
    ] = False,
) -> None:
    """Run queued jobs until stopped (SIGTERM lets running jobs finish; Ctrl-C stops now)."""
    settings = Settings()
    count = settings.worker_threads if threads is None else threads
    if count == 0 and not scheduler:
        fail("NOTHING_TO_RUN", "With --threads 0, add --scheduler or the worker has no work.")
    with runtime_scope(settings) as runtime:
        consumer = runtime.consumer(workers=count, periodic=scheduler)
        console.print(
            f"Worker: {count} thread(s) on {describe_url(settings.queue_url)}, "
            f"scheduler {'on' if scheduler else 'off'}.",
            highlight=False,
        )
        consumer.run()
    console.print("Worker stopped.", highlight=False)
