"""Schedules as data: the tick requests each due (tenant, flow) once, with an injected clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from tests.runtime.conftest import Hub
from wholesync.runtime.models import ScheduleState
from wholesync.runtime.schedules import tick
from wholesync.sync.cron import CronError, next_time, parse_cron
from wholesync.sync.registry import FLOWS
from wholesync.sync.settings import TenantSettings
from wholesync.sync.tenants import get_tenant, set_setting

# The flows a tenant's default settings run (not customers_export, nor stock_export while
# Shopify is the stock master).
DEFAULT_FLOWS = [flow for flow in FLOWS if TenantSettings().flow_active(FLOWS[flow].name)]


def at(hour: int, minute: int, second: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


class Requests:
    def __init__(self) -> None:
        self.made: list[tuple[int, str]] = []
        self.lock = threading.Lock()

    def __call__(self, tenant_id: int, flow: str) -> None:
        with self.lock:
            self.made.append((tenant_id, flow))

    def take(self) -> list[tuple[int, str]]:
        made, self.made = self.made, []
        return sorted(made)


def configure(hub: Hub, tenant: str, key: str, value: str) -> None:
    with hub.sessions.begin() as session:
        set_setting(session, tenant, key, value)


def test_hourly_by_default(hub: Hub) -> None:
    brand = hub.add_tenant("brand")
    requests = Requests()
    # The first tick only learns when the schedules are next due.
    assert tick(hub.sessions, at(10, 7), requests) == []
    with hub.sessions() as session:
        state = session.get_one(ScheduleState, (brand, "products"))
        assert (state.cron, state.next_due_at) == ("0 * * * *", at(11, 0))
    tick(hub.sessions, at(10, 59, 59), requests)
    assert requests.take() == []
    tick(hub.sessions, at(11, 0, 20), requests)
    assert requests.take() == sorted((brand, flow) for flow in DEFAULT_FLOWS)
    tick(hub.sessions, at(11, 1), requests)
    assert requests.take() == []
    tick(hub.sessions, at(12, 0), requests)
    assert len(requests.take()) == len(DEFAULT_FLOWS)


def test_every_five_minutes(hub: Hub) -> None:
    brand = hub.add_tenant("brand")
    configure(hub, "brand", "flows.products.schedule", "*/5 * * * *")
    requests = Requests()
    tick(hub.sessions, at(10, 7), requests)
    seen = []
    minute = at(10, 8)
    while minute <= at(10, 31):
        tick(hub.sessions, minute, requests)
        seen += [(minute.minute, *request) for request in requests.take()]
        minute += timedelta(minutes=1)
    assert seen == [(m, brand, "products") for m in (10, 15, 20, 25, 30)]


def test_a_missed_schedule_fires_once(hub: Hub) -> None:
    hub.add_tenant("brand")
    requests = Requests()
    tick(hub.sessions, at(10, 7), requests)
    tick(hub.sessions, at(14, 30), requests)  # no scheduler ran for hours
    assert len(requests.take()) == len(DEFAULT_FLOWS)
    tick(hub.sessions, at(14, 31), requests)
    assert requests.take() == []


def test_a_changed_schedule_is_recomputed(hub: Hub) -> None:
    brand = hub.add_tenant("brand")
    requests = Requests()
    tick(hub.sessions, at(10, 7), requests)
    configure(hub, "brand", "flows.customers.schedule", "30 * * * *")
    tick(hub.sessions, at(10, 20), requests)
    assert requests.take() == []
    with hub.sessions() as session:
        state = session.get_one(ScheduleState, (brand, "customers"))
        assert (state.cron, state.next_due_at) == ("30 * * * *", at(10, 30))
    tick(hub.sessions, at(10, 30), requests)
    assert requests.take() == [(brand, "customers")]


def test_disabled_tenants_and_inactive_flows_are_not_scheduled(hub: Hub) -> None:
    on = hub.add_tenant("on")
    hub.add_tenant("off")
    configure(hub, "on", "flows.customers.enabled", "false")
    configure(hub, "on", "stock_master", "hub")  # inventory then flows the other way
    with hub.sessions.begin() as session:
        get_tenant(session, "off").enabled = False
    requests = Requests()
    tick(hub.sessions, at(10, 7), requests)
    tick(hub.sessions, at(11, 0), requests)
    settings = TenantSettings().set_path("stock_master", "hub")
    expected = [f for f in FLOWS if settings.flow_active(FLOWS[f].name) and f != "customers"]
    assert "stock_export" in expected and "inventory" not in expected
    assert requests.take() == sorted((on, flow) for flow in expected)


def test_two_tickers_at_once_request_each_run_once(hub: Hub) -> None:
    tenants = [hub.add_tenant(f"t{i}") for i in range(3)]
    requests = Requests()
    tick(hub.sessions, at(10, 7), requests)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def ticker() -> None:
        start.wait()
        try:
            tick(hub.sessions, at(11, 0), requests)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ticker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert requests.take() == sorted((t, flow) for t in tenants for flow in DEFAULT_FLOWS)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("0 * * * *", at(10, 0), at(11, 0)),
        ("*/5 * * * *", at(10, 7, 30), at(10, 10)),
        ("30 2 * * *", at(10, 7), at(2, 30, day=3)),
        ("0 9 * * MON", at(10, 7), at(9, 0, day=9)),  # 2 March 2026 is a Monday
        ("0 0 13 * 5", at(10, 7), at(0, 0, day=6)),  # day 13 or a Friday, as cron does
        ("0 0 29 2 *", at(10, 7), datetime(2028, 2, 29, tzinfo=UTC)),
    ],
)
def test_next_time(expression: str, after: datetime, expected: datetime) -> None:
    assert next_time(parse_cron(expression), after) == expected


def test_a_date_that_never_comes_is_an_error() -> None:
    with pytest.raises(CronError, match="names no date"):
        next_time(parse_cron("0 0 30 2 *"), at(10, 7))
