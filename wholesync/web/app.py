"""The FastAPI application: Shopify's webhook intake, the REST API, health checks, Prometheus
metrics and the integration center."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.exceptions import HTTPException

from wholesync.runtime.inbox import DRAIN_FLOW
from wholesync.web import metrics, webhooks
from wholesync.web.api import PREFIX, create_api
from wholesync.web.api.errors import http_error
from wholesync.web.headers import SecurityHeaders
from wholesync.web.health import healthz, readyz
from wholesync.web.intake import InboxWriter
from wholesync.web.problems import unexpected
from wholesync.web.shops import ShopDirectory
from wholesync.web.ui import create_ui

if TYPE_CHECKING:
    from wholesync.runtime.service import Runtime

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

    app = FastAPI(title="Wholesync", lifespan=lifespan, openapi_url=None, docs_url=None)
    app.state.inbox_writer = writer
    app.state.shops = shops
    app.add_middleware(
        webhooks.WebhookIntake, shops=shops, writer=writer, max_body_bytes=max_body_bytes
    )
    app.add_middleware(SecurityHeaders)  # added last: outermost, so the intake's answers too
    app.state.runtime = runtime
    app.add_api_route("/healthz", healthz, methods=["GET"])
    app.add_api_route("/readyz", readyz, methods=["GET"])
    app.add_api_route("/metrics", metrics.endpoint(runtime), methods=["GET"])
    app.mount(PREFIX, create_api(runtime))
    app.mount("/", create_ui(runtime))  # last: it answers every path the others do not
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
    return app
