"""The dashboard over HTTP: every flow with its last run, counts, errors and next scheduled
time (or why it is off), a run in progress, and the charts of the last days' runs."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.web.ui.conftest import ADMIN, OPERATOR, UiHub
from tests.web.ui.test_runs import add_run
from wholesync.hub.models import Tenant
from wholesync.hub.models.types import utcnow
from wholesync.runtime.models import ScheduleState
from wholesync.sync.registry import FLOWS
from wholesync.sync.tenants import set_setting


def row(html: str, flow: str) -> str:
    found = re.search(rf'<tr id="flow-{flow}">(.*?)</tr>', html, re.S)
    assert found, f"no row for {flow}"
    return found.group(1)


def test_every_flow_shows_its_last_run_and_next_time(ui: UiHub) -> None:
    run = add_run(ui, flow="customers", status="partial", counts={"created": 5, "rejected": 2})
    add_run(ui, flow="customers", status="succeeded", preview=True)  # previews are not "last"
    due = utcnow().replace(microsecond=0) + timedelta(minutes=17)
    with ui.runtime.sessions.begin() as session:
        session.add(
            ScheduleState(tenant_id=ui.acme.id, flow="customers", cron="0 * * * *", next_due_at=due)
        )
    html = ui.client(OPERATOR).get("/dashboard").text
    for flow in FLOWS:
        assert f'<tr id="flow-{flow}">' in html
    customers = row(html, "customers")
    assert f'href="/runs/{run}"' in customers and "partial" in customers
    assert "created <strong>5</strong>" in customers
    assert f'href="/runs/{run}?action=reject">2</a>' in customers
    assert due.strftime("%Y-%m-%d %H:%M:%S UTC") in customers and "0 * * * *" in customers
    products = row(html, "products")
    assert f'href="/runs/{ui.acme.ids["run"]}"' in products
    # With no schedule state yet, the next time comes from the cron expression.
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:00:00 UTC", products)
    assert "never" in row(html, "orders_import")


def test_flows_that_do_not_run_say_why_and_cannot_be_started(ui: UiHub) -> None:
    html = ui.client(ADMIN).get("/dashboard").text
    stock = row(html, "stock_export")
    assert "off: Shopify is the stock master" in stock and "disabled>Run now" in stock
    assert "off: the flow is disabled (flows.customers_export.enabled = false)" in row(
        html, "customers_export"
    )
    with ui.runtime.sessions.begin() as session:
        set_setting(session, "acme", "stock_master", "hub")
    html = ui.client(ADMIN).get("/dashboard").text
    assert "off: the hub is the stock master" in row(html, "inventory")
    assert "off:" not in row(html, "stock_export")
    with ui.runtime.sessions.begin() as session:
        tenant = session.get_one(Tenant, ui.acme.id)
        tenant.enabled, tenant.disabled_reason = False, "The app was uninstalled."
    html = ui.client(ADMIN).get("/dashboard").text
    assert "No flow runs:" in html and "is disabled" in html
    assert "disabled>Run now" in row(html, "products")


def test_a_requested_run_shows_as_queued(ui: UiHub) -> None:
    job = ui.runtime.request_run(ui.acme.id, "inventory")
    html = ui.client(ADMIN).get("/dashboard").text
    inventory = row(html, "inventory")
    assert "queued" in inventory and f'href="/jobs?id={job.id}"' in inventory


def test_charts_show_records_errors_and_api_cost_per_day(ui: UiHub) -> None:
    add_run(ui, counts={"created": 7, "updated": 3, "rejected": 4}, api_cost=1234.0)
    add_run(ui, counts={"created": 900}, api_cost=99.0, preview=True)  # not counted
    html = ui.client(ADMIN).get("/dashboard").text
    today = utcnow().date().isoformat()
    assert html.count('<svg class="chart"') == 2
    # The seeded run created nothing under the keys counted, so today's totals are these.
    assert f"<title>{today}: 10 synced</title>" in html
    assert f"<title>{today}: 4 rejected</title>" in html
    assert f"<title>{today}: 1,234 cost points</title>" in html
    assert 'class="bar-error"' in html and 'class="bar-cost"' in html
