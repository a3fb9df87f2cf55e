"""The bound for the webhook intake benchmark: an ASGI endpoint that only checks the HMAC and
inserts one row into SQLite, served by the same uvicorn as ``wholesync serve``.

It has none of the intake's duties (tenant lookup, header checks, deduplication, the drain job)
and commits each row on its own, in the event loop, with the hub's journal settings.
Run with ``BARE_DB`` (the SQLite file) and ``BARE_SECRET`` (the webhook secret) set.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import sqlite3

from starlette.types import Receive, Scope, Send

_SECRET = os.environ.get("BARE_SECRET", "").encode()
_db = sqlite3.connect(os.environ.get("BARE_DB", ":memory:"), check_same_thread=False)
_db.execute("PRAGMA journal_mode=WAL")
_db.execute("PRAGMA synchronous=NORMAL")
_db.execute("CREATE TABLE IF NOT EXISTS inbox (webhook_id TEXT PRIMARY KEY, body BLOB)")


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    headers = dict(scope["headers"])
    expected = base64.b64encode(hmac.new(_SECRET, body, hashlib.sha256).digest())
    if not hmac.compare_digest(expected, headers.get(b"x-shopify-hmac-sha256", b"")):
        status = 401
    else:
        with _db:
            _db.execute(
                "INSERT INTO inbox VALUES (?, ?)", (headers[b"x-shopify-webhook-id"].decode(), body)
            )
        status = 200
    await send(
        {"type": "http.response.start", "status": status, "headers": [(b"content-length", b"0")]}
    )
    await send({"type": "http.response.body", "body": b""})


def count(path: str) -> int:
    """Rows the bare endpoint stored in ``path``."""
    with sqlite3.connect(path) as db:
        (rows,) = db.execute("SELECT count(*) FROM inbox").fetchone()
    return int(rows)
