"""The notifier: the chore that sends alerts and due digests, and the "send now" actions that
the command line and the integration center call.

Delivery is at least once. A pass sends a group's e-mail and only then marks its events
notified (in one statement, after the send); if the process dies between the two, the next
pass sends that group again. The other order (mark, then send) could lose an alert for good,
which is worse than a rare duplicate. The digest day is recorded the same way. Each tenant is
notified under its ``notify`` lease, so schedulers ticking at once in several processes do
not both send the same events.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, sessionmaker

from wholesync.hub.models import AlertEvent, DigestState, Tenant
from wholesync.hub.models.types import utcnow
from wholesync.notify.alerts import alert_email, group_alerts
from wholesync.notify.digest import build_digest, digest_due, digest_email, sent_on
from wholesync.notify.mailer import (
    NO_RECIPIENTS,
    Connect,
    Email,
    Mailer,
    NotifyError,
    SmtpConfig,
)
from wholesync.notify.mailer import connect as smtp_connect
from wholesync.notify.render import render
from wholesync.runtime.leases import LeaseManager, dialect_insert
from wholesync.settings import Settings
from wholesync.sync.setting_types import Email as EmailAddress
from wholesync.sync.settings import Notifications
from wholesync.sync.tenants import TenantError, get_tenant, tenant_settings

log = logging.getLogger(__name__)

LEASE = "notify"
# Events read per pass and tenant; a larger backlog continues on the next pass.
BATCH = 5000
_ADDRESS: TypeAdapter[str] = TypeAdapter(EmailAddress)


@dataclass(frozen=True)
class Sent:
    """What a pass did for one tenant: e-mails sent, events marked notified."""

    tenant: str
    emails: int = 0
    notified: int = 0


class Notifier:
    """Sends notifications with the deployment's SMTP settings."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        *,
        connect: Connect = smtp_connect,
        clock: Callable[[], datetime] = utcnow,
        leases: LeaseManager | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.clock = clock
        self._connect = connect
        self.leases = leases or LeaseManager(sessions, ttl=settings.lease_ttl_seconds, clock=clock)
        self._holder = f"notify-{uuid.uuid4().hex[:12]}"

    def mailer(self) -> Mailer:
        """A mailer on the configured server; NotifyError(SMTP_NOT_CONFIGURED) otherwise."""
        return Mailer(SmtpConfig.from_settings(self.settings), self._connect)

    def configured(self) -> bool:
        return bool(self.settings.smtp_host and self.settings.smtp_from)

    # --- the chore -------------------------------------------------------------------------

    def maintain(self) -> list[Sent]:
        """One pass over the enabled tenants: alerts waiting, then the digest if it is due. A
        tenant whose e-mail fails keeps its events for the next pass; the others go on."""
        with self.sessions() as session:
            tenants = session.scalars(select(Tenant).where(Tenant.enabled.is_(True))).all()
        done: list[Sent] = []
        for tenant in tenants:
            try:
                notifications = tenant_settings(tenant).notifications
                if not self._has_work(tenant.id, notifications):
                    continue
                with self.leases.held(tenant.id, LEASE, self._holder) as mine:
                    if mine:
                        done.append(self._tenant_pass(tenant, notifications))
            except (NotifyError, TenantError) as exc:
                log.warning("notifications of tenant %s not sent: %s", tenant.name, exc)
        return done

    def _has_work(self, tenant_id: int, notifications: Notifications) -> bool:
        # Checked before taking the lease, so an idle tenant costs one read a minute.
        with self.sessions() as session:
            waiting = session.scalar(
                select(AlertEvent.id)
                .where(AlertEvent.tenant_id == tenant_id, AlertEvent.notified_at.is_(None))
                .limit(1)
            )
        return waiting is not None or self._digest_due(tenant_id, notifications)

    def _tenant_pass(self, tenant: Tenant, notifications: Notifications) -> Sent:
        sent = self.send_alerts(tenant, notifications)
        if self._digest_due(tenant.id, notifications):
            self.send_digest(tenant, notifications.alert_emails, record=True)
            sent = Sent(tenant.name, sent.emails + 1, sent.notified)
        return sent

    def send_alerts(self, tenant: Tenant, notifications: Notifications) -> Sent:
        """E-mail the tenant's unnotified alerts, one e-mail per (kind, code), marking each
        group notified right after its e-mail went out."""
        with self.sessions() as session:
            events = session.scalars(
                select(AlertEvent)
                .where(AlertEvent.tenant_id == tenant.id, AlertEvent.notified_at.is_(None))
                .order_by(AlertEvent.id)
                .limit(BATCH)
            ).all()
        if not events:
            return Sent(tenant.name)
        groups = group_alerts(events)
        to = notifications.alert_emails
        if not to:
            ids = [event_id for group in groups for event_id in group.event_ids]
            self._mark(ids)
            log.info(
                "tenant %s has no notifications.alert_emails: %d alert(s) marked notified "
                "without an e-mail",
                tenant.name,
                len(ids),
            )
            return Sent(tenant.name, 0, len(ids))
        if not self.configured():
            # They wait: once SMTP is set up, the backlog goes out grouped.
            return Sent(tenant.name)
        mailer = self.mailer()
        emails = notified = 0
        for group in groups:
            mailer.send(alert_email(tenant.name, group, to))
            emails += 1
            notified += self._mark(group.event_ids)
        log.info("tenant %s: %d alert e-mail(s) for %d event(s)", tenant.name, emails, notified)
        return Sent(tenant.name, emails, notified)

    def _mark(self, ids: Sequence[int]) -> int:
        marked = 0
        with self.sessions.begin() as session:
            for start in range(0, len(ids), 500):
                result = session.execute(
                    update(AlertEvent)
                    .where(AlertEvent.id.in_(ids[start : start + 500]))
                    .where(AlertEvent.notified_at.is_(None))
                    .values(notified_at=self.clock())
                )
                marked += cast(CursorResult[Any], result).rowcount
        return marked

    def _digest_due(self, tenant_id: int, notifications: Notifications) -> bool:
        if not self.configured():
            return False
        with self.sessions() as session:
            last = sent_on(session, tenant_id)
        return digest_due(notifications, last, self.clock())

    # --- sending now -------------------------------------------------------------------------

    def send_digest(self, tenant: Tenant, to: Sequence[str], *, record: bool = False) -> Email:
        """Send the digest of the last 24 hours now; ``record`` counts it as today's."""
        now = self.clock()
        _require_recipients(tenant.name, to)
        with self.sessions() as session:
            email = digest_email(tenant.name, build_digest(session, tenant.id, now), to)
        self.mailer().send(email)
        if record:
            with self.sessions.begin() as session:
                values = {"tenant_id": tenant.id, "sent_on": now.date(), "sent_at": now}
                session.execute(
                    dialect_insert(session)(DigestState)
                    .values(values)
                    .on_conflict_do_update(
                        index_elements=[DigestState.tenant_id],
                        set_={"sent_on": values["sent_on"], "sent_at": now},
                    )
                )
            log.info("tenant %s: daily digest sent to %d address(es)", tenant.name, len(to))
        return email

    def digest_now(self, tenant_name: str) -> Email:
        """``wholesync notify digest``: the digest to the tenant's alert addresses, now."""
        tenant = self._tenant(tenant_name)
        return self.send_digest(tenant, tenant_settings(tenant).notifications.alert_emails)

    def send_test(self, tenant_name: str, to: str | None = None) -> Email:
        """The "send test e-mail" action: to ``to``, or else the tenant's alert addresses."""
        tenant = self._tenant(tenant_name)
        if to is not None:
            try:
                recipients: Sequence[str] = (_ADDRESS.validate_python(to),)
            except ValidationError:
                raise NotifyError(
                    "INVALID_EMAIL",
                    f"{to!r} is not an e-mail address.",
                    "Give one like ops@brand.example.",
                ) from None
        else:
            recipients = tenant_settings(tenant).notifications.alert_emails
        _require_recipients(tenant.name, recipients)
        mailer = self.mailer()
        subject = f"[Wholesync {tenant.name}] Test e-mail"
        server = f"{mailer.config.host}:{mailer.config.port} ({mailer.config.security})"
        text, html = render("test", subject=subject, tenant=tenant.name, server=server)
        email = Email(to=tuple(recipients), subject=subject, text=text, html=html)
        mailer.send(email)
        return email

    def _tenant(self, name: str) -> Tenant:
        with self.sessions() as session:
            return get_tenant(session, name)


def _require_recipients(tenant: str, to: Sequence[str]) -> None:
    if not to:
        raise NotifyError(
            NO_RECIPIENTS,
            f"Tenant {tenant!r} has no alert e-mail addresses.",
            f"Add them: wholesync tenants set {tenant} notifications.alert_emails "
            "'[\"ops@brand.example\"]' (or give --to for a test e-mail).",
        )
