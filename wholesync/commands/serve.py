"""``wholesync serve``: the web app, job workers and the scheduler in one process."""

from __future__ import annotations

import gc
from typing import Annotated

import typer
import uvicorn

from wholesync.commands.common import console
from wholesync.commands.worker import THREADS_HELP, runtime_scope
from wholesync.runtime.queue import describe_url
from wholesync.settings import Settings
from wholesync.web.app import create_app


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int | None, typer.Option(min=0, max=64, help=f"{THREADS_HELP} 0: web only.")
    ] = None,
    scheduler: Annotated[
        bool, typer.Option(help="Enqueue due schedules and run the periodic chores.")
    ] = True,
) -> None:
    """Serve the webhook intake and run jobs and schedules, all in this process."""
    settings = Settings()
    threads = settings.worker_threads if workers is None else workers
    with runtime_scope(settings) as runtime:
        app = create_app(runtime, max_body_bytes=settings.webhook_max_bytes)
        # The consumer runs in threads; uvicorn keeps the main thread and its signals.
        consumer = (
            runtime.consumer(workers=threads, periodic=scheduler) if threads or scheduler else None
        )
        if consumer is not None:
            consumer.start()
        console.print(
            f"Serving on http://{host}:{port} with {threads} worker thread(s), scheduler "
            f"{'on' if scheduler else 'off'}, queue {describe_url(settings.queue_url)}.",
            highlight=False,
        )
        # What is loaded by now lives as long as the process: out of the collector's sight,
        # full collections stop pausing every request in flight.
        gc.collect()
        gc.freeze()
        try:
            uvicorn.run(
                app,
                host=host,
                port=port,
                log_level=settings.log_level.lower(),
                access_log=False,
            )
        finally:
            if consumer is not None:
                # Let running jobs finish (for a while); the scheduler thread stops too.
                consumer.stop(graceful=True)
    console.print("Stopped.", highlight=False)
