"""The ``/__sim/`` control API: create and seed shops, act as the merchant, inspect state and
inject faults. Domain modules add merchant actions with ``@merchant_action``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import Field, ValidationError
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from wholesync.simulator.api import engine
from wholesync.simulator.api.throttle import PLANS
from wholesync.simulator.faults import Faults
from wholesync.simulator.registry import Context
from wholesync.simulator.seed import SeedSpec, seed_shop
from wholesync.simulator.store import LEGACY_TOKEN_TTL, Shop

if TYPE_CHECKING:
    from wholesync.simulator.app import Simulator


class ControlError(Exception):
    """A bad control request: answered 4xx with a code and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


# What ``faults_struck`` counts: answers 5xx, connections reset before the call ran, responses
# lost after it ran, calls slowed by a spike, queries forced THROTTLED, and webhook deliveries
# dropped, sent twice, or held back to arrive after a later one.
FAULT_KINDS = (
    *("errors", "resets", "lost_responses", "latency_spikes", "throttled"),
    *("webhooks_dropped", "webhooks_duplicated", "webhooks_held_back"),
)
Action = Callable[[Context, dict[str, str], dict[str, Any]], Any]


@dataclass(frozen=True)
class MerchantAction:
    method: str
    path: str
    action: Action


ACTIONS: list[MerchantAction] = []
INSPECTORS: dict[str, Callable[[Shop], list[dict[str, Any]]]] = {}


def merchant_action(method: str, path: str) -> Callable[[Action], Action]:
    """Register ``action(context, path_params, body) -> json`` under ``/__sim/shops/{shop}``."""

    def register(fn: Action) -> Action:
        ACTIONS.append(MerchantAction(method, path, fn))
        return fn

    return register


def inspector(kind: str) -> Callable[[Callable[[Shop], list[dict[str, Any]]]], Any]:
    """Register the state listing served at ``GET /__sim/shops/{shop}/{kind}``."""

    def register(fn: Callable[[Shop], list[dict[str, Any]]]) -> Any:
        INSPECTORS[kind] = fn
        return fn

    return register


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status, media_type="application/json")


def _error(status: int, code: str, message: str) -> Response:
    return _json({"error": {"code": code, "message": message}}, status)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ControlError(400, "INVALID_JSON", f"Request body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ControlError(400, "INVALID_JSON", "Request body must be a JSON object.")
    return body


def _sim(request: Request) -> Simulator:
    sim: Simulator = request.app.state.sim
    return sim


def _shop(request: Request) -> Shop:
    shop = _sim(request).store.get(request.path_params["shop"])
    if shop is None:
        raise ControlError(
            404, "SHOP_NOT_FOUND", f"No shop {request.path_params['shop']!r}; create it first."
        )
    return shop


class ShopSpec(SeedSpec):
    """Body of ``POST /__sim/shops``."""

    shop: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,60}$")
    token: str = Field("", max_length=200, description="a legacy, never-expiring Admin token")
    plan: str = "standard"
    webhook_secret: str = ""
    client_id: str = ""
    client_secret: str = ""
    token_ttl: float = Field(24 * 3600.0, gt=0)
    currency: str = "USD"


def shop_summary(shop: Shop) -> dict[str, Any]:
    return {
        "shop": shop.handle,
        "domain": shop.domain,
        "id": shop.gid,
        "plan": shop.plan.name,
        "tokens": sorted(shop.tokens),
        "webhook_secret": shop.webhook_secret,
        "client_id": shop.client_id,
        "client_secret": shop.client_secret,
        "counts": {
            "products": len(shop.products),
            "variants": len(shop.variants),
            "customers": len(shop.customers),
            "locations": len(shop.locations),
            "orders": len(shop.orders),
        },
        "api_calls": shop.fault_counts["calls"],
        "faults_struck": {name: shop.fault_counts[name] for name in FAULT_KINDS},
    }


