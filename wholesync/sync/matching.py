"""Finding the hub row for a Shopify record, through external references.

A reference ties (tenant, entity, Shopify GID) to a hub id, with the fingerprint and Shopify
``updatedAt`` of what was last loaded. A flow preloads the references of one entity into a
dict (one query), so matching and the unchanged check cost no query per record; changes are
staged and written with one executemany per batch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, bindparam, select, update
from sqlalchemy.orm import Session

from wholesync.hub.models.types import utcnow
from wholesync.sync.bulk_write import insert_values
from wholesync.sync.fingerprint import (
    fingerprint,
    mapped_part,
    source_digest,
    source_part,
    stored,
)
from wholesync.sync.pipeline import Plan
from wholesync.sync.tables import REFS

STALE = "Ignored: Shopify sent an older version ({new}) than the one loaded ({old})."


@dataclass(slots=True)
class Ref:
    hub_id: int
    fingerprint: str | None
    updated_at: datetime | None


INSERT_COLUMNS = (
    "shopify_gid",
    "hub_id",
    "fingerprint",
    "shopify_updated_at",
    "tenant_id",
    "entity",
    "created_at",
    "updated_at",
)


# Hub ids per query when looking up the GIDs of a few rows.
LOOKUP_BATCH = 500


def gids_of(
    session: Session, tenant_id: int, entity: str, hub_ids: Iterable[int]
) -> dict[int, str]:
    """Hub id -> the GID it is linked to, for just these rows (the newest link wins)."""
    wanted = sorted(set(hub_ids))
    found: dict[int, str] = {}
    for start in range(0, len(wanted), LOOKUP_BATCH):
        rows = session.execute(
            select(REFS.c.hub_id, REFS.c.shopify_gid)
            .where(
                REFS.c.tenant_id == tenant_id,
                REFS.c.entity == entity,
                REFS.c.hub_id.in_(wanted[start : start + LOOKUP_BATCH]),
            )
            .order_by(REFS.c.id)
        )
        found.update({hub_id: gid for hub_id, gid in rows})
    return found


def link(
    session: Session,
    tenant_id: int,
    entity: str,
    gid: str,
    hub_id: int,
    updated_at: datetime | None = None,
) -> None:
    """Link a hub row to the Shopify record just made (or changed) from it, at Shopify's
    ``updated_at``: the next inbound sync loads that record into this row instead of creating
    another, and ignores older versions of it. A link that exists keeps its fingerprint."""
    now = utcnow()
    changed = session.execute(
        update(REFS)
        .where(REFS.c.tenant_id == tenant_id, REFS.c.entity == entity, REFS.c.shopify_gid == gid)
        .values(hub_id=hub_id, shopify_updated_at=updated_at, updated_at=now)
    )
    if not cast(CursorResult[Any], changed).rowcount:
        insert_values(
            session,
            REFS,
            INSERT_COLUMNS,
            [(gid, hub_id, None, updated_at, tenant_id, entity, now, now)],
        )


class RefIndex:
    """The references of one entity of one tenant, by Shopify GID."""

    def __init__(self, session: Session, tenant_id: int, entity: str, *, lazy: bool = False):
        self.session, self.tenant_id, self.entity = session, tenant_id, entity
        self._refs: dict[str, Ref] | None = None
        self._by_hub: dict[int, str] | None = None
        # Staged until flush: new references, and changes to stored ones.
        self._inserts: dict[str, Ref] = {}
        self._updates: dict[str, dict[str, Any]] = {}
        if not lazy:
            self._load()

    def _load(self) -> dict[str, Ref]:
        if self._refs is None:
            rows = self.session.execute(
                select(
                    REFS.c.shopify_gid,
                    REFS.c.hub_id,
                    REFS.c.fingerprint,
                    REFS.c.shopify_updated_at,
                ).where(REFS.c.tenant_id == self.tenant_id, REFS.c.entity == self.entity)
            )
            self._refs = {gid: Ref(hub_id, fp, at) for gid, hub_id, fp, at in rows}
        return self._refs

    def get(self, gid: str) -> Ref | None:
        return self._load().get(gid)

    def gid_of(self, hub_id: int) -> str | None:
        """The GID a hub row is linked to (reverse lookup, built on first use)."""
        if self._by_hub is None:
            self._by_hub = {ref.hub_id: gid for gid, ref in self._load().items()}
        return self._by_hub.get(hub_id)

    def items(self) -> Iterable[tuple[str, Ref]]:
        return self._load().items()

    def put(
        self,
        gid: str,
        hub_id: int,
        fingerprint: str | None,
        updated_at: datetime | None,
    ) -> None:
        """Stage a reference (insert or update); written by ``flush``."""
        refs = self._load()
        current = refs.get(gid)
        ref = Ref(hub_id, fingerprint, updated_at)
        if current is None or gid in self._inserts:
            self._inserts[gid] = ref
        elif current != ref:
            self._updates[gid] = {
                "b_gid": gid,
                "b_hub_id": hub_id,
                "b_fingerprint": fingerprint,
                "b_updated_at": updated_at,
            }
        else:
            return
        refs[gid] = ref
        if self._by_hub is not None:
            self._by_hub[hub_id] = gid

    def flush(self) -> None:
        """Write the staged references; call inside the batch's SAVEPOINT."""
        now = utcnow()
        if self._inserts:
            tenant_id, entity = self.tenant_id, self.entity
            rows = [
                (gid, ref.hub_id, ref.fingerprint, ref.updated_at, tenant_id, entity, now, now)
                for gid, ref in self._inserts.items()
            ]
            insert_values(self.session, REFS, INSERT_COLUMNS, rows)
        if self._updates:
            statement = (
                update(REFS)
                .where(
                    and_(
                        REFS.c.tenant_id == self.tenant_id,
                        REFS.c.entity == self.entity,
                        REFS.c.shopify_gid == bindparam("b_gid"),
                    )
                )
                .values(
                    hub_id=bindparam("b_hub_id"),
                    fingerprint=bindparam("b_fingerprint"),
                    shopify_updated_at=bindparam("b_updated_at"),
                    updated_at=now,
                )
            )
            self.session.execute(statement, list(self._updates.values()))
        self._inserts.clear()
        self._updates.clear()

    def discard_staged(self) -> None:
        """Forget staged changes after their SAVEPOINT rolled back, and reload on next use."""
        self._inserts.clear()
        self._updates.clear()
        self._refs = None
        self._by_hub = None


