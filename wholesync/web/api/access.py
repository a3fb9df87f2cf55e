"""Who is calling: the API key (``Authorization: Bearer`` or ``X-API-Key``) names the tenant,
and every query a route makes is scoped to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import Request

from wholesync.hub.apikeys import Caller, authenticate
from wholesync.web.scope import TenantScope

from .errors import not_found

if TYPE_CHECKING:
    from wholesync.runtime.service import Runtime

_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="wsk_<prefix>_<secret>",
    description="An API key from `wholesync apikeys create --tenant NAME`.",
)
_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="The same API key, for clients without Bearer."
)


@dataclass(frozen=True)
class Api(TenantScope):
    """A request's tenant and the runtime to reach the database and the queue through."""

    runtime: Runtime
    caller: Caller

    @property
    def tenant_id(self) -> int:
        return self.caller.tenant_id

    def missing(self, what: str, id_: int) -> Exception:
        return not_found(what, id_)


def _authenticated(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header: Annotated[str | None, Depends(_header)],
) -> Api:
    runtime: Runtime = request.app.state.runtime
    key = bearer.credentials if bearer is not None else header
    with runtime.sessions.begin() as session:
        caller = authenticate(session, key)
    return Api(runtime, caller)


ApiContext = Annotated[Api, Depends(_authenticated)]
