"""Cron schedules for flows: five fields, parsed and checked so that no flow runs more often
than every five minutes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise

MIN_INTERVAL_MINUTES = 5
# Long enough to reach any date a valid expression names (29 February within 8 years).
_SEARCH_DAYS = 366 * 9
ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
# (name, lowest, highest, names for the values counted from ``lowest``)
_FIELDS: tuple[tuple[str, int, int, list[str]], ...] = (
    ("minute", 0, 59, []),
    ("hour", 0, 23, []),
    ("day of month", 1, 31, []),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 7, _DAYS),
)
FORMAT = "five fields 'minute hour day-of-month month day-of-week', e.g. '0 * * * *' (hourly)"


class CronError(ValueError):
    """A schedule that is not a valid cron expression, or that runs too often."""


@dataclass(frozen=True)
class CronSpec:
    """The expanded value sets of a cron expression (day of week 7 folded onto 0, Sunday)."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]


def _number(text: str, field: str, low: int, high: int, names: list[str]) -> int:
    upper = text.upper()
    if upper in names:
        return names.index(upper) + low
    if not text.isdigit():
        raise CronError(f"'{text}' is not a valid {field}")
    value = int(text)
    if not low <= value <= high:
        raise CronError(f"{field} {value} is out of range {low}-{high}")
    return value


def _expand(part: str, field: str, low: int, high: int, names: list[str]) -> set[int]:
    values: set[int] = set()
    for item in part.split(","):
        base, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"'{item}' has an invalid step in the {field} field")
            step = int(step_text)
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            start = _number(first, field, low, high, names)
            end = _number(last, field, low, high, names)
            if start > end:
                raise CronError(f"range '{base}' runs backwards in the {field} field")
        else:
            start = _number(base, field, low, high, names)
            end = high if slash else start
        values.update(range(start, end + 1, step))
    return values


def parse_cron(expression: str) -> CronSpec:
    """Parse a five-field cron expression (or an alias such as ``@hourly``)."""
    text = ALIASES.get(expression.strip().lower(), expression.strip())
    parts = text.split()
    if len(parts) != len(_FIELDS):
        raise CronError(f"it has {len(parts)} fields instead of 5")
    sets = [
        frozenset(_expand(part, name, low, high, names))
        for part, (name, low, high, names) in zip(parts, _FIELDS, strict=True)
    ]
    weekdays = frozenset(0 if day == 7 else day for day in sets[4])
    return CronSpec(sets[0], sets[1], sets[2], sets[3], weekdays)


def shortest_gap_minutes(spec: CronSpec) -> int:
    """The shortest time between two runs within an hour (60 when it runs once an hour)."""
    minutes = sorted(spec.minutes)
    gaps = [b - a for a, b in pairwise(minutes)]
    gaps.append(minutes[0] + 60 - minutes[-1])
    return min(gaps)


def validate_cron(expression: str) -> str:
    """Return ``expression`` stripped, or raise :class:`CronError` saying what to change."""
    try:
        spec = parse_cron(expression)
    except CronError as exc:
        raise CronError(f"invalid schedule '{expression}': {exc}; use {FORMAT}") from None
    gap = shortest_gap_minutes(spec)
    if gap < MIN_INTERVAL_MINUTES:
        raise CronError(
            f"schedule '{expression}' runs every {gap} minute(s); the most often allowed is "
            f"every {MIN_INTERVAL_MINUTES} minutes, e.g. '*/5 * * * *'"
        )
    return expression.strip()


def next_time(spec: CronSpec, after: datetime) -> datetime:
    """The first minute strictly after ``after`` that ``spec`` names, in UTC.

    As in cron, when both day of month and day of week are restricted, a day matching either
    one runs. Raises :class:`CronError` for an expression naming no date (such as 30 February).
    """
    start = (after.astimezone(UTC) + timedelta(minutes=1)).replace(second=0, microsecond=0)
    minutes, hours = sorted(spec.minutes), sorted(spec.hours)
    day = start.replace(hour=0, minute=0)
    for _ in range(_SEARCH_DAYS):
        if day.month in spec.months and _day_matches(spec, day):
            for hour in hours:
                for minute in minutes:
                    moment = day.replace(hour=hour, minute=minute)
                    if moment >= start:
                        return moment
        day += timedelta(days=1)
    raise CronError("the schedule names no date that exists; check its day and month fields")


def _day_matches(spec: CronSpec, day: datetime) -> bool:
    in_month = day.day in spec.days
    in_week = (day.weekday() + 1) % 7 in spec.weekdays  # cron counts from Sunday = 0
    month_restricted = len(spec.days) < 31
    week_restricted = len(spec.weekdays) < 7
    if month_restricted and week_restricted:
        return in_month or in_week
    return in_month and in_week
