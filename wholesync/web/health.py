"""Liveness and readiness for load balancers and orchestrators.

``/healthz``: the process serves requests. ``/readyz``: it can also do its work, that is reach
the hub database and the job queue; otherwise 503 names what is down.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

if TYPE_CHECKING:
    from wholesync.runtime.service import Runtime


async def healthz() -> dict[str, str]:
    """The process is up and serving."""
    return {"status": "ok"}


def readyz(request: Request) -> JSONResponse:
    """200 when the database and the queue answer; 503 with the failing part otherwise."""
    runtime: Runtime = request.app.state.runtime
    checks = {"database": _database(runtime), "queue": _queue(runtime)}
    ready = all(result == "ok" for result in checks.values())
    body = {"status": "ready" if ready else "unavailable", **checks}
    return JSONResponse(body, status_code=200 if ready else 503)


def _database(runtime: Runtime) -> str:
    try:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means not ready; the message says which
        return f"unreachable: {type(exc).__name__}"
    return "ok"


def _queue(runtime: Runtime) -> str:
    try:
        runtime.huey.pending_count()
    except Exception as exc:  # Redis down, SQLite queue file unreadable, ...
        return f"unreachable: {type(exc).__name__}"
    return "ok"
