"""Bulk operations: ``bulkOperationRunQuery``, ``bulkOperationCancel`` and
``bulkOperation(id:)``, the ``bulk_operations/finish`` webhook, and per-shop knobs.

An operation is CREATED by the mutation, then RUNNING on a background thread (bulk_export.py)
until COMPLETED with a JSONL ``url``, FAILED, or CANCELED after a cancel (CANCELING meanwhile).
It stays RUNNING for at least ``running_seconds`` (a per-shop setting, default 0.1 s), so a
client sees the states it must handle and a test can keep one in progress on purpose.
"""

from __future__ import annotations

import threading
from typing import Any

from graphql import GraphQLResolveInfo
from pydantic import BaseModel, Field

from wholesync.simulator.api.errors import user_error
from wholesync.simulator.bulk import query as bulk_query
from wholesync.simulator.bulk.export import DEFAULT_RUNNING_SECONDS, Export
from wholesync.simulator.control import inspector, merchant_action
from wholesync.simulator.ids import gid, parse_gid
from wholesync.simulator.registry import Context, ctx, node_table, resolves, webhook_payload
from wholesync.simulator.store import Record, Shop

IN_PROGRESS = ("CREATED", "RUNNING", "CANCELING")
FINISHED = ("COMPLETED", "CANCELED", "FAILED", "EXPIRED")
# API versions before 2026-01 allowed one bulk query at a time per shop; later ones five.
FIVE_AT_A_TIME_SINCE = "2026-01"


class BulkSettings(BaseModel):
    """Body of ``PUT /__sim/shops/{shop}/bulk_operations/settings``."""

    max_concurrent_queries: int | None = Field(
        None, ge=1, le=50, description="bulk queries in progress at once; null: by API version"
    )
    running_seconds: float = Field(
        DEFAULT_RUNNING_SECONDS, ge=0, le=3600, description="least time an operation runs"
    )

    model_config = {"extra": "forbid"}


def public(record: Record) -> Record:
    """The operation without its private keys, as answers and listings show it."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


node_table("BulkOperation", lambda shop: shop.bulk_operations)


def _find(shop: Shop, value: str) -> Record | None:
    parsed = parse_gid(value)
    if parsed is None or parsed[0] != "BulkOperation":
        return None
    return shop.bulk_operations.get(parsed[1])


@resolves("QueryRoot", "bulkOperation")
def resolve_bulk_operation(_: Any, info: GraphQLResolveInfo, id: str) -> Record | None:
    record = _find(ctx(info).shop, id)
    return public(record) if record is not None else None


def concurrency_limit(shop: Shop, api_version: str) -> int:
    configured = shop.bulk_settings.get("max_concurrent_queries")
    if configured:
        return int(configured)
    old = api_version != "unstable" and api_version < FIVE_AT_A_TIME_SINCE
    return 1 if old else 5


@resolves("Mutation", "bulkOperationRunQuery")
def resolve_bulk_operation_run_query(
    _: Any, info: GraphQLResolveInfo, query: str, groupObjects: bool = False
) -> Record:
    # groupObjects needs nothing: children always follow their parent in the file.
    context = ctx(info)
    shop = context.shop
    parsed, problems = bulk_query.analyze(info.schema, query)
    if parsed is None:
        return {
            "bulkOperation": None,
            "userErrors": [user_error(["query"], message, "INVALID") for message in problems],
        }
    running = [
        r["id"]
        for _, r in sorted(shop.bulk_operations.items())
        if r["type"] == "QUERY" and r["status"] in IN_PROGRESS
    ]
    if len(running) >= concurrency_limit(shop, context.api_version):
        message = (
            "A bulk query operation for this app and shop is already in progress: "
            f"{', '.join(running)}."
        )
        return {
            "bulkOperation": None,
            "userErrors": [user_error(None, message, "OPERATION_IN_PROGRESS")],
        }
    number = shop.next_number()
    record: Record = {
        "__typename": "BulkOperation",
        "id": gid("BulkOperation", number),
        "status": "CREATED",
        "type": "QUERY",
        "errorCode": None,
        "createdAt": shop.now(),
        "completedAt": None,
        "objectCount": "0",
        "rootObjectCount": "0",
        "fileSize": None,
        "url": None,
        "partialDataUrl": None,
        "query": query,
        "_cancel": threading.Event(),
    }
    shop.bulk_operations[number] = record
    # The answer is taken now: the export thread may move the record on before it is sent.
    answer = public(record)
    worker_context = Context(
        shop=shop, store=context.store, api_version=context.api_version, base_url=context.base_url
    )
    Export(worker_context, record, parsed).start()
    return {"bulkOperation": answer, "userErrors": []}


@resolves("Mutation", "bulkOperationCancel")
def resolve_bulk_operation_cancel(_: Any, info: GraphQLResolveInfo, id: str) -> Record:
    record = _find(ctx(info).shop, id)
    if record is None:
        return {
            "bulkOperation": None,
            "userErrors": [user_error(["id"], "Bulk operation does not exist")],
        }
    status = record["status"]
    if status in FINISHED:
        message = f"A bulk operation cannot be canceled when it is {status.lower()}"
        return {"bulkOperation": public(record), "userErrors": [user_error(None, message)]}
    record["status"] = "CANCELING"
    record["_cancel"].set()
    return {"bulkOperation": public(record), "userErrors": []}


@webhook_payload("bulk_operations/finish")
def finish_payload(_shop: Shop, record: Record) -> Record:
    error_code = record.get("errorCode")
    return {
        "admin_graphql_api_id": record["id"],
        "completed_at": record.get("completedAt"),
        "created_at": record["createdAt"],
        "error_code": error_code.lower() if error_code else None,
        "status": record["status"].lower(),
        "type": record["type"].lower(),
    }


@inspector("bulk_operations")
def _list_operations(shop: Shop) -> list[Record]:
    return [public(record) for _, record in sorted(shop.bulk_operations.items())]


@merchant_action("PUT", "/bulk_operations/settings")
def _put_settings(context: Context, _params: dict[str, str], body: dict[str, Any]) -> Record:
    """How many bulk queries may run at once and how long each stays RUNNING at least."""
    settings = BulkSettings.model_validate(body).model_dump()
    context.shop.bulk_settings = settings
    return settings
