"""The simulator's HTTP surface: Admin GraphQL, the OAuth token endpoint, bulk results and
the ``/__sim/`` control API, as one ASGI app."""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import secrets
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from wholesync.simulator.api import engine
from wholesync.simulator.clock import Clock, system_clock
from wholesync.simulator.control import control_routes
from wholesync.simulator.registry import Context
from wholesync.simulator.store import Store
from wholesync.simulator.webhooks.dispatcher import Dispatcher

API_VERSION = re.compile(r"^(\d{4}-(01|04|07|10)|unstable)$")
INVALID_TOKEN = {
    "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
}
CC_SCOPES = (
    "read_products,write_products,read_customers,write_customers,read_orders,write_orders,"
    "read_draft_orders,write_draft_orders,read_inventory,write_inventory,read_locations,"
    "read_fulfillments,write_fulfillments,read_merchant_managed_fulfillment_orders,"
    "write_merchant_managed_fulfillment_orders"
)


class Simulator:
    """Holds the store, the webhook dispatcher and the settings one server runs with."""

    def __init__(
        self,
        clock: Clock = system_clock,
        allow_http_callbacks: bool = False,
        seed: int = 0,
        base_url: str = "http://127.0.0.1:8765",
    ) -> None:
        self.store = Store(clock)
        self.rng = random.Random(seed)
        self.base_url = base_url
        self.dispatcher = Dispatcher(
            self.store, allow_http_callbacks=allow_http_callbacks, rng=self.rng
        )

    def context(self, shop_handle: str, api_version: str) -> Context:
        shop = self.store.get(shop_handle)
        assert shop is not None
        return Context(shop=shop, store=self.store, api_version=api_version, base_url=self.base_url)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status, headers, media_type="application/json")


async def graphql(request: Request) -> Response:
    sim: Simulator = request.app.state.sim
    version = request.path_params["version"]
    if not API_VERSION.match(version):
        return _json({"errors": "Not Found"}, 404)
    token = request.headers.get("x-shopify-access-token", "")
    shop = sim.store.by_token(token) if token else None
    if shop is None or not shop.token_valid(token):
        return _json(INVALID_TOKEN, 401)
    faults = shop.faults
    shop.fault_counts["calls"] += 1
    delay = faults.latency
    if faults.roll(faults.latency_spike_rate, sim.rng):
        shop.fault_counts["latency_spikes"] += 1
        delay += faults.latency_spike
    if delay:
        await asyncio.sleep(delay)
    # These two strike before the request runs: nothing was written.
    if faults.roll(faults.reset_rate, sim.rng):
        shop.fault_counts["resets"] += 1
        return ConnectionReset()
    if faults.roll(faults.error_rate, sim.rng):
        shop.fault_counts["errors"] += 1
        return _json({"errors": "Internal Server Error"}, 503)
    raw = await request.body()
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _json({"errors": [{"message": "Invalid JSON in request body"}]}, 400)
    context = sim.context(shop.handle, version)
    payload = await asyncio.to_thread(engine.run, context, body)
    for topic, record in context.events:
        sim.dispatcher.publish(shop, topic, record)
    # The write stands but the client never learns of it, as when Shopify's edge times out.
    if faults.roll(faults.lost_response_rate, sim.rng):
        shop.fault_counts["lost_responses"] += 1
        return ConnectionReset()
    return _json(payload, headers={"X-Shopify-API-Version": version})


async def access_token(request: Request) -> Response:
    """The client-credentials grant of Dev Dashboard apps: client id and secret in, token out."""
    sim: Simulator = request.app.state.sim
    form = await request.form()
    grant = form.get("grant_type")
    client_id = str(form.get("client_id") or "")
    client_secret = str(form.get("client_secret") or "")
    if grant != "client_credentials":
        return _json(
            {
                "error": "unsupported_grant_type",
                "error_description": "grant_type must be client_credentials.",
            },
            400,
        )
    shop = sim.store.by_client_id(client_id)
    if shop is None or not secrets.compare_digest(shop.client_secret, client_secret):
        return _json(
            {"error": "invalid_client", "error_description": "Client authentication failed."},
            401,
        )
    token = "shpat_" + secrets.token_hex(16)
    shop.add_token(token, shop.token_ttl, CC_SCOPES)
    return _json({"access_token": token, "scope": CC_SCOPES, "expires_in": int(shop.token_ttl)})


class ConnectionReset(Response):
    """Starts a response and drops the connection mid-body, like a reset from a proxy."""

    def __init__(self) -> None:
        super().__init__(b"", 200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"data":', "more_body": True})
        raise ConnectionResetError("simulated connection reset")


async def not_found(request: Request, exc: Exception) -> Response:
    return JSONResponse({"errors": "Not Found"}, 404)


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    yield
    await app.state.sim.dispatcher.close()


def create_app(sim: Simulator | None = None) -> Starlette:
    """Build the ASGI app; pass a ``Simulator`` to share its store with the caller."""
    simulator = sim or Simulator()
    app = Starlette(
        routes=[
            Route("/admin/api/{version}/graphql.json", graphql, methods=["POST"]),
            Route("/admin/oauth/access_token", access_token, methods=["POST"]),
            Mount("/__sim", routes=control_routes()),
        ],
        exception_handlers={404: not_found},
        lifespan=_lifespan,
    )
    app.state.sim = simulator
    return app
