"""The settings page's "Send test e-mail" button, against a real SMTP server (aiosmtpd) on
loopback, with no SMTP server set up, and with the server down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.notify import conftest as notify_fixtures
from tests.notify.conftest import SENDER, SmtpServer
from tests.web.harness import make_runtime
from tests.web.ui.conftest import ADMIN, UiHub
from wholesync.runtime.service import Runtime
from wholesync.sync.tenants import set_setting

# The notification tests' real SMTP server (aiosmtpd) on loopback.
smtp = notify_fixtures.smtp


def _runtime(database_url: str, tmp_path: Path, **smtp: Any) -> Iterator[Runtime]:
    runtime = make_runtime(database_url, tmp_path, **smtp)
    yield runtime
    runtime.close()


def _alert_emails(ui: UiHub, *emails: str) -> None:
    with ui.runtime.sessions.begin() as session:
        value = "[" + ", ".join(f'"{email}"' for email in emails) + "]"
        set_setting(session, "acme", "notifications.alert_emails", value)


class TestWithSmtp:
    @pytest.fixture
    def runtime(self, database_url: str, tmp_path: Path, smtp: SmtpServer) -> Iterator[Runtime]:
        yield from _runtime(
            database_url,
            tmp_path,
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_security="none",
            smtp_from=SENDER,
            smtp_username=None,
            smtp_password="smtp-password-never-shown",
            smtp_timeout_seconds=5,
        )

    def test_the_test_email_goes_to_the_alert_addresses(self, ui: UiHub, smtp: SmtpServer) -> None:
        _alert_emails(ui, "ops@acme.example", "boss@acme.example")
        client = ui.client(ADMIN)
        page = client.get("/settings/notifications").text
        assert f"127.0.0.1:{smtp.port}" in page and "smtp-password-never-shown" not in page

        response = client.post("/settings/test-email")

        assert response.status_code == 303
        shown = client.get(response.headers["location"]).text
        assert "Test e-mail sent to ops@acme.example, boss@acme.example." in shown
        [message] = smtp.inbox.messages
        assert sorted(smtp.inbox.recipients[0]) == ["boss@acme.example", "ops@acme.example"]
        assert message["Subject"] == "[Wholesync acme] Test e-mail"

    def test_without_alert_addresses_it_says_where_to_add_them(
        self, ui: UiHub, smtp: SmtpServer
    ) -> None:
        response = ui.client(ADMIN).post("/settings/test-email")

        assert response.status_code == 422
        assert "NO_RECIPIENTS" in response.text and "notifications.alert_emails" in response.text
        assert "Here: fill in Alert e-mail addresses above and save." in response.text
        assert smtp.inbox.messages == []


class TestWithoutSmtp:
    @pytest.fixture
    def runtime(self, database_url: str, tmp_path: Path) -> Iterator[Runtime]:
        yield from _runtime(database_url, tmp_path, smtp_host=None, smtp_from=None)

    def test_smtp_unset_says_what_to_set(self, ui: UiHub) -> None:
        _alert_emails(ui, "ops@acme.example")
        client = ui.client(ADMIN)
        assert "No SMTP server is set up" in client.get("/settings/notifications").text

        response = client.post("/settings/test-email")

        assert response.status_code == 503
        assert "SMTP_NOT_CONFIGURED" in response.text
        assert "Set WHOLESYNC_SMTP_HOST and WHOLESYNC_SMTP_FROM" in response.text


class TestSmtpDown:
    @pytest.fixture
    def runtime(self, database_url: str, tmp_path: Path) -> Iterator[Runtime]:
        # Nothing listens on a fresh free port: the connection is refused.
        yield from _runtime(
            database_url,
            tmp_path,
            smtp_host="127.0.0.1",
            smtp_port=notify_fixtures.free_port(),
            smtp_security="none",
            smtp_from=SENDER,
            smtp_timeout_seconds=5,
        )

    def test_an_unreachable_server_says_what_to_check(self, ui: UiHub) -> None:
        _alert_emails(ui, "ops@acme.example")

        response = ui.client(ADMIN).post("/settings/test-email")

        assert response.status_code == 502
        assert "SMTP_UNAVAILABLE" in response.text and "could not be reached" in response.text
        assert "Check WHOLESYNC_SMTP_HOST, WHOLESYNC_SMTP_PORT" in response.text
