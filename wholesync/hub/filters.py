"""Filters the list queries share; each is skipped when its value was not given."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_

Row = TypeVar("Row")


def where_equal(query: Select[Row], *filters: tuple[Any, object | None]) -> Select[Row]:
    """Rows whose column equals each given value."""
    for column, value in filters:
        if value is not None:
            query = query.where(column == value)
    return query


def where_since(query: Select[Row], column: Any, since: datetime | None) -> Select[Row]:
    """Rows whose timestamp ``column`` is at or after ``since``."""
    return query if since is None else query.where(column >= since)


def contains(text: str, *columns: Any) -> ColumnElement[bool]:
    """True where any of ``columns`` contains ``text``, ignoring case (LIKE wildcards in
    ``text`` match themselves)."""
    wanted = text.lower()
    return or_(*(func.lower(column).contains(wanted, autoescape=True) for column in columns))


def where_contains(query: Select[Row], text: str | None, *columns: Any) -> Select[Row]:
    """Rows where any of ``columns`` contains ``text`` (see :func:`contains`)."""
    return query if text is None else query.where(contains(text, *columns))
