"""Immediate alerts through a real SMTP server: grouped by code, marked notified, never lost."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.notify.conftest import Hub, Inbox, SmtpServer, body, free_port, smtp_settings
from wholesync.notify.notifier import Notifier
from wholesync.runtime.service import Runtime


def test_a_burst_of_fifty_failures_makes_one_email(
    hub: Hub, smtp: SmtpServer, notifier: Notifier
) -> None:
    tenant = hub.tenant("acme", "ops@acme.example", "boss@acme.example")
    hub.alerts(tenant, "INSUFFICIENT_INVENTORY", 50, message="Only 2 of 'TEE-M' are available.")

    notifier.maintain()

    assert len(smtp.inbox.messages) == 1
    email = smtp.inbox.messages[0]
    assert email["Subject"] == (
        "[Wholesync acme] Orders not exported to Shopify: 50 problems (INSUFFICIENT_INVENTORY)"
    )
    assert email["From"] == "sync@brand.example"
    assert sorted(smtp.inbox.recipients[0]) == ["boss@acme.example", "ops@acme.example"]
    text = body(email, "plain")
    for n in range(1, 51):
        assert f"Order WO-INS-{n:03} was not exported" in text
    assert text.count("Only 2 of 'TEE-M' are available.") == 1
    assert "How to fix:" in text and "/export" in text
    assert hub.unnotified() == 0

    notifier.maintain()
    assert len(smtp.inbox.messages) == 1


def test_two_codes_make_two_emails(hub: Hub, smtp: SmtpServer, notifier: Notifier) -> None:
    tenant = hub.tenant("acme", "ops@acme.example")
    hub.alerts(tenant, "CUSTOMER_NOT_FOUND", 3)
    hub.alerts(tenant, "VARIANT_NOT_FOUND", 2)

    notifier.maintain()

    subjects = sorted(str(m["Subject"]) for m in smtp.inbox.messages)
    assert subjects == [
        "[Wholesync acme] Orders not exported to Shopify: 2 problems (VARIANT_NOT_FOUND)",
        "[Wholesync acme] Orders not exported to Shopify: 3 problems (CUSTOMER_NOT_FOUND)",
    ]
    assert hub.unnotified() == 0


def test_each_tenant_gets_its_own_alerts(hub: Hub, smtp: SmtpServer, notifier: Notifier) -> None:
    hub.alerts(hub.tenant("acme", "ops@acme.example"), "CUSTOMER_NOT_FOUND", 1)
    hub.alerts(hub.tenant("zeta", "ops@zeta.example"), "CUSTOMER_NOT_FOUND", 2)

    notifier.maintain()

    by_recipient = {m["To"]: m["Subject"] for m in smtp.inbox.messages}
    assert by_recipient == {
        "ops@acme.example": "[Wholesync acme] Orders not exported to Shopify: "
        "1 problem (CUSTOMER_NOT_FOUND)",
        "ops@zeta.example": "[Wholesync zeta] Orders not exported to Shopify: "
        "2 problems (CUSTOMER_NOT_FOUND)",
    }


def test_a_tenant_without_recipients_is_marked_without_an_email(
    hub: Hub, smtp: SmtpServer, notifier: Notifier, caplog: pytest.LogCaptureFixture
) -> None:
    hub.alerts(hub.tenant("quiet"), "CUSTOMER_NOT_FOUND", 4)

    with caplog.at_level(logging.INFO, logger="wholesync.notify"):
        notifier.maintain()

    assert smtp.inbox.messages == []
    assert hub.unnotified() == 0
    assert "quiet has no notifications.alert_emails: 4 alert(s)" in caplog.text


def test_html_escapes_what_users_typed(hub: Hub, smtp: SmtpServer, notifier: Notifier) -> None:
    tenant = hub.tenant("acme", "ops@acme.example")
    hub.alerts(tenant, "SHOPIFY_USER_ERROR", 1, message="Title <script>alert(1)</script> & co")

    notifier.maintain()

    html = body(smtp.inbox.messages[0], "html")
    assert "<script>" not in html
    assert "Title &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "Title <script>alert(1)</script> & co" in body(smtp.inbox.messages[0], "plain")


def test_smtp_down_keeps_the_events_for_the_next_pass(hub: Hub) -> None:
    tenant = hub.tenant("acme", "ops@acme.example")
    hub.alerts(tenant, "CUSTOMER_NOT_FOUND", 5)
    down = SmtpServer(free_port(), Inbox())
    notifier = Notifier(hub.sessions, smtp_settings(down.port), clock=hub.clock)

    assert notifier.maintain() == []
    assert hub.unnotified() == 5

    down.start()
    try:
        hub.clock.advance(60)
        notifier.maintain()
    finally:
        down.stop()
    assert len(down.inbox.messages) == 1
    assert "5 problems" in str(down.inbox.messages[0]["Subject"])
    assert hub.unnotified() == 0


def test_without_smtp_settings_alerts_wait(hub: Hub) -> None:
    hub.alerts(hub.tenant("acme", "ops@acme.example"), "CUSTOMER_NOT_FOUND", 2)
    notifier = Notifier(hub.sessions, smtp_settings(25, smtp_host=None), clock=hub.clock)

    notifier.maintain()

    assert hub.unnotified() == 2


def test_the_runtime_sends_alerts_in_its_every_minute_chores(
    hub: Hub, smtp: SmtpServer, tmp_path: Path
) -> None:
    hub.alerts(hub.tenant("acme", "ops@acme.example"), "CUSTOMER_NOT_FOUND", 3)
    url = hub.engine.url.render_as_string(hide_password=False)
    runtime = Runtime(
        url,
        f"sqlite:///{tmp_path}/queue.sqlite3",
        settings=smtp_settings(smtp.port),
        clock=hub.clock,
    )
    try:
        runtime.maintain()
    finally:
        runtime.close()

    assert [str(m["Subject"]) for m in smtp.inbox.messages] == [
        "[Wholesync acme] Orders not exported to Shopify: 3 problems (CUSTOMER_NOT_FOUND)"
    ]
    assert hub.unnotified() == 0
