"""The REST API, ``/api/v1``: a FastAPI application of its own, mounted in the web app.

Every route needs an API key and sees only its tenant's rows; errors are problem+json; the
OpenAPI document is at ``/api/v1/openapi.json`` and the interactive docs at ``/api/v1/docs``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI

from . import (
    catalog,
    customer_writes,
    customers,
    erp,
    errors,
    inventory,
    openapi,
    order_actions,
    orders,
    runs,
    shipments,
)

if TYPE_CHECKING:
    from wholesync.runtime.service import Runtime

PREFIX = "/api/v1"
DESCRIPTION = """Wholesync's hub over HTTP: wholesale orders (create, edit, move through their
lifecycle, export to Shopify), the ERP hand-off, and the catalog, customers, stock and sync
runs as Shopify brought them in.

Authenticate with an API key from `wholesync apikeys create --tenant NAME`, sent as
`Authorization: Bearer wsk_...` (or `X-API-Key`). A key sees its own tenant only: another
tenant's resource is 404. Lists are pages in id order: pass `next_cursor` back as `?cursor=`.
Errors are `application/problem+json` with a stable `code` and a `detail` that says how to
fix the request."""


def create_api(runtime: Runtime) -> FastAPI:
    """The API application; mount it at :data:`PREFIX`."""
    api = FastAPI(
        title="Wholesync REST API",
        version="1",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        servers=[{"url": PREFIX}],
        responses=errors.problems(401, 422, 503),
        # Operation ids are the route functions' names: list_orders, create_order, ...
        generate_unique_id_function=lambda route: route.name,
    )
    api.state.runtime = runtime
    for module in (
        orders,
        order_actions,
        erp,
        catalog,
        customers,
        customer_writes,
        inventory,
        runs,
        shipments,
    ):
        api.include_router(module.router)
    errors.install(api)
    openapi.install(api)
    return api
