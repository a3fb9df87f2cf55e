"""Fixtures for notification tests: a real SMTP server (aiosmtpd) on loopback, a migrated hub
(SQLite and PostgreSQL) with tenants, and a notifier on both."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from tests.runtime.clock import Clock
from wholesync.hub.db import init_db, session_factory
from wholesync.hub.models import AlertEvent
from wholesync.notify.notifier import Notifier
from wholesync.settings import Settings
from wholesync.sync.tenants import add_tenant, set_setting

SENDER = "sync@brand.example"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass
class Inbox:
    """What the SMTP server received, parsed."""

    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


def body(message: EmailMessage, subtype: str) -> str:
    """The text of the message's ``plain`` or ``html`` part."""
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    content: str = part.get_content().replace("\r\n", "\n")  # SMTP sends CRLF lines
    return content


@dataclass
class SmtpServer:
    port: int
    inbox: Inbox
    controller: Controller | None = None

    def start(self, **options: Any) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port(), Inbox())
    server.start()
    yield server
    server.stop()


def smtp_settings(port: int, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": "none",
        "smtp_from": SENDER,
        "smtp_timeout_seconds": 5,
    }
    return Settings(_env_file=None, **(values | overrides))


@dataclass
class Hub:
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock

    def tenant(self, name: str, *emails: str) -> int:
        with self.sessions.begin() as session:
            tenant = add_tenant(
                session, name, shop=f"{name}.myshopify.com", token_env="T", secret_env="S"
            )
            if emails:
                set_setting(
                    session,
                    name,
                    "notifications.alert_emails",
                    repr(list(emails)).replace("'", '"'),
                )
            return tenant.id

    def alerts(
        self,
        tenant_id: int,
        code: str,
        count: int,
        *,
        kind: str = "order_export_failed",
        message: str | None = None,
    ) -> None:
        with self.sessions.begin() as session:
            for n in range(count):
                number = f"WO-{code[:3]}-{n + 1:03}"
                session.add(
                    AlertEvent(
                        tenant_id=tenant_id,
                        kind=kind,
                        code=code,
                        subject=f"Order {number} was not exported to Shopify ({code})",
                        message=message or f"Fix {code} in the hub, then export again.",
                        order_id=n + 1,
                        created_at=self.clock(),
                    )
                )

    def unnotified(self) -> int:
        with self.sessions() as session:
            ids = session.scalars(select(AlertEvent.id).where(AlertEvent.notified_at.is_(None)))
            return len(list(ids))


@pytest.fixture
def hub(database_url: str) -> Iterator[Hub]:
    engine = init_db(database_url)
    yield Hub(engine, session_factory(engine), Clock(datetime(2026, 12, 3, 7, 30, tzinfo=UTC)))
    engine.dispose()


@pytest.fixture
def notifier(hub: Hub, smtp: SmtpServer) -> Notifier:
    return Notifier(hub.sessions, smtp_settings(smtp.port), clock=hub.clock)
