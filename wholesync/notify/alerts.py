"""Immediate alerts: unnotified AlertEvents grouped by (kind, code), one e-mail per group.

A burst of 50 orders failing for the same reason makes one e-mail listing the 50, with each
distinct fix-it message once, instead of 50 e-mails.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from wholesync.hub.models import AlertEvent
from wholesync.notify.mailer import Email
from wholesync.notify.render import render

# Beyond this many subjects per message an e-mail says "and N more": the runs list them all.
MAX_LISTED = 100

TITLES = {
    "order_export_failed": "Orders not exported to Shopify",
    "shipment_failed": "Shipments not fulfilled in Shopify",
    "customer_export_failed": "Customers not sent to Shopify",
}
HOW_TO_FIX = {
    "order_export_failed": (
        "Fix each problem as its message says, then export the order again "
        "(POST /api/v1/orders/ID/export). A failed order keeps its export key, so it is "
        "never created twice in Shopify."
    ),
    "shipment_failed": (
        "Fix each problem as its message says, then post the shipment again "
        "(POST /api/v1/shipments) to retry it."
    ),
    "customer_export_failed": (
        "Correct the customer in the hub as the message says; the customer is sent again on "
        "the next run of the customers flow."
    ),
}
DEFAULT_TITLE = "Wholesync problems"
DEFAULT_HOW_TO_FIX = "Fix each problem as its message says, then run the flow again."


@dataclass(frozen=True)
class Problem:
    """One fix-it message and the subjects (orders, shipments, ...) it applies to."""

    message: str
    subjects: tuple[str, ...]
    more: int


@dataclass(frozen=True)
class AlertGroup:
    tenant_id: int
    kind: str
    code: str
    event_ids: tuple[int, ...]
    problems: tuple[Problem, ...]

    @property
    def count(self) -> int:
        return len(self.event_ids)


def group_alerts(events: Iterable[AlertEvent]) -> list[AlertGroup]:
    """Events grouped by (tenant, kind, code) in order of their first event; within a group,
    events with the same message share it."""
    groups: dict[tuple[int, str, str], list[AlertEvent]] = {}
    for event in sorted(events, key=lambda e: e.id):
        groups.setdefault((event.tenant_id, event.kind, event.code), []).append(event)
    return [
        AlertGroup(
            tenant_id=tenant_id,
            kind=kind,
            code=code,
            event_ids=tuple(e.id for e in members),
            problems=_problems(members),
        )
        for (tenant_id, kind, code), members in groups.items()
    ]


def _problems(events: Sequence[AlertEvent]) -> tuple[Problem, ...]:
    by_message: dict[str, list[str]] = {}
    for event in events:
        by_message.setdefault(event.message, []).append(event.subject)
    return tuple(
        Problem(message, tuple(subjects[:MAX_LISTED]), max(0, len(subjects) - MAX_LISTED))
        for message, subjects in by_message.items()
    )


def alert_email(tenant: str, group: AlertGroup, to: Sequence[str]) -> Email:
    """The e-mail of one group: its count and code in the subject."""
    title = TITLES.get(group.kind, DEFAULT_TITLE)
    noun = "problem" if group.count == 1 else "problems"
    subject = f"[Wholesync {tenant}] {title}: {group.count} {noun} ({group.code})"
    text, html = render(
        "alert",
        subject=subject,
        tenant=tenant,
        title=title,
        count=group.count,
        code=group.code,
        problems=group.problems,
        how_to_fix=HOW_TO_FIX.get(group.kind, DEFAULT_HOW_TO_FIX),
    )
    return Email(to=tuple(to), subject=subject, text=text, html=html)
