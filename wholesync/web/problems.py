"""Errors as RFC 9457 problem details (``application/problem+json``), each with a code a
program can match and a message that tells a person how to fix the request."""

from __future__ import annotations

from http import HTTPStatus

import orjson
from starlette.responses import Response

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int, code: str, detail: str, *, headers: dict[str, str] | None = None
) -> Response:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": detail,
    }
    return Response(orjson.dumps(body), status, headers=headers, media_type=PROBLEM_JSON)
