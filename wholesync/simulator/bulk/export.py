"""Runs a bulk query over a whole shop on a background thread and streams the JSONL result to
disk, laid out as Shopify lays it out: one line per object, the children of a nested
connection on lines of their own after their parent, carrying ``__parentId``.

Shopify ignores paging arguments in bulk queries, so the export reads every connection whole
(``pagination.OVERRIDE``). Root objects are executed a chunk at a time under the shop lock, so
the API keeps serving meanwhile and memory stays bounded by one chunk, whatever the shop size.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, cast

import orjson
from graphql import GraphQLError, GraphQLObjectType, default_field_resolver
from graphql.execution.execute import ExecutionContext
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path as ResponsePath

from wholesync.simulator.api.engine import schema
from wholesync.simulator.api.pagination import OVERRIDE, encode_cursor
from wholesync.simulator.bulk.query import BulkQuery, Connection, Shape
from wholesync.simulator.ids import parse_gid
from wholesync.simulator.registry import NODE_LOOKUPS, Context
from wholesync.simulator.store import Record
from wholesync.simulator.webhooks.dispatcher import dispatcher_for

log = logging.getLogger(__name__)
CHUNK = 100  # root objects exported per hold of the shop lock
DEFAULT_RUNNING_SECONDS = 0.1
_results: tempfile.TemporaryDirectory[str] | None = None
_results_lock = threading.Lock()


def results_dir() -> Path:
    """Where result files live; removed when the process exits."""
    global _results
    with _results_lock:
        if _results is None:
            _results = tempfile.TemporaryDirectory(prefix="wholesync-sim-bulk-")
        return Path(_results.name)


def jsonl(value: Record) -> bytes:
    """One JSONL line as Shopify writes it: compact, UTF-8, with ``/`` escaped as ``\\/``."""
    # A "/" can only occur inside JSON strings, so escaping every one is safe.
    return orjson.dumps(value).replace(b"/", b"\\/") + b"\n"


class _Edges:
    """A connection's edges, made as they are read: a whole connection can be large."""

    def __init__(
        self, items: list[Record], number: Callable[[Record], int], value: Callable[[Record], Any]
    ) -> None:
        self.items, self.number, self.value = items, number, value

    def __iter__(self) -> Iterator[Record]:
        for item in self.items:
            yield {"cursor": encode_cursor(self.number(item), self.value(item)), "node": item}


def _whole(
    items: Sequence[Record],
    args: dict[str, Any],
    number: Callable[[Record], int],
    sort_value: Callable[[Record], Any] | None,
) -> Record:
    ordered = list(reversed(items)) if args.get("reverse") else list(items)
    value = sort_value or number
    ends = [encode_cursor(number(item), value(item)) for item in ordered[:1] + ordered[-1:]]
    return {
        "edges": _Edges(ordered, number, value),
        "nodes": ordered,
        "pageInfo": {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": ends[0] if ends else None,
            "endCursor": ends[-1] if ends else None,
        },
    }


def _error_count(built: ExecutionContext) -> int:
    # graphql-core 3.2.14 keeps field errors in ``collected_errors``; earlier 3.2 in ``errors``.
    collected = getattr(built, "collected_errors", None)
    found = collected.errors if collected is not None else getattr(built, "errors", [])
    return len(found)


def _split(data: Record, shape: Shape) -> tuple[Record, list[tuple[Connection, Any]]]:
    """The object's own line (connections taken out) and the connections taken out."""
    line = dict(data)
    children: list[tuple[Connection, Any]] = []
    for key, connection in shape.connections.items():
        children.append((connection, line.pop(key, None)))
    for key, inner in shape.objects.items():
        value = line.get(key)
        if isinstance(value, dict):
            line[key], more = _split(value, inner)
            children += more
    return line, children


