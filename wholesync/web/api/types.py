"""Field types the API's request models share: bounded ids and texts, and UTC timestamps.

Every bound mirrors a column or a database limit, so bad input is refused with a 422 that
names the field instead of failing in the database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Query
from pydantic import AfterValidator, Field, StringConstraints

# Largest BIGINT: a larger id cannot exist, and PostgreSQL would refuse to compare with it.
MAX_ID = 2**63 - 1
# PostgreSQL refuses NUL in text.
NO_NUL = r"^[^\x00]*$"

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Text16 = Annotated[str, StringConstraints(max_length=16, pattern=NO_NUL)]
Text32 = Annotated[str, StringConstraints(max_length=32, pattern=NO_NUL)]
Text64 = Annotated[str, StringConstraints(max_length=64, pattern=NO_NUL)]
Text100 = Annotated[str, StringConstraints(max_length=100, pattern=NO_NUL)]
Text255 = Annotated[str, StringConstraints(max_length=255, pattern=NO_NUL)]
LongText = Annotated[str, StringConstraints(max_length=20_000, pattern=NO_NUL)]
Email = Annotated[
    str, StringConstraints(max_length=320, pattern=r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$")
]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


def _in_utc(moment: datetime) -> datetime:
    """A naive timestamp is taken as UTC; one that cannot be expressed in UTC is refused."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("the timestamp is out of range once converted to UTC") from None


UtcDatetime = Annotated[datetime, AfterValidator(_in_utc)]


def query_id(description: str) -> Any:
    """A query parameter naming a row by id."""
    return Query(ge=1, le=MAX_ID, description=description)


def query_text(max_length: int, description: str | None = None) -> Any:
    """A query parameter matched against a text column of ``max_length``."""
    return Query(min_length=1, max_length=max_length, pattern=NO_NUL, description=description)


SearchText = Annotated[str | None, query_text(100, "Text to look for.")]
Since = Annotated[
    UtcDatetime | None,
    Query(description="Only rows changed at or after this time (ISO 8601; UTC if no offset)."),
]
