"""Sign-in and sign-out. Failed sign-ins are counted per e-mail and per client address, and
past the limit the form is refused for a while (429)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from wholesync.hub import users
from wholesync.hub.models.types import utcnow

from .guard import SESSION_COOKIE
from .page import SignedIn, render

router = APIRouter()
HOME = "/dashboard"


@router.get("/", include_in_schema=False)
def home() -> RedirectResponse:
    return RedirectResponse(HOME, status_code=303)


@router.get("/login")
def login_form(request: Request, next: str = HOME) -> Response:
    if request.state.viewer is not None:
        return RedirectResponse(_local(next), status_code=303)
    return render(request, "login.html", next=_local(next))


@router.post("/login")
def login(
    request: Request,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2048)] = HOME,
) -> Response:
    runtime = request.app.state.runtime
    address = request.client.host if request.client else "unknown"
    now = utcnow()
    with runtime.run_sessions.begin() as session:
        if not users.login_allowed(session, email, address, now):
            return render(
                request,
                "login.html",
                429,
                next=_local(next),
                email=email,
                error=(
                    "LOGIN_RATE_LIMITED: too many failed sign-ins for this e-mail or address. "
                    f"Wait {int(users.FAILURE_WINDOW.total_seconds() // 60)} minutes, or ask an "
                    "admin to reset the password (`wholesync users set-password`)."
                ),
            )
        user = users.authenticate(session, email, password, address, now)
        token = users.open_session(session, user, now) if user is not None else None
    if token is None:
        return render(
            request,
            "login.html",
            401,
            next=_local(next),
            email=email,
            error="LOGIN_FAILED: wrong e-mail or password. Check both and try again.",
        )
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(users.SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout(page: SignedIn) -> Response:
    with page.writing() as session:
        users.close_session(session, page.request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _local(target: str) -> str:
    """Only a path of this site: an open redirect to another host is never followed."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return HOME
    return target
