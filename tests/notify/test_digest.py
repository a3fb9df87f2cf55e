"""The daily digest: its content from real run records, and once a day at the tenant's hour."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.notify.conftest import Hub, SmtpServer, body
from wholesync.hub.models import DigestState
from wholesync.notify.notifier import Notifier
from wholesync.sync.runs import Outcome, RunRecorder
from wholesync.sync.tenants import set_setting


def record_run(
    hub: Hub, tenant_id: int, flow: str, outcomes: list[Outcome], error: str | None = None
) -> None:
    """A run written the way flows write theirs, started at the hub's clock."""
    with hub.sessions() as session:
        recorder = RunRecorder(
            session, tenant_id, "acme", flow, preview=False, full=False, now=hub.clock
        )
        for outcome in outcomes:
            recorder.add(outcome)
        recorder.finish(api_cost=1.0, error=error)


def reject(code: str, key: str) -> Outcome:
    return Outcome("order", "reject", key=key, code=code, message=f"{key}: fix {code} like so")


def test_the_digest_counts_runs_and_names_the_top_errors(
    hub: Hub, smtp: SmtpServer, notifier: Notifier
) -> None:
    tenant = hub.tenant("acme", "ops@acme.example")
    hub.clock.advance(-25 * 3600)
    record_run(hub, tenant, "products", [Outcome("product", "create")] * 9)  # too old
    hub.clock.advance(2 * 3600)
    record_run(hub, tenant, "products", [Outcome("product", "create")] * 3)
    record_run(
        hub,
        tenant,
        "products",
        [Outcome("product", "update"), Outcome("product", "archive"), Outcome("product", "update")],
    )
    record_run(hub, tenant, "products", [], error="SHOPIFY_UNAVAILABLE: 503 five times")
    record_run(
        hub,
        tenant,
        "orders_export",
        [
            Outcome("order", "create"),
            reject("CUSTOMER_NOT_FOUND", "WO-1"),
            reject("CUSTOMER_NOT_FOUND", "WO-2"),
            reject("VARIANT_NOT_FOUND", "WO-3"),
        ],
    )
    with hub.sessions() as session:  # a preview changes nothing, so it is left out
        preview = RunRecorder(
            session, tenant, "acme", "orders_export", preview=True, full=False, now=hub.clock
        )
        preview.add(reject("INSUFFICIENT_INVENTORY", "WO-9"))
        preview.finish(api_cost=0)
    hub.clock.advance(23 * 3600)

    email = notifier.digest_now("acme")

    assert email.subject == (
        "[Wholesync acme] Daily digest 2026-12-03: 4 runs, 1 failed, 3 records rejected"
    )
    text = body(smtp.inbox.messages[0], "plain")
    assert (
        "orders_export: 1 run(s), 0 succeeded, 1 with rejected records, 0 failed\n"
        "  created 1, updated 0, archived 0, rejected 3\n"
        "  CUSTOMER_NOT_FOUND (2): WO-1: fix CUSTOMER_NOT_FOUND like so\n"
        "  VARIANT_NOT_FOUND (1): WO-3: fix VARIANT_NOT_FOUND like so\n"
    ) in text
    assert (
        "products: 3 run(s), 2 succeeded, 0 with rejected records, 1 failed\n"
        "  created 3, updated 2, archived 1, rejected 0\n"
        "  SHOPIFY_UNAVAILABLE (1): SHOPIFY_UNAVAILABLE: 503 five times\n"
    ) in text
    assert "INSUFFICIENT_INVENTORY" not in text
    html = body(smtp.inbox.messages[0], "html")
    assert "<strong>CUSTOMER_NOT_FOUND</strong> (2)" in html


def test_an_idle_day_says_nothing_ran(hub: Hub, smtp: SmtpServer, notifier: Notifier) -> None:
    hub.tenant("acme", "ops@acme.example")

    notifier.digest_now("acme")

    assert "No flow ran in these 24 hours" in body(smtp.inbox.messages[0], "plain")


def test_the_digest_goes_out_once_a_day_at_the_hour(
    hub: Hub, smtp: SmtpServer, notifier: Notifier
) -> None:
    tenant = hub.tenant("acme", "ops@acme.example")
    with hub.sessions.begin() as session:
        set_setting(session, "acme", "notifications.digest_hour", "9")
    start = hub.clock.now  # 07:30 UTC

    def digests() -> int:
        return sum("Daily digest" in str(m["Subject"]) for m in smtp.inbox.messages)

    notifier.maintain()
    hub.clock.advance(3600)  # 08:30
    notifier.maintain()
    assert digests() == 0

    hub.clock.advance(1800)  # 09:00
    notifier.maintain()
    assert digests() == 1
    with hub.sessions() as session:
        state = session.get_one(DigestState, tenant)
        assert (state.sent_on, state.sent_at) == (start.date(), start + timedelta(minutes=90))

    for _ in range(3):  # the rest of the day, and a second scheduler, send nothing more
        hub.clock.advance(4 * 3600)
        Notifier(hub.sessions, notifier.settings, clock=hub.clock).maintain()
        notifier.maintain()
    assert digests() == 1

    hub.clock.now = start + timedelta(days=1, hours=2)  # next day, 09:30: missed at 09:00
    notifier.maintain()
    assert digests() == 2


def test_no_digest_when_it_is_off_or_nobody_reads_it(
    hub: Hub, smtp: SmtpServer, notifier: Notifier
) -> None:
    hub.tenant("off", "ops@off.example")
    hub.tenant("nobody")
    with hub.sessions.begin() as session:
        set_setting(session, "off", "notifications.daily_digest", "false")
    hub.clock.advance(12 * 3600)

    notifier.maintain()

    assert smtp.inbox.messages == []
    with hub.sessions() as session:
        assert session.scalars(select(DigestState)).all() == []
