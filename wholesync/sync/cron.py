"""Cron schedules for flows: five fields, parsed and checked so that no flow runs more often
than every five minutes."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

MIN_INTERVAL_MINUTES = 5
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
