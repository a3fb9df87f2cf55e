"""Errors as RFC 9457 problem details (``application/problem+json``), each with a code a
program can match and a message that tells a person how to fix the request."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus

import orjson
from starlette.requests import Request
from starlette.responses import Response

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, object] | None = None,
) -> Response:
    """A problem response; ``extra`` adds members (RFC 9457 extensions)."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": detail,
        **(extra or {}),
    }
    return Response(orjson.dumps(body), status, headers=headers, media_type=PROBLEM_JSON)


async def unexpected(request: Request, exc: Exception) -> Response:
    """The answer to an unforeseen error: logged, and 503 rather than 500, because nothing
    half-done is kept and the same request may be sent again (Shopify retries a webhook)."""
    log.error("unexpected error on %s", request.url.path, exc_info=exc)
    return problem(
        503,
        "INTERNAL_ERROR",
        "The request could not be handled; it is safe to send it again. The server log has "
        "the details.",
    )
