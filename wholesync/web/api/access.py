"""Who is calling: the API key (``Authorization: Bearer`` or ``X-API-Key``) names the tenant,
and every query a route makes is scoped to it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, TypeVar

from fastapi import Depends
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.requests import Request

from wholesync.hub.apikeys import Caller, authenticate
from wholesync.hub.models import Tenant
from wholesync.hub.models.base import TenantMixin
from wholesync.sync.settings import TenantSettings
from wholesync.sync.tenants import tenant_settings

from .errors import not_found

if TYPE_CHECKING:
    from wholesync.runtime.service import Runtime

Owned = TypeVar("Owned", bound=TenantMixin)
_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="wsk_<prefix>_<secret>",
    description="An API key from `wholesync apikeys create --tenant NAME`.",
)
_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="The same API key, for clients without Bearer."
)


@dataclass(frozen=True)
class Api:
    """A request's tenant and the runtime to reach the database and the queue through."""

    runtime: Runtime
    caller: Caller

    @property
    def tenant_id(self) -> int:
        return self.caller.tenant_id

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self.runtime.sessions() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """One transaction, committed when the block ends and rolled back on an error. It
        takes SQLite's write lock at the start: a reader turned writer fails at once with
        "database is locked" while a worker writes."""
        with self.runtime.run_sessions.begin() as session:
            yield session

    def owned(self, session: Session, model: type[Owned], id_: int, what: str) -> Owned:
        """The tenant's row of ``model``; another tenant's is not found either."""
        row = session.get(model, id_)
        if row is None or row.tenant_id != self.tenant_id:
            raise not_found(what, id_)
        return row

    def settings(self, session: Session) -> TenantSettings:
        return tenant_settings(session.get_one(Tenant, self.tenant_id))


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
