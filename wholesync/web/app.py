"""The FastAPI application: Shopify's webhook intake and a health check."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from wholesync.runtime.inbox import DRAIN_FLOW
from wholesync.web import webhooks
from wholesync.web.intake import InboxWriter
from wholesync.web.problems import problem
from wholesync.web.shops import ShopDirectory

if TYPE_CHECKING:
    from wholesync.runtime.service import Runtime

log = logging.getLogger(__name__)
DEFAULT_MAX_BODY_BYTES = 1_048_576


def create_app(
    runtime: Runtime,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    tenant_cache_seconds: float = 5.0,
) -> FastAPI:
    """The web app of one process, storing webhooks in ``runtime``'s database and queue."""

    def request_drain(tenant_id: int) -> object:
        return runtime.request_run(tenant_id, DRAIN_FLOW, trigger="webhook")

    writer = InboxWriter(runtime.sessions, request_drain)
    shops = ShopDirectory(runtime.sessions, ttl=tenant_cache_seconds)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        writer.close()  # what was handed over is stored before the process exits

    app = FastAPI(title="Wholesync", lifespan=lifespan)
    app.state.inbox_writer = writer
    app.state.shops = shops
    app.add_middleware(
        webhooks.WebhookIntake, shops=shops, writer=writer, max_body_bytes=max_body_bytes
    )
    app.add_api_route("/healthz", healthz, methods=["GET"])
    app.add_exception_handler(Exception, _unexpected)
    return app


async def healthz() -> dict[str, str]:
    """The process is up and serving."""
    return {"status": "ok"}


async def _unexpected(request: Request, exc: Exception) -> Response:
    # 503 rather than 500: Shopify retries the delivery, and nothing half-done is kept.
    log.error("unexpected error on %s", request.url.path, exc_info=exc)
    return problem(
        503,
        "INTERNAL_ERROR",
        "The request could not be handled; it is safe to send it again. The server log has "
        "the details.",
    )