class Export:
    """One bulk operation's run: RUNNING, the export, then COMPLETED, FAILED or CANCELED."""

    def __init__(self, context: Context, record: Record, query: BulkQuery) -> None:
        self.context = context
        self.shop = context.shop
        self.record = record
        self.query = query
        self.cancel: threading.Event = record["_cancel"]
        self.objects = 0
        self.roots = 0
        self.failed = False
        self.name = f"bulk-{record['id'].rsplit('/', 1)[-1]}-{uuid.uuid4().hex[:8]}.jsonl"
        self.path = results_dir() / self.name

    def start(self) -> None:
        threading.Thread(target=self.run, name=f"bulk-{self.name}", daemon=True).start()

    def run(self) -> None:
        started = time.monotonic()
        with self.shop.lock:
            if not self.cancel.is_set():
                self.record["status"] = "RUNNING"
        token = OVERRIDE.set(_whole)
        try:
            with self.path.open("wb") as out:
                self._export(out)
        except Exception:  # whatever broke, the operation must end FAILED, not hang RUNNING
            log.exception("bulk operation %s failed", self.record["id"])
            self.failed = True
        finally:
            OVERRIDE.reset(token)
        # Shopify's operations take a moment; the hold keeps CREATED/RUNNING observable.
        hold = float(self.shop.bulk_settings.get("running_seconds", DEFAULT_RUNNING_SECONDS))
        remaining = hold - (time.monotonic() - started)
        if remaining > 0 and not self.failed:
            self.cancel.wait(remaining)
        self._finish()

    def _export(self, out: IO[bytes]) -> None:
        built = ExecutionContext.build(
            schema(), self.query.document, context_value=self.context, raw_variable_values={}
        )
        if isinstance(built, list):
            self.failed = True
            return
        for root in self.query.roots:
            with self.shop.lock:
                items = self._root_items(built, root)
            for start in range(0, len(items), CHUNK):
                if self.cancel.is_set():
                    return
                lines: list[bytes] = []
                with self.shop.lock:
                    for item in items[start : start + CHUNK]:
                        if self._exists(item):
                            self._export_root(built, root, item, lines)
                    self.objects += len(lines)
                    self.record["objectCount"] = str(self.objects)
                    self.record["rootObjectCount"] = str(self.roots)
                out.write(b"".join(lines))
                # Locks are not fair: pause so a waiting request gets the shop before we do.
                time.sleep(0.001)

    def _root_items(self, built: ExecutionContext, root: Connection) -> list[Record]:
        """Every object of a root connection, found by the root field's own resolver."""
        query_type = built.schema.query_type
        assert query_type is not None
        definition = query_type.fields[root.name]
        path = ResponsePath(None, root.key, query_type.name)
        info = built.build_resolve_info(definition, root.field_nodes, query_type, path)
        args = get_argument_values(definition, root.field_nodes[0], built.variable_values)
        resolve = definition.resolve or default_field_resolver
        result = resolve(None, info, **args)
        if not isinstance(result, dict):
            return []
        nodes = result.get("nodes")
        if nodes is None:
            nodes = [edge["node"] for edge in result.get("edges") or []]
        return list(nodes)

    def _exists(self, item: Record) -> bool:
        """False for a root object deleted since the export listed it."""
        parsed = parse_gid(str(item.get("id", "")))
        if parsed is None or parsed[0] not in NODE_LOOKUPS:
            return True
        return NODE_LOOKUPS[parsed[0]](self.shop, parsed[1]) is not None

    def _export_root(
        self, built: ExecutionContext, root: Connection, item: Record, lines: list[bytes]
    ) -> None:
        named = root.node_type
        runtime = named if isinstance(named, GraphQLObjectType) else None
        if runtime is None:
            found = built.schema.get_type(str(item.get("__typename")))
            runtime = found if isinstance(found, GraphQLObjectType) else None
        if runtime is None:
            self.failed = True
            return
        fields = built.collect_subfields(runtime, root.node_nodes)
        # Each root object gets its own response path, so an error in one never hides another's.
        path = ResponsePath(ResponsePath(None, root.key, None), self.roots, None)
        errors_before = _error_count(built)
        try:
            data = built.execute_fields(runtime, item, path, fields)
        except GraphQLError:
            self.failed = True
            return
        if _error_count(built) > errors_before:
            self.failed = True
        self.roots += 1
        self._emit(cast(Record, data), root.shape, None, lines)

    def _emit(self, data: Record, shape: Shape, parent: Any, lines: list[bytes]) -> None:
        line, children = _split(data, shape)
        if parent is not None:
            line["__parentId"] = parent
        lines.append(jsonl(line))
        for connection, value in children:
            edges = value.get("edges") if isinstance(value, dict) else None
            for edge in edges or []:
                node = edge.get("node") if isinstance(edge, dict) else None
                if isinstance(node, dict):
                    self._emit(node, connection.shape, data.get("id"), lines)

    def _finish(self) -> None:
        record, shop = self.record, self.shop
        with shop.lock:
            record["objectCount"] = str(self.objects)
            record["rootObjectCount"] = str(self.roots)
            url = f"{self.context.base_url}/__sim/files/{shop.handle}/{self.name}"
            keep = False
            if self.cancel.is_set():
                record["status"] = "CANCELED"
            elif self.failed:
                record["status"] = "FAILED"
                record["errorCode"] = "INTERNAL_SERVER_ERROR"
                if self.objects:
                    record["partialDataUrl"] = url
                    keep = True
            else:
                record["status"] = "COMPLETED"
                record["completedAt"] = shop.now()
                # Shopify gives no file for an export that found nothing.
                if self.objects:
                    record["url"] = url
                    record["fileSize"] = str(self.path.stat().st_size)
                    keep = True
            if keep:
                shop.files[self.name] = self.path
            else:
                self.path.unlink(missing_ok=True)
        dispatcher = dispatcher_for(self.context.store)
        if dispatcher is not None:
            dispatcher.publish(shop, "bulk_operations/finish", record)
