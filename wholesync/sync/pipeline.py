"""The load loop every inbound flow shares: map each fetched node, plan what to do with it,
then write a batch at a time.

A batch is written inside one SAVEPOINT. When that fails, the batch is rolled back and
written again one record per SAVEPOINT, so the bad record becomes a rejection and the rest
still load: one bad record never stops a run. Batches commit as they go, with their run
records, so an interrupted run keeps what it loaded. A preview plans and diffs exactly like a
real run but never calls ``apply``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any, Protocol

from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from wholesync.sync.runs import Outcome, RunRecorder

INVALID_PAYLOAD = "INVALID_PAYLOAD"
WRITES = frozenset({"create", "update", "archive"})
# What the database says about bad data; anything else (a lost connection, a bug) ends the run.
REFUSED = (IntegrityError, DataError)
# A batch of 1,000 products is a few hundred thousand young objects: a first generation of
# 200,000 lets most of them die before a collection scans them (measured: half the GC time).
GC_THRESHOLDS = (200_000, 50, 100)


@dataclass(eq=False, slots=True)
class Plan:
    """What the loader decided for one record, and what it needs to carry it out."""

    action: str
    entity: str
    gid: str | None
    key: str | None = None
    record: Any = None
    hub_id: int | None = None
    fingerprint: str | None = None
    code: str | None = None
    message: str | None = None
    diff: dict[str, list[Any]] | None = None
    # Write the external reference even when the action is "unchanged" (new fingerprint).
    touch_ref: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def reject(self, code: str, message: str) -> None:
        self.action, self.code, self.message = "reject", code, message
        self.touch_ref = False

    def outcome(self) -> Outcome:
        return Outcome(
            entity=self.entity,
            action=self.action,
            key=self.key,
            shopify_gid=self.gid,
            code=self.code,
            message=self.message,
            diff=self.diff,
        )


class Loader(Protocol):
    """Plans and writes one kind of record; see load_products for the full story."""

    def precheck(self, node: dict[str, Any]) -> Plan | None:
        """A plan decided from the raw node alone (unchanged since the last load), which
        saves mapping it; None to map it as usual."""
        ...

    def plan(self, item: Any) -> Plan | None:
        """Decide for one mapped item (record, Rejection or Archive); None means ignore it."""
        ...

    def prepare(self, plans: list[Plan], *, preview: bool) -> None:
        """Read what the batch needs from the hub and fill in the diffs (no writes)."""
        ...

    def apply(self, plans: list[Plan]) -> None:
        """Write the batch; raise to have it retried one record at a time."""
        ...

    def sweep(self, seen: set[str]) -> list[Plan]:
        """After a complete full fetch: plans to archive what Shopify no longer returned."""
        ...

    def discard(self) -> None:
        """Forget in-memory state staged by an ``apply`` whose SAVEPOINT rolled back."""
        ...


@dataclass
class Progress:
    """What the pipeline saw, for the cursor and the caller's progress bar."""

    seen: set[str] = field(default_factory=set)
    newest: datetime | None = None
    processed: int = 0


def _updated_at(node: dict[str, Any]) -> datetime | None:
    raw = node.get("updatedAt")
    if not isinstance(raw, str):
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect garbage less often while loading. A load allocates millions of short-lived
    objects next to large indexes that live all run; at the default thresholds the collector
    keeps rescanning those indexes and costs about a third of the run. The batches hold no
    reference cycles of note, so memory does not grow for it."""
    before = gc.get_threshold()
    gc.set_threshold(*(max(now, tuned) for now, tuned in zip(before, GC_THRESHOLDS, strict=True)))
    try:
        yield
    finally:
        gc.set_threshold(*before)


class Pipeline:
    """Runs nodes through ``mapper`` and ``loader`` in batches and records every outcome."""

    def __init__(
        self,
        session: Session,
        recorder: RunRecorder,
        loader: Loader,
        mapper: Callable[[dict[str, Any]], Any],
        *,
        entity: str,
        preview: bool,
        batch_size: int = 500,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        self.session, self.recorder, self.loader, self.mapper = session, recorder, loader, mapper
        self.entity, self.preview, self.batch_size = entity, preview, batch_size
        self.on_progress = on_progress
        self.progress = Progress()

    def run(self, nodes: Iterable[dict[str, Any]]) -> Progress:
        with _fewer_collections():
            for batch in _batches(nodes, self.batch_size):
                plans = [plan for node in batch for plan in self._plan(node)]
                self._load(plans)
                self.progress.processed += len(batch)
                if self.on_progress is not None:
                    self.on_progress(len(batch))
        return self.progress

    def sweep(self) -> None:
        """Archive what a complete full fetch no longer returned."""
        plans = self.loader.sweep(self.progress.seen)
        for batch in _batches(plans, self.batch_size):
            self._load(batch)

    def _plan(self, node: dict[str, Any]) -> list[Plan]:
        """Plans for one node: the mapper gives one item, or a list (an inventory item's
        levels); None from the loader means there is nothing to do."""
        gid = node.get("id") if isinstance(node, dict) else None
        if isinstance(gid, str):
            self.progress.seen.add(gid)
        updated = _updated_at(node) if isinstance(node, dict) else None
        if updated is not None and (self.progress.newest is None or updated > self.progress.newest):
            self.progress.newest = updated
        if isinstance(node, dict):
            quick = self.loader.precheck(node)
            if quick is not None:
                return [quick]
        try:
            mapped = self.mapper(node)
        except Exception as exc:  # a record we cannot read must not stop the run
            failed = Plan(
                action="reject",
                entity=self.entity,
                gid=gid if isinstance(gid, str) else None,
                code=INVALID_PAYLOAD,
                message=f"Shopify sent a record Wholesync cannot read ({type(exc).__name__}: "
                f"{exc}); check it in the Shopify admin and save it again.",
            )
            return [failed]
        plans = []
        for item in mapped if isinstance(mapped, list) else [mapped]:
            mapped_gid = getattr(item, "shopify_gid", None)
            if isinstance(mapped_gid, str):
                self.progress.seen.add(mapped_gid)
            plan = self.loader.plan(item)
            if plan is not None:
                plans.append(plan)
        return plans

    def _load(self, plans: list[Plan]) -> None:
        self.loader.prepare(plans, preview=self.preview)
        if not self.preview:
            writes = [p for p in plans if p.action in WRITES or p.touch_ref]
            if writes:
                self._write(writes)
        recorder = self.recorder
        for plan in plans:
            if plan.action == "unchanged" and plan.message is None and not self.preview:
                recorder.count("unchanged")  # nothing to keep but the count
            else:
                recorder.add(plan.outcome())
        if not self.preview:
            self.recorder.flush()
            self.session.commit()

    def _write(self, plans: list[Plan]) -> None:
        if len(plans) > 1:
            try:
                with self.session.begin_nested():
                    self.loader.apply(plans)
                return
            except REFUSED:
                self.loader.discard()
        for plan in plans:
            try:
                with self.session.begin_nested():
                    self.loader.apply([plan])
            except REFUSED as exc:
                self.loader.discard()
                plan.reject(
                    INVALID_PAYLOAD,
                    f"The hub refused this record ({_reason(exc)}); correct it in Shopify "
                    "and sync again.",
                )


def _reason(exc: Exception) -> str:
    original = getattr(exc, "orig", None)
    text = str(original if original is not None else exc)
    return text.splitlines()[0][:300]