def create_shop(sim: Simulator, spec: ShopSpec) -> Shop:
    if spec.plan not in PLANS:
        raise ControlError(
            422, "INVALID_PLAN", f"Unknown plan {spec.plan!r}; use one of {', '.join(PLANS)}."
        )
    sim.store.delete(spec.shop)
    shop = sim.store.create_shop(
        spec.shop,
        plan=spec.plan,
        webhook_secret=spec.webhook_secret,
        client_id=spec.client_id,
        client_secret=spec.client_secret,
        token_ttl=spec.token_ttl,
        currency=spec.currency,
    )
    if spec.token:
        shop.add_token(spec.token, LEGACY_TOKEN_TTL)
    engine.schema()
    seed_shop(shop, spec)
    return shop


async def post_shop(request: Request) -> Response:
    try:
        spec = ShopSpec.model_validate(await _body(request))
    except ValidationError as exc:
        raise ControlError(422, "INVALID_SHOP", _explain(exc)) from exc
    shop = await asyncio.to_thread(create_shop, _sim(request), spec)
    return _json(shop_summary(shop), 201)


async def get_shop(request: Request) -> Response:
    return _json(shop_summary(_shop(request)))


async def delete_shop(request: Request) -> Response:
    if not _sim(request).store.delete(request.path_params["shop"]):
        raise ControlError(404, "SHOP_NOT_FOUND", "No such shop.")
    return Response(status_code=204)


async def put_faults(request: Request) -> Response:
    shop = _shop(request)
    try:
        shop.faults = Faults.model_validate(await _body(request))
    except ValidationError as exc:
        raise ControlError(422, "INVALID_FAULTS", _explain(exc)) from exc
    return _json(shop.faults.model_dump())


async def get_faults(request: Request) -> Response:
    return _json(_shop(request).faults.model_dump())


async def inspect(request: Request) -> Response:
    shop = _shop(request)
    kind = request.path_params["kind"]
    listing = INSPECTORS.get(kind)
    if listing is None:
        raise ControlError(
            404,
            "UNKNOWN_KIND",
            f"Cannot list {kind!r}; use one of {', '.join(sorted(INSPECTORS))}.",
        )
    with shop.lock:
        return _json(listing(shop))


async def get_file(request: Request) -> Response:
    shop = _shop(request)
    path = shop.files.get(request.path_params["name"])
    if path is None or not path.exists():
        raise ControlError(404, "FILE_NOT_FOUND", "No such file; it may have expired.")
    return FileResponse(path, media_type="application/jsonl")


def _explain(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
    )


def _action_endpoint(entry: MerchantAction) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        shop = _shop(request)
        sim = _sim(request)
        body = await _body(request)
        context = sim.context(shop.handle, "2026-07")
        params = {k: str(v) for k, v in request.path_params.items() if k != "shop"}

        def act() -> Any:
            with shop.lock:
                return entry.action(context, params, body)

        try:
            result = await asyncio.to_thread(act)
        except ValidationError as exc:
            raise ControlError(422, "INVALID_INPUT", _explain(exc)) from exc
        for topic, record in context.events:
            sim.dispatcher.publish(shop, topic, record)
        return _json(result)

    return endpoint


def _guard(handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        try:
            response: Response = await handler(request)
        except ControlError as exc:
            return _error(exc.status, exc.code, exc.message)
        return response

    return endpoint


def control_routes() -> list[BaseRoute]:
    engine.schema()
    routes: list[BaseRoute] = [
        Route("/shops", _guard(post_shop), methods=["POST"]),
        Route("/shops/{shop}", _guard(get_shop), methods=["GET"]),
        Route("/shops/{shop}", _guard(delete_shop), methods=["DELETE"]),
        Route("/shops/{shop}/faults", _guard(put_faults), methods=["PUT"]),
        Route("/shops/{shop}/faults", _guard(get_faults), methods=["GET"]),
        Route("/files/{shop}/{name}", _guard(get_file), methods=["GET"]),
    ]
    for entry in ACTIONS:
        routes.append(
            Route(
                # Record ids may be given whole (gid://shopify/Product/1) or as their number.
                f"/shops/{{shop}}{entry.path.replace('{id}', '{id:path}')}",
                _guard(_action_endpoint(entry)),
                methods=[entry.method],
            )
        )
    routes.append(Route("/shops/{shop}/{kind}", _guard(inspect), methods=["GET"]))
    return routes
