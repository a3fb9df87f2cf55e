"""Cursor pagination: rows in id order, an opaque cursor after the last one, and the next
page's address in ``next_cursor`` and in a ``Link`` header (RFC 8288)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session
from starlette.requests import Request
from starlette.responses import Response

from .access import Api
from .errors import INVALID_CURSOR, ApiError, problems
from .types import MAX_ID

MAX_LIMIT = 200
Item = TypeVar("Item")
Row = TypeVar("Row")

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page, 1 to {MAX_LIMIT}.")]
Cursor = Annotated[
    str | None,
    Query(
        max_length=200,
        pattern=r"^[A-Za-z0-9_-]*$",
        description="The next_cursor of the previous page; omit it for the first page.",
    ),
]
LINK_HEADER = {
    "Link": {
        "description": 'The next page, as <URL>; rel="next"; absent on the last page.',
        "schema": {"type": "string"},
    }
}
# The responses of a list route, for its OpenAPI declaration.
LISTED = {200: {"headers": LINK_HEADER}, **problems(400)}


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    next_cursor: str | None = Field(
        description="Pass it as ?cursor= for the next page; null on the last page."
    )


AnyPage = TypeVar("AnyPage", bound=Page[Any])


def encode(resource: str, last_id: int) -> str:
    raw = orjson.dumps({"r": resource, "after": last_id})
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(resource: str, cursor: str | None) -> int:
    """The id the page starts after (0 for the first page); a cursor of another list, or one
    not made here, is refused."""
    if not cursor:
        return 0
    try:
        data: Any = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        after = data["after"] if data.get("r") == resource else None
    except (binascii.Error, ValueError, TypeError, AttributeError, KeyError):
        after = None
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after <= MAX_ID:
        raise ApiError(
            400,
            INVALID_CURSOR,
            f"The cursor is not one of this list ({resource}). Pass the next_cursor of the "
            "previous page unchanged, or leave cursor out to start from the first page.",
        )
    return after


@dataclass(frozen=True)
class PageRequest:
    """What a list route was asked for: a page size, a cursor, and where to answer."""

    request: Request
    response: Response
    limit: int
    cursor: str | None

    def rows(
        self,
        session: Session,
        query: Select[Row],
        id_column: InstrumentedAttribute[int],
        resource: str,
    ) -> tuple[Sequence[Row], str | None]:
        """One page of ``query`` in ``id_column`` order, and the cursor of the next page
        (also sent as a Link header)."""
        after = decode(resource, self.cursor)
        query = query.where(id_column > after).order_by(id_column).limit(self.limit + 1)
        rows = session.scalars(query).all()
        if len(rows) <= self.limit:
            return rows, None
        rows = rows[: self.limit]
        next_cursor = encode(resource, getattr(rows[-1], id_column.key))
        url = self.request.url.include_query_params(cursor=next_cursor, limit=self.limit)
        self.response.headers["Link"] = f'<{url}>; rel="next"'
        return rows, next_cursor

    def page(
        self,
        api: Api,
        query: Select[Row],
        id_column: InstrumentedAttribute[int],
        resource: str,
        page: type[AnyPage],
        convert: Callable[[Row], Any],
    ) -> AnyPage:
        """One page of ``query``, its rows converted to the page's items."""
        with api.reading() as session:
            rows, next_cursor = self.rows(session, query, id_column, resource)
            return page(items=[convert(row) for row in rows], next_cursor=next_cursor)


def _page_request(
    request: Request, response: Response, limit: Limit = 50, cursor: Cursor = None
) -> PageRequest:
    return PageRequest(request, response, limit, cursor)


Paging = Annotated[PageRequest, Depends(_page_request)]
