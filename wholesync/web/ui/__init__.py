"""The integration center: server-rendered pages (Jinja2 and htmx) for a brand's operations
team, mounted at the web app's root.

Every page needs a signed-in user (:mod:`.auth`) and sees that user's tenant only; every
state-changing request carries the session's CSRF token (:mod:`.guard`). Page modules each
export a ``router``; :data:`PAGES` lists them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from . import (
    auth,
    catalog,
    customers,
    dashboard,
    inbox,
    inventory,
    jobs,
    order_entry,
    orders,
    previews,
    records,
    run_progress,
    runs,
    settings_mail,
    settings_pages,
    settings_transfer,
)
from .guard import STATIC_PATH, Guard
from .page import LoginRequired, PageError, render
from .templating import TEMPLATES

if TYPE_CHECKING:
    from wholesync.runtime.service import Runtime

log = logging.getLogger(__name__)
STATIC = TEMPLATES.parent / "static"
PAGES = [
    auth,
    dashboard,
    runs,
    run_progress,
    records,
    previews,
    jobs,
    orders,
    order_entry,
    settings_pages,
    settings_mail,
    settings_transfer,
    catalog,
    customers,
    inventory,
    inbox,
]


def create_ui(runtime: Runtime) -> FastAPI:
    """The integration center application; mount it at ``/`` after every other route."""
    ui = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    ui.state.runtime = runtime
    for module in PAGES:
        ui.include_router(module.router)
    ui.mount(STATIC_PATH.rstrip("/"), StaticFiles(directory=STATIC), name="static")
    ui.add_exception_handler(PageError, _page_error)
    ui.add_exception_handler(LoginRequired, _login_required)
    ui.add_exception_handler(HTTPException, _http_error)
    ui.add_exception_handler(RequestValidationError, _invalid)
    ui.add_exception_handler(Exception, _unexpected)
    ui.add_middleware(Guard, runtime=runtime)
    return ui


def _error(request: Request, status: int, code: str, message: str) -> Response:
    return render(
        request, "error.html", status, viewer=request.state.viewer, code=code, message=message
    )


async def _page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    return _error(request, exc.status, exc.code, exc.message)


async def _login_required(request: Request, _exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = f"/login?next={quote(target)}"
    if request.headers.get("hx-request"):
        return Response(status_code=401, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return _error(request, 404, "NOT_FOUND", "There is no such page. Use the menu above.")
    if exc.status_code == 405:
        return _error(request, 405, "METHOD_NOT_ALLOWED", "Use the page's buttons and forms.")
    return _error(request, exc.status_code, "HTTP_ERROR", str(exc.detail))


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in error['loc'][1:]) or 'request'}: {error['msg']}"
        for error in exc.errors()
    )
    return _error(request, 422, "INVALID_INPUT", f"{problems}. Correct the form and send it again.")


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("integration center page %s failed", request.url.path, exc_info=exc)
    return _error(
        request,
        500,
        "UNEXPECTED_ERROR",
        "Something went wrong on our side; nothing was changed. Try again, and if it persists "
        "report it with the time it happened.",
    )
