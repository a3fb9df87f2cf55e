"""Server-drawn SVG bar charts of a tenant's recent runs: records synced and rejected per day,
and the Shopify API cost spent per day (no chart library: the page stays script-free)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholesync.hub.models import SyncRun

DAYS = 14
WIDTH, HEIGHT = 700.0, 140.0
# Room at the bottom for the day labels.
AXIS = 16.0
SYNCED = ("created", "updated", "archived")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    labels: list[tuple[float, str]]
    peak: str
    width: float = WIDTH
    height: float = HEIGHT


@dataclass(frozen=True)
class Series:
    name: str
    css: str
    values: list[float]


def bar_chart(title: str, days: Sequence[date], series: Sequence[Series]) -> Chart:
    """Bars per day, the series side by side, scaled to the highest value."""
    peak = max((value for s in series for value in s.values), default=0.0)
    slot = WIDTH / max(len(days), 1)
    width = slot * 0.8 / max(len(series), 1)
    bars = []
    for i, day in enumerate(days):
        for j, s in enumerate(series):
            value = s.values[i]
            height = (HEIGHT - AXIS) * value / peak if peak else 0.0
            bars.append(
                Bar(
                    x=round(i * slot + slot * 0.1 + j * width, 1),
                    y=round(HEIGHT - AXIS - height, 1),
                    width=round(width, 1),
                    height=round(height, 1),
                    css=s.css,
                    title=f"{day.isoformat()}: {value:,.0f} {s.name}",
                )
            )
    labels = [(round(i * slot + slot / 2, 1), day.strftime("%m-%d")) for i, day in enumerate(days)]
    return Chart(title, bars, labels, f"{peak:,.0f}")


def run_charts(session: Session, tenant_id: int, now: datetime) -> list[Chart]:
    """Records synced and rejected, and API cost, per day over the last DAYS days (real runs)."""
    days = [(now - timedelta(days=DAYS - 1 - n)).date() for n in range(DAYS)]
    index = {day: n for n, day in enumerate(days)}
    synced, errors, cost = [0.0] * DAYS, [0.0] * DAYS, [0.0] * DAYS
    rows = session.execute(
        select(SyncRun.started_at, SyncRun.counts, SyncRun.api_cost).where(
            SyncRun.tenant_id == tenant_id,
            SyncRun.preview.is_(False),
            SyncRun.started_at >= datetime.combine(days[0], datetime.min.time(), now.tzinfo),
        )
    )
    for started, counts, api_cost in rows:
        n = index.get(started.date())
        if n is None:
            continue
        synced[n] += sum(int(counts.get(key, 0)) for key in SYNCED)
        errors[n] += int(counts.get("rejected", 0))
        cost[n] += api_cost or 0.0
    return [
        bar_chart(
            "Records synced and rejected per day",
            days,
            [Series("synced", "bar-ok", synced), Series("rejected", "bar-error", errors)],
        ),
        bar_chart(
            "Shopify API cost per day (query cost points)",
            days,
            [Series("cost points", "bar-cost", cost)],
        ),
    ]
