"""Sending e-mail through the deployment's SMTP server (``WHOLESYNC_SMTP_*``).

The connection is made by an injectable factory, so everything above it is testable without a
network; the password goes only to ``login`` and never into a message, log line or error.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid

from wholesync.hub.errors import HubError
from wholesync.settings import Settings

NOT_CONFIGURED = "SMTP_NOT_CONFIGURED"
UNAVAILABLE = "SMTP_UNAVAILABLE"
REFUSED = "SMTP_REFUSED"
NO_RECIPIENTS = "NO_RECIPIENTS"


class NotifyError(HubError):
    """An e-mail could not be sent; ``code`` names the problem and ``fix`` how to solve it."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str
    sender: str
    username: str | None = None
    # Excluded from repr, so a logged config cannot leak it.
    password: str | None = field(default=None, repr=False)
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        """The SMTP server of the deployment; NotifyError when it is not set up."""
        missing = [
            name
            for name, value in (
                ("WHOLESYNC_SMTP_HOST", settings.smtp_host),
                ("WHOLESYNC_SMTP_FROM", settings.smtp_from),
            )
            if not value
        ]
        if missing:
            raise NotifyError(
                NOT_CONFIGURED,
                "No SMTP server is configured, so no e-mail can be sent.",
                f"Set {' and '.join(missing)} (and WHOLESYNC_SMTP_PORT, WHOLESYNC_SMTP_SECURITY, "
                "WHOLESYNC_SMTP_USERNAME, WHOLESYNC_SMTP_PASSWORD as your provider requires), "
                "then restart Wholesync.",
            )
        assert settings.smtp_host is not None and settings.smtp_from is not None
        password = settings.smtp_password
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            sender=settings.smtp_from,
            username=settings.smtp_username,
            password=password.get_secret_value() if password is not None else None,
            timeout=settings.smtp_timeout_seconds,
        )


Connect = Callable[[SmtpConfig], smtplib.SMTP]


def connect(config: SmtpConfig) -> smtplib.SMTP:
    """An SMTP connection, encrypted as configured and logged in when a username is set."""
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if config.security == "ssl":
        smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
    else:
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        if config.security == "starttls":
            smtp.starttls(context=context)
    if config.username:
        smtp.login(config.username, config.password or "")
    return smtp


@dataclass(frozen=True)
class Email:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str


class Mailer:
    """Sends :class:`Email` s; ``connect`` is replaceable (tests, other transports)."""

    def __init__(self, config: SmtpConfig, connect: Connect = connect) -> None:
        self.config = config
        self._connect = connect

    def send(self, email: Email) -> None:
        """Send one e-mail or raise NotifyError saying why it was not sent."""
        if not email.to:
            raise NotifyError(
                NO_RECIPIENTS, "The e-mail has no recipient.", "Give at least one address."
            )
        message = self.compose(email)
        where = f"{self.config.host}:{self.config.port}"
        try:
            with self._connect(self.config) as smtp:
                smtp.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            raise NotifyError(
                REFUSED,
                f"The SMTP server {where} refused the login of {self.config.username!r} "
                f"({exc.smtp_code}).",
                "Check WHOLESYNC_SMTP_USERNAME and WHOLESYNC_SMTP_PASSWORD.",
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise NotifyError(
                REFUSED,
                f"The SMTP server {where} refused the recipient(s) {', '.join(exc.recipients)}.",
                "Correct the addresses in the tenant's notifications.alert_emails.",
            ) from None
        except smtplib.SMTPResponseException as exc:
            reply = (
                exc.smtp_error.decode(errors="replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            raise NotifyError(
                REFUSED,
                f"The SMTP server {where} refused the e-mail: {exc.smtp_code} {reply}.",
                "Check the sender (WHOLESYNC_SMTP_FROM) and the server's rules for it.",
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            # OSError covers refused connections, timeouts, DNS and TLS failures.
            raise NotifyError(
                UNAVAILABLE,
                f"The SMTP server {where} could not be reached: {type(exc).__name__}: {exc}.",
                "Check WHOLESYNC_SMTP_HOST, WHOLESYNC_SMTP_PORT and WHOLESYNC_SMTP_SECURITY; "
                "unsent alerts go out on the next pass.",
            ) from None

    def compose(self, email: Email) -> EmailMessage:
        """The MIME message: plain text with an HTML alternative."""
        message = EmailMessage()
        message["From"] = self.config.sender
        message["To"] = ", ".join(email.to)
        message["Subject"] = email.subject
        message["Message-ID"] = make_msgid(domain=_domain(self.config.sender))
        message.set_content(email.text)
        message.add_alternative(email.html, subtype="html")
        return message


def _domain(sender: str) -> str | None:
    # make_msgid would otherwise look up this host's FQDN, which can stall on DNS.
    return sender.rpartition("@")[2].strip(" >") or None
