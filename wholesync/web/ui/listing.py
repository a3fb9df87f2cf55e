"""Lists in the integration center: numbered pages of a query, the page links (which keep the
list's filters), and the reading of search and filter fields.

A route takes ``paging: Pages`` (from ``?page=``) and calls ``paging.slice(session, query,
*order_by)``; the template shows ``{{ pager(slice) }}`` from ``browse/pager.html``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar
from urllib.parse import urlencode

from fastapi import Depends, Path, Query
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from starlette.requests import Request

from wholesync.web.api.types import MAX_ID

from .page import PageError

PER_PAGE = 50
MAX_PAGE = 1_000_000
INVALID_FILTER = "INVALID_FILTER"
Row = TypeVar("Row")

# An id in a page's path: a larger one cannot exist (and PostgreSQL would refuse it).
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
# A list's search box or filter field as the form sends it (empty when left blank).
FormText = Annotated[str, Query(max_length=200)]


@dataclass(frozen=True)
class Slice(Generic[Row]):
    """One page of a list: its rows, where it stands, and links to the other pages."""

    rows: Sequence[Row]
    number: int
    pages: int
    total: int
    first: int
    params: tuple[tuple[str, str], ...]

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1

    def href(self, number: int) -> str:
        """The link to page ``number`` with the same filters."""
        return "?" + urlencode([*self.params, ("page", str(number))])


@dataclass(frozen=True)
class Paging:
    """The page a list was asked for (``?page=``, from 1)."""

    request: Request
    number: int
    per_page: int = PER_PAGE

    def slice(self, session: Session, query: Select[Row], *order_by: Any) -> Slice[Row]:
        """The asked page of ``query`` in ``order_by`` order; past the end, the last page."""
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        total = total or 0
        pages = max(1, -(-total // self.per_page))
        number = min(self.number, pages)
        offset = (number - 1) * self.per_page
        rows = session.scalars(query.order_by(*order_by).limit(self.per_page).offset(offset))
        params = tuple(
            (name, value)
            for name, value in self.request.query_params.multi_items()
            if name not in ("page", "notice") and value
        )
        return Slice(list(rows), number, pages, total, offset + 1, params)


def _paging(
    request: Request, number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1
) -> Paging:
    return Paging(request, number)


Pages = Annotated[Paging, Depends(_paging)]


def search_text(value: str) -> str | None:
    """What to search for: the box's text without surrounding blanks (None when blank)."""
    if "\x00" in value:
        message = "The search text holds a NUL character: remove it and search again."
        raise PageError(422, INVALID_FILTER, message)
    return value.strip() or None


def choice(value: str, allowed: Iterable[str], name: str) -> str | None:
    """A filter's chosen value (None for "all"); one that is not offered is refused."""
    options = [str(option) for option in allowed]
    if not value:
        return None
    if value not in options:
        raise PageError(
            422,
            INVALID_FILTER,
            f"{name} {value[:60]!r} is not one of: {', '.join(options) or 'none'}. "
            "Pick one from the list.",
        )
    return value
