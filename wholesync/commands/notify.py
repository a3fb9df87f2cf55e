"""``wholesync notify``: send a test e-mail, or a tenant's daily digest now."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from wholesync.commands.common import console, fail, session_scope
from wholesync.notify.mailer import Email, NotifyError
from wholesync.notify.notifier import Notifier
from wholesync.settings import Settings

app = typer.Typer(help="E-mail notifications: test the SMTP setup, send a digest now.")

Tenant = Annotated[str, typer.Option(help="The tenant's name.")]


@app.command("test")
def test(
    tenant: Tenant,
    to: Annotated[
        str | None, typer.Option(help="Send to this address instead of the tenant's alert_emails.")
    ] = None,
) -> None:
    """Send a test e-mail through the configured SMTP server."""
    with session_scope() as sessions:
        _sent(lambda: Notifier(sessions, Settings()).send_test(tenant, to))


@app.command("digest")
def digest(tenant: Tenant) -> None:
    """Send the daily digest of the last 24 hours now (the scheduled one still goes out)."""
    with session_scope() as sessions:
        _sent(lambda: Notifier(sessions, Settings()).digest_now(tenant))


def _sent(send: Callable[[], Email]) -> None:
    try:
        email = send()
    except NotifyError as exc:
        fail(exc.code, f"{exc.message} {exc.fix}")
    console.print(f"Sent '{email.subject}' to {', '.join(email.to)}.", highlight=False)
