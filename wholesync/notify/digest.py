"""The daily digest: per flow, the runs of the last 24 hours, their outcomes and counts, and the
most frequent error codes with one example message each."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wholesync.hub.models import DigestState, SyncRecord, SyncRun
from wholesync.notify.mailer import Email
from wholesync.notify.render import render
from wholesync.sync.runs import FAILED, PARTIAL, SUCCEEDED
from wholesync.sync.settings import Notifications

WINDOW = timedelta(hours=24)
TOP_ERRORS = 5
COUNTED = ("created", "updated", "archived", "rejected")
# A failed run's error starts with its code ("SHOPIFY_UNAVAILABLE: ..."), see describe_failure.
_RUN_CODE = re.compile(r"^([A-Za-z][A-Za-z0-9_]*): ")


@dataclass(frozen=True)
class ErrorCount:
    code: str
    count: int
    example: str


@dataclass
class FlowDigest:
    flow: str
    runs: int = 0
    succeeded: int = 0
    partial: int = 0
    failed: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[ErrorCount] = field(default_factory=list)


@dataclass(frozen=True)
class Digest:
    since: datetime
    until: datetime
    flows: tuple[FlowDigest, ...]


def build_digest(session: Session, tenant_id: int, until: datetime) -> Digest:
    """The digest of the 24 hours before ``until`` (previews left out: they change nothing)."""
    since = until - WINDOW
    window = (
        SyncRun.tenant_id == tenant_id,
        SyncRun.preview.is_(False),
        SyncRun.started_at >= since,
        SyncRun.started_at < until,
    )
    flows: dict[str, FlowDigest] = {}
    run_errors: dict[str, Counter[str]] = {}
    examples: dict[tuple[str, str], str] = {}
    for run in session.scalars(select(SyncRun).where(*window).order_by(SyncRun.id)):
        digest = flows.setdefault(run.flow, FlowDigest(run.flow))
        digest.runs += 1
        digest.succeeded += run.status == SUCCEEDED
        digest.partial += run.status == PARTIAL
        digest.failed += run.status == FAILED
        digest.counts.update({k: int(run.counts.get(k, 0)) for k in COUNTED})
        if run.status == FAILED and run.error:
            match = _RUN_CODE.match(run.error)
            code = match.group(1) if match else "RUN_FAILED"
            run_errors.setdefault(run.flow, Counter())[code] += 1
            examples.setdefault((run.flow, code), run.error)
    records = session.execute(
        select(SyncRun.flow, SyncRecord.code, func.count(), func.min(SyncRecord.id))
        .join(SyncRun, SyncRecord.run_id == SyncRun.id)
        .where(*window, SyncRecord.code.is_not(None), SyncRecord.action == "reject")
        .group_by(SyncRun.flow, SyncRecord.code)
    ).all()
    first_ids = [row[3] for row in records]
    messages = {
        record_id: message
        for record_id, message in session.execute(
            select(SyncRecord.id, SyncRecord.message).where(SyncRecord.id.in_(first_ids))
        )
    }
    for flow, code, count, first in records:
        code = str(code)
        run_errors.setdefault(flow, Counter())[code] += count
        examples.setdefault((flow, code), messages.get(first) or "")
    for flow, counter in run_errors.items():
        flows[flow].errors = [
            ErrorCount(code, count, examples[(flow, code)])
            for code, count in sorted(counter.items(), key=lambda item: (-item[1], item[0]))[
                :TOP_ERRORS
            ]
        ]
    return Digest(since, until, tuple(flows[name] for name in sorted(flows)))


def digest_email(tenant: str, digest: Digest, to: Sequence[str]) -> Email:
    runs = sum(flow.runs for flow in digest.flows)
    failed = sum(flow.failed for flow in digest.flows)
    rejected = sum(flow.counts["rejected"] for flow in digest.flows)
    subject = (
        f"[Wholesync {tenant}] Daily digest {digest.until:%Y-%m-%d}: {runs} runs, "
        f"{failed} failed, {rejected} records rejected"
    )
    text, html = render(
        "digest",
        subject=subject,
        tenant=tenant,
        since=f"{digest.since:%Y-%m-%d %H:%M}",
        until=f"{digest.until:%Y-%m-%d %H:%M}",
        flows=digest.flows,
    )
    return Email(to=tuple(to), subject=subject, text=text, html=html)


def digest_due(settings: Notifications, sent_on: date | None, now: datetime) -> bool:
    """Whether today's digest is due: enabled, the hour (UTC) reached, not sent today. A
    digest missed at its hour (the service was down) goes out late rather than not at all."""
    if not settings.daily_digest or not settings.alert_emails:
        return False
    return now.hour >= settings.digest_hour and (sent_on is None or sent_on < now.date())


def sent_on(session: Session, tenant_id: int) -> date | None:
    state = session.get(DigestState, tenant_id)
    return state.sent_on if state is not None else None
