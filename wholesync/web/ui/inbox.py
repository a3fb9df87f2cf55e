"""The webhook inbox: every delivery Shopify sent the tenant, as received, processed, ignored
or failed, with counts per status, and a delivery's page with its payload.

Deliveries are stored without their headers, so no signature or secret can show here.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from starlette.responses import HTMLResponse

from wholesync.runtime import inbox
from wholesync.runtime.models import InboxEntry, InboxStatus

from .listing import FormText, Pages, RowId, choice
from .page import SignedIn

router = APIRouter()
# A larger payload is cut when shown (the whole body stays stored).
SHOWN_BYTES = 512_000


@router.get("/webhooks")
def webhooks(
    page: SignedIn, paging: Pages, status: FormText = "", topic: FormText = ""
) -> HTMLResponse:
    chosen = choice(status, InboxStatus, "status")
    with page.reading() as session:
        topics = inbox.topics(session, page.tenant_id)
        chosen_topic = choice(topic, topics, "topic")
        query = inbox.entries(page.tenant_id, status=chosen, topic=chosen_topic)
        found = paging.slice(session, query, InboxEntry.id.desc())
        return page.render(
            "webhooks/list.html",
            entries=found,
            counts=inbox.counts(session, page.tenant_id),
            status=chosen or "",
            topic=chosen_topic or "",
            topics=topics,
        )


@router.get("/webhooks/{entry_id}")
def webhook(page: SignedIn, entry_id: RowId) -> HTMLResponse:
    with page.reading() as session:
        entry = page.owned(session, InboxEntry, entry_id, "webhook delivery")
        payload, cut = pretty(entry.body)
        return page.render("webhooks/detail.html", entry=entry, payload=payload, cut=cut)


def pretty(body: bytes) -> tuple[str, bool]:
    """The payload as indented JSON (as received when it is not JSON), and whether it was cut
    to :data:`SHOWN_BYTES`."""
    try:
        text = orjson.dumps(orjson.loads(body), option=orjson.OPT_INDENT_2).decode()
    except orjson.JSONDecodeError:
        text = body.decode("utf-8", errors="replace")
    cut = len(text) > SHOWN_BYTES
    return (text[:SHOWN_BYTES] if cut else text), cut
