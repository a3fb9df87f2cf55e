"""One request's reach into the hub, shared by the REST API and the integration center:
database sessions, and rows of the request's tenant only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.orm import Session

from wholesync.hub.models import Tenant
from wholesync.hub.models.base import TenantMixin
from wholesync.sync.settings import TenantSettings
from wholesync.sync.tenants import tenant_settings

if TYPE_CHECKING:
    from wholesync.runtime.service import Runtime

Owned = TypeVar("Owned", bound=TenantMixin)


class TenantScope:
    """Subclasses name the runtime, the tenant, and the error a missing row raises."""

    runtime: Runtime

    @property
    def tenant_id(self) -> int:
        raise NotImplementedError

    def missing(self, what: str, id_: int) -> Exception:
        """The error for a row that does not exist or belongs to another tenant."""
        raise NotImplementedError

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
            raise self.missing(what, id_)
        return row

    def tenant(self, session: Session) -> Tenant:
        return session.get_one(Tenant, self.tenant_id)

    def settings(self, session: Session) -> TenantSettings:
        return tenant_settings(self.tenant(session))
