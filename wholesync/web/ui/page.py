"""What every integration center page gets: the runtime, the signed-in viewer, database
sessions scoped to the viewer's tenant, and rendering.

A route takes ``page: Page`` (any signed-in user) or ``page: AdminPage`` (admins only). A row
of another tenant is 404, like a row that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

from fastapi import Depends
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from wholesync.hub.users import Viewer
from wholesync.web.scope import TenantScope

from .templating import templates

if TYPE_CHECKING:
    from wholesync.runtime.service import Runtime


class PageError(Exception):
    """Shown to the user as an error page with a code and how to fix it."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message = status, code, message


class LoginRequired(Exception):
    """No valid session: the browser is sent to the sign-in page."""


def not_found(what: str, id_: object) -> PageError:
    return PageError(404, "NOT_FOUND", f"No {what} {id_} here. It may belong to another brand.")


@dataclass(frozen=True)
class Page(TenantScope):
    """One request of a signed-in user."""

    request: Request
    runtime: Runtime
    viewer: Viewer

    @property
    def tenant_id(self) -> int:
        return self.viewer.tenant_id

    def missing(self, what: str, id_: int) -> Exception:
        return not_found(what, id_)

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """Render ``template`` with ``viewer``, ``csrf_token`` and ``request`` in its context."""
        return render(self.request, template, status_code, viewer=self.viewer, **context)

    def redirect(self, url: str, *, notice: str | None = None) -> RedirectResponse:
        """303 to ``url`` (a path of this site), with an optional one-line notice shown there."""
        if notice:
            url += ("&" if "?" in url else "?") + "notice=" + quote(notice)
        return RedirectResponse(url, status_code=303)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    viewer: Viewer | None = context.get("viewer")
    context.setdefault("csrf_token", viewer.csrf_token if viewer else request.state.login_csrf)
    context.setdefault("notice", request.query_params.get("notice"))
    response: HTMLResponse = templates.TemplateResponse(
        request, template, context, status_code=status_code
    )
    return response


def _page(request: Request) -> Page:
    viewer: Viewer | None = request.state.viewer
    if viewer is None:
        raise LoginRequired()
    return Page(request, request.app.state.runtime, viewer)


def _admin_page(page: Annotated[Page, Depends(_page)]) -> Page:
    if not page.viewer.is_admin:
        raise PageError(
            403, "ADMIN_ONLY", "Only an admin can open this page. Ask an admin of your brand."
        )
    return page


SignedIn = Annotated[Page, Depends(_page)]
Admin = Annotated[Page, Depends(_admin_page)]
