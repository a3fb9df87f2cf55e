"""Errors of the REST API, all as ``application/problem+json``: the hub's rule errors, bad
keys, FastAPI's validation errors, unknown routes and methods, and anything unexpected."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from wholesync.hub import apikeys, customer_entry, orders, shipments
from wholesync.hub.errors import HubError
from wholesync.sync import order_actions
from wholesync.sync.tenants import TenantError
from wholesync.web.problems import problem, unexpected

INVALID_CURSOR = "INVALID_CURSOR"
MALFORMED_JSON = "MALFORMED_JSON"
INVALID_REQUEST = "INVALID_REQUEST"
EXPORT_UNAVAILABLE = "EXPORT_UNAVAILABLE"

# Hub codes that are not plain invalid input (422).
STATUS_OF = {
    apikeys.API_KEY_MISSING: 401,
    apikeys.API_KEY_INVALID: 401,
    apikeys.API_KEY_REVOKED: 401,
    orders.ORDER_NOT_FOUND: 404,
    orders.INVALID_TRANSITION: 409,
    orders.ORDER_CLOSED: 409,
    orders.CONFIRMATION_REQUIRED: 409,
    orders.NOT_EXPORTED: 409,
    shipments.ORDER_NOT_EXPORTED: 409,
    shipments.SHIPMENT_CONFLICT: 409,
    shipments.SHIPMENT_NOT_FOUND: 404,
    orders.NOT_EXPORTABLE: 409,
    orders.ALREADY_EXPORTED: 409,
    customer_entry.CUSTOMER_CODE_TAKEN: 409,
    order_actions.FLOW_DISABLED: 409,
}


class ApiError(Exception):
    """A refusal of the API itself (not a hub rule): status, code and how to fix it."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


def not_found(what: str, id_: int) -> ApiError:
    """404 for a missing row and for another tenant's row alike, so neither leaks."""
    return ApiError(
        404,
        f"{what.upper()}_NOT_FOUND",
        f"No {what} with id {id_}. Check the id; list them with GET /{what}s.",
    )


class FieldError(BaseModel):
    field: str = Field(description="Where: body.lines.0.quantity, query.limit, ...")
    message: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details; ``code`` is stable for programs, ``detail`` says the fix."""

    type: str = "about:blank"
    title: str
    status: int
    code: str
    detail: str
    errors: list[FieldError] | None = Field(
        None, description="Each invalid field, on validation errors."
    )


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` with problem+json."""
    app.add_exception_handler(HubError, _hub_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(TenantError, _tenant_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


async def _hub_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HubError)
    status = STATUS_OF.get(exc.code, 422)
    headers = {"WWW-Authenticate": 'Bearer realm="wholesync"'} if status == 401 else None
    return problem(status, exc.code, f"{exc.message} {exc.fix}", headers=headers)


async def _api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return problem(exc.status, exc.code, exc.detail)


async def _tenant_error(_request: Request, exc: Exception) -> Response:
    # The tenant's stored setup is broken: nothing the caller can fix, so not a 4xx.
    assert isinstance(exc, TenantError)
    return problem(503, exc.code, f"{exc.message} Until then, ask the operator of Wholesync.")


async def _invalid(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    found = [
        FieldError(
            field=".".join(str(part) for part in error.get("loc", ())),
            message=str(error.get("msg", "invalid")),
            type=str(error.get("type", "invalid")),
        )
        for error in exc.errors()
    ]
    if any(error.type == "json_invalid" for error in found):
        return problem(
            400,
            MALFORMED_JSON,
            "The body is not valid JSON. Send a JSON object with Content-Type: application/json.",
        )
    listed = "; ".join(f"{error.field}: {error.message}" for error in found[:5])
    more = f" (and {len(found) - 5} more)" if len(found) > 5 else ""
    return problem(
        422,
        INVALID_REQUEST,
        f"{listed}{more}. Fix these fields (see errors) and send the request again.",
        extra={"errors": [error.model_dump() for error in found]},
    )


async def http_error(request: Request, exc: Exception) -> Response:
    """Routing errors: an unknown path or a method the path does not serve."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return problem(
            404,
            "NOT_FOUND",
            f"Nothing is served at {request.url.path}. The REST API lives under /api/v1; its "
            "routes are listed in /api/v1/openapi.json.",
        )
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        return problem(
            405,
            "METHOD_NOT_ALLOWED",
            f"{request.method} is not served at {request.url.path}; use {allowed or 'another'}.",
            headers=exc.headers,
        )
    return problem(exc.status_code, f"HTTP_{exc.status_code}", str(exc.detail), headers=exc.headers)


_MEANING = {
    400: "Malformed JSON, or a cursor not made by this list.",
    401: "No API key, or one that is invalid or revoked.",
    404: "No such resource for this tenant (another tenant's is not found either).",
    409: "The request conflicts with the resource's state; detail says what to do.",
    422: "Invalid input; errors lists each field, detail says how to fix it.",
    503: "The request could not be handled now; it is safe to send it again.",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI declarations of problem responses (served as application/problem+json)."""
    return {status: {"model": Problem, "description": _MEANING[status]} for status in statuses}