class SourceCheck:
    """Tells, before mapping, that a node is exactly the one loaded last time.

    The reference's fingerprint ends with the digest of the node it was loaded from (see
    fingerprint.stored). A node with the same digest maps to the same record, so it is
    unchanged without mapping it; that is what makes a no-change reconcile fast. Otherwise the
    digest waits here until the record's plan takes it, to be stored with the new fingerprint.
    """

    def __init__(self, refs: RefIndex, salt: bytes) -> None:
        self.refs, self.salt = refs, salt
        # (GID, digest) of the node checked last: its plan comes right after.
        self._last: tuple[str, str] | None = None

    def unchanged(self, node: dict[str, Any]) -> Ref | None:
        """The node's reference when the node is unchanged since it was loaded, else None."""
        gid = node.get("id")
        if not isinstance(gid, str):
            return None
        ref = self.refs.get(gid)
        digest = source_digest(node, self.salt)
        if ref is not None and source_part(ref.fingerprint) == digest:
            return ref
        self._last = (gid, digest)
        return None

    def fingerprint(self, gid: str, record_fingerprint: str) -> str:
        """What to store for a record: its fingerprint and its node's digest, if known."""
        last, self._last = self._last, None
        return stored(record_fingerprint, last[1] if last and last[0] == gid else None)


def archive_unseen(entity: str, refs: RefIndex, seen: set[str]) -> list[Plan]:
    """After a complete full read: archive every loaded record Shopify no longer returned."""
    return [
        Plan(
            "archive",
            entity,
            gid,
            hub_id=ref.hub_id,
            message="Not in Shopify's full export any more (deleted or no longer synced).",
        )
        for gid, ref in refs.items()
        if gid not in seen and ref.fingerprint is not None
    ]


def stale(new: datetime, old: datetime) -> str:
    """Why a record older than the loaded one is ignored (webhooks arrive out of order)."""
    return STALE.format(new=new.isoformat(), old=old.isoformat())


def plan_record(
    entity: str, ref: Ref | None, sources: SourceCheck, record: Any, key: str | None
) -> Plan:
    """The plan for a mapped record (with ``shopify_gid`` and ``updated_at``): unchanged when
    it is older than or the same as what was loaded, else a create carrying the fingerprint to
    store, with ``hub_id`` set when the reference knows the hub row."""
    gid = record.shopify_gid
    if ref is not None and ref.updated_at is not None and record.updated_at < ref.updated_at:
        return Plan("unchanged", entity, gid, key, message=stale(record.updated_at, ref.updated_at))
    digest = fingerprint(record)
    keep = sources.fingerprint(gid, digest)
    if ref is not None and mapped_part(ref.fingerprint) == digest:
        plan = Plan("unchanged", entity, gid, key, record=record)
        if ref.fingerprint != keep:  # same record from a new node: remember the node
            plan.hub_id, plan.fingerprint, plan.touch_ref = ref.hub_id, keep, True
        return plan
    hub_id = ref.hub_id if ref is not None else None
    return Plan("create", entity, gid, key, record=record, hub_id=hub_id, fingerprint=keep)
