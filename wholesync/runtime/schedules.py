"""Schedules as data: each tenant's flows run on the cron expressions in its settings.

``tick`` is called every minute by every scheduler (one per `serve`, or `worker --scheduler`).
The next due time of each (tenant, flow) is kept in ``schedule_state``; a due schedule is
advanced by a compare-and-set on that time, and only the ticker whose update won requests the
run, so a due run is requested once however many schedulers tick. Cron times are UTC. A
schedule missed while no scheduler ran fires once, not once per missed time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from wholesync.hub.models import Tenant
from wholesync.runtime.leases import dialect_insert
from wholesync.runtime.models import ScheduleState
from wholesync.sync.cron import CronError, next_time, parse_cron
from wholesync.sync.registry import FLOWS
from wholesync.sync.settings import FlowName
from wholesync.sync.tenants import TenantError, tenant_settings

log = logging.getLogger(__name__)


def tick(
    sessions: sessionmaker[Session], now: datetime, request: Callable[[int, str], object]
) -> list[tuple[int, str]]:
    """Request the runs due at ``now`` with ``request(tenant_id, flow)``; return them."""
    with sessions() as session:
        tenants = session.scalars(select(Tenant).where(Tenant.enabled.is_(True))).all()
    requested: list[tuple[int, str]] = []
    for tenant in tenants:
        try:
            settings = tenant_settings(tenant)
        except TenantError as exc:
            log.warning("not scheduling tenant %s: %s", tenant.name, exc.message)
            continue
        for name in FLOWS:
            flow: FlowName = FLOWS[name].name
            if not settings.flow_active(flow):
                continue
            cron: str = getattr(settings.flows, flow).schedule
            if _advance(sessions, tenant.id, flow, cron, now):
                request(tenant.id, flow)
                requested.append((tenant.id, flow))
    return requested


def _advance(
    sessions: sessionmaker[Session], tenant_id: int, flow: str, cron: str, now: datetime
) -> bool:
    """Whether (tenant, flow) is due at ``now`` and this caller moved it to its next time."""
    try:
        following = next_time(parse_cron(cron), now)
    except CronError as exc:
        log.warning("schedule %r of tenant %s, %s never runs: %s", cron, tenant_id, flow, exc)
        return False
    with sessions() as session:
        state = session.get(ScheduleState, (tenant_id, flow))
    if state is None:
        _create(sessions, tenant_id, flow, cron, following)
        return False
    if state.cron != cron:
        # A changed schedule counts from now: the old due time belongs to the old expression.
        _compare_and_set(sessions, state, cron=cron, next_due_at=following)
        return False
    if state.next_due_at > now:
        return False
    return _compare_and_set(sessions, state, next_due_at=following)


def _create(
    sessions: sessionmaker[Session], tenant_id: int, flow: str, cron: str, due: datetime
) -> None:
    with sessions.begin() as session:
        session.execute(
            dialect_insert(session)(ScheduleState)
            .values(tenant_id=tenant_id, flow=flow, cron=cron, next_due_at=due)
            .on_conflict_do_nothing(index_elements=["tenant_id", "flow"])
        )


def _compare_and_set(sessions: sessionmaker[Session], seen: ScheduleState, **values: Any) -> bool:
    """Update the state only if it is still as ``seen``; whether this call changed it."""
    with sessions.begin() as session:
        changed = session.execute(
            update(ScheduleState)
            .where(
                ScheduleState.tenant_id == seen.tenant_id,
                ScheduleState.flow == seen.flow,
                ScheduleState.cron == seen.cron,
                ScheduleState.next_due_at == seen.next_due_at,
            )
            .values(**values)
            .returning(ScheduleState.flow)
        ).first()
    return changed is not None
