"""The integration center's gate, as ASGI middleware: who the session cookie belongs to, a CSRF
check on every state-changing request, and the security headers on every response.

CSRF: a signed-in session has its own token, sent back as the ``csrf_token`` form field or the
``X-CSRF-Token`` header (htmx sends the header). Before sign-in, the login form carries the
token of a cookie set with the form (double submit). Either way a request without the right
token is refused with 403 and never reaches a route.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request

from wholesync.hub.users import Viewer, viewer_for

from .page import render

if TYPE_CHECKING:
    from wholesync.runtime.service import Runtime

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

SESSION_COOKIE = "wholesync_session"
LOGIN_CSRF_COOKIE = "wholesync_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STATIC_PATH = "/static/"
# Settings imports are the largest forms; anything bigger is refused before it is parsed.
MAX_FORM_BYTES = 2_000_000

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
}


class Guard:
    """Resolves ``request.state.viewer``, checks CSRF and adds the security headers."""

    def __init__(self, app: App, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = _cookies(scope)
        # Assets are public and fetched with every page: no session lookup, no login cookie.
        asset = scope["method"] in SAFE_METHODS and scope["path"].startswith(STATIC_PATH)
        viewer = (
            None if asset else await run_in_threadpool(self._viewer, cookies.get(SESSION_COOKIE))
        )
        login_csrf = cookies.get(LOGIN_CSRF_COOKIE)
        fresh_login_csrf = login_csrf is None and not asset
        if login_csrf is None:
            login_csrf = secrets.token_urlsafe(32)
        state = scope.setdefault("state", {})
        state["viewer"], state["login_csrf"] = viewer, login_csrf
        secure = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("cache-control", "no-store")
                if fresh_login_csrf and viewer is None:
                    headers.append("set-cookie", _login_cookie(login_csrf, secure))
            await send(message)

        if scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send_with_headers)
            return
        body = await _read_body(receive)
        if body is None:
            await _refuse(scope, send_with_headers, 413, "FORM_TOO_LARGE", "The form is too large.")
            return
        replay = _replaying(body, receive)
        expected = viewer.csrf_token if viewer is not None else login_csrf
        sent = await _sent_token(scope, body)
        if (fresh_login_csrf and viewer is None) or not sent or not _same(sent, expected):
            await _refuse(
                scope,
                send_with_headers,
                403,
                "CSRF_FAILED",
                "The form was stale or did not come from this site. Reload the page and try again.",
            )
            return
        await self.app(scope, replay, send_with_headers)

    def _viewer(self, token: str | None) -> Viewer | None:
        # A database round trip: run from the thread pool, off the event loop.
        with self.runtime.sessions() as session:
            return viewer_for(session, token)


def _cookies(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is no cookie at all
                continue
    return {key: morsel.value for key, morsel in jar.items()}


def _login_cookie(token: str, secure: bool) -> str:
    flags = "; Secure" if secure else ""
    return f"{LOGIN_CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{flags}"


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None when it exceeds :data:`MAX_FORM_BYTES`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the buffered body to the route, then waits on the client."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _sent_token(scope: Scope, body: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == CSRF_HEADER.encode():
            return str(value.decode("latin-1"))
    request = Request(scope, _replaying(body, _no_more))
    try:
        form = await request.form()
    except Exception:  # an unreadable form carries no token
        return None
    token = form.get(CSRF_FIELD)
    await form.close()
    return token if isinstance(token, str) else None


async def _no_more() -> Message:
    return {"type": "http.disconnect"}


def _same(sent: str, expected: str) -> bool:
    return hmac.compare_digest(sent.encode(), expected.encode())


async def _refuse(scope: Scope, send: Send, status: int, code: str, message: str) -> None:
    request = Request(scope)
    response = render(
        request, "error.html", status, viewer=scope["state"]["viewer"], code=code, message=message
    )
    await response(scope, _no_more, send)
