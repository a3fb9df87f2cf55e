"""Sending now: the test e-mail (the integration center's button and ``wholesync notify``),
and clear refusals when the SMTP server is missing, down or refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword
from aiosmtpd.smtp import Session as SmtpSession
from typer.testing import CliRunner

from tests.notify.conftest import SENDER, Hub, Inbox, SmtpServer, body, free_port, smtp_settings
from tests.secrets_scan import remember
from wholesync.cli import app
from wholesync.hub.db import init_db, session_factory
from wholesync.notify.mailer import NotifyError, SmtpConfig
from wholesync.notify.notifier import Notifier
from wholesync.sync.tenants import add_tenant, set_setting

PASSWORD = "smtp-pass-do-not-print"
remember(PASSWORD)


def test_a_test_email_goes_to_the_given_address(
    hub: Hub, smtp: SmtpServer, notifier: Notifier
) -> None:
    hub.tenant("acme", "ops@acme.example")

    notifier.send_test("acme", "me@brand.example")

    [message] = smtp.inbox.messages
    assert smtp.inbox.recipients == [["me@brand.example"]]
    assert message["Subject"] == "[Wholesync acme] Test e-mail"
    assert message["From"] == SENDER
    assert "E-mail works" in body(message, "plain")
    assert "E-mail works" in body(message, "html")


def test_a_test_email_without_an_address_goes_to_the_alert_addresses(
    hub: Hub, smtp: SmtpServer, notifier: Notifier
) -> None:
    hub.tenant("acme", "ops@acme.example", "boss@acme.example")

    notifier.send_test("acme")

    assert [sorted(r) for r in smtp.inbox.recipients] == [["boss@acme.example", "ops@acme.example"]]


@pytest.mark.parametrize(
    ("tenant_emails", "to", "code", "fix"),
    [
        ((), None, "NO_RECIPIENTS", "notifications.alert_emails"),
        (("ops@acme.example",), "not an address", "INVALID_EMAIL", "ops@brand.example"),
    ],
)
def test_bad_recipients_are_refused_with_the_fix(
    hub: Hub,
    smtp: SmtpServer,
    notifier: Notifier,
    tenant_emails: tuple[str, ...],
    to: str | None,
    code: str,
    fix: str,
) -> None:
    hub.tenant("acme", *tenant_emails)
    with pytest.raises(NotifyError) as caught:
        notifier.send_test("acme", to)
    assert caught.value.code == code
    assert fix in str(caught.value)
    assert smtp.inbox.messages == []


def test_smtp_not_configured_or_down_says_what_to_set(hub: Hub) -> None:
    hub.tenant("acme", "ops@acme.example")
    unset = Notifier(hub.sessions, smtp_settings(25, smtp_host=None, smtp_from=None))
    down = Notifier(hub.sessions, smtp_settings(free_port()))

    with pytest.raises(NotifyError) as missing:
        unset.send_test("acme")
    with pytest.raises(NotifyError) as refused:
        down.send_test("acme")

    assert missing.value.code == "SMTP_NOT_CONFIGURED"
    assert "WHOLESYNC_SMTP_HOST and WHOLESYNC_SMTP_FROM" in str(missing.value)
    assert refused.value.code == "SMTP_UNAVAILABLE"
    assert "WHOLESYNC_SMTP_PORT" in str(refused.value)


def _authenticator(
    server: SMTP, session: SmtpSession, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    assert isinstance(data, LoginPassword)
    # handled=False: aiosmtpd then answers a failure with 535 itself.
    ok = (data.login, data.password) == (b"sync", PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize(("password", "sent"), [(PASSWORD, True), ("wrong", False)])
def test_login_and_a_refused_login(hub: Hub, password: str, sent: bool) -> None:
    hub.tenant("acme", "ops@acme.example")
    server = SmtpServer(free_port(), Inbox())
    server.start(authenticator=_authenticator, auth_require_tls=False, auth_required=True)
    settings = smtp_settings(server.port, smtp_username="sync", smtp_password=password)
    try:
        if sent:
            Notifier(hub.sessions, settings).send_test("acme")
        else:
            with pytest.raises(NotifyError) as caught:
                Notifier(hub.sessions, settings).send_test("acme")
            assert caught.value.code == "SMTP_REFUSED"
            assert "WHOLESYNC_SMTP_PASSWORD" in str(caught.value)
            assert password not in str(caught.value)
    finally:
        server.stop()
    assert len(server.inbox.messages) == int(sent)


def test_the_password_is_never_shown() -> None:
    settings = smtp_settings(25, smtp_password=PASSWORD)
    config = SmtpConfig.from_settings(settings)
    assert config.password == PASSWORD
    for shown in (repr(settings), str(settings), repr(config), settings.model_dump_json()):
        assert PASSWORD not in shown


@pytest.fixture
def cli(tmp_path: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("WHOLESYNC_DATABASE_URL", url)
    for name, value in smtp_settings(smtp.port).model_dump(exclude_none=True).items():
        if name.startswith("smtp_"):
            monkeypatch.setenv(f"WHOLESYNC_{name.upper()}", str(value))
    monkeypatch.setenv("COLUMNS", "200")
    engine = init_db(url)
    with session_factory(engine).begin() as session:
        add_tenant(session, "acme", shop="acme", token_env="T", secret_env="S")
        set_setting(session, "acme", "notifications.alert_emails", '["ops@acme.example"]')
    engine.dispose()
    return CliRunner()


def test_the_notify_commands(cli: CliRunner, smtp: SmtpServer) -> None:
    tested = cli.invoke(app, ["notify", "test", "--tenant", "acme", "--to", "me@brand.example"])
    digest = cli.invoke(app, ["notify", "digest", "--tenant", "acme"])

    assert tested.exit_code == 0, tested.output
    assert "Sent '[Wholesync acme] Test e-mail' to me@brand.example." in tested.output
    assert digest.exit_code == 0, digest.output
    assert "Daily digest" in digest.output
    assert [m["To"] for m in smtp.inbox.messages] == ["me@brand.example", "ops@acme.example"]


def test_the_notify_command_without_smtp_exits_with_the_fix(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WHOLESYNC_SMTP_HOST")

    result = cli.invoke(app, ["notify", "test", "--tenant", "acme"])

    assert result.exit_code == 2
    assert "SMTP_NOT_CONFIGURED" in result.output
    assert "WHOLESYNC_SMTP_HOST" in result.output
