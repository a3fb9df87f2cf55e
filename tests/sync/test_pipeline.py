"""The load loop on its own: one record the database refuses, or one node nobody can read,
becomes a rejection and the rest of the batch still loads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from wholesync.hub.db import init_db, session_factory
from wholesync.hub.models import SyncRecord, Tenant, Warehouse
from wholesync.sync.pipeline import Pipeline, Plan
from wholesync.sync.runs import RunRecorder


class WarehouseLoader:
    """A loader writing one warehouse per node: enough to exercise the loop."""

    def __init__(self, session: Session, tenant_id: int) -> None:
        self.session, self.tenant_id = session, tenant_id
        self.discarded = 0

    def precheck(self, node: dict[str, Any]) -> Plan | None:
        return None

    def plan(self, item: dict[str, Any]) -> Plan:
        return Plan("create", "warehouse", item["id"], item["code"], record=item)

    def prepare(self, plans: list[Plan], *, preview: bool) -> None:
        pass

    def apply(self, plans: list[Plan]) -> None:
        rows = [
            {"tenant_id": self.tenant_id, "code": p.record["code"], "name": p.record["code"]}
            for p in plans
        ]
        self.session.execute(insert(Warehouse), rows)

    def sweep(self, seen: set[str]) -> list[Plan]:
        return []

    def discard(self) -> None:
        self.discarded += 1


def unreadable(node: dict[str, Any]) -> dict[str, Any]:
    if node.get("broken"):
        raise KeyError("code")
    return node


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = init_db(f"sqlite:///{tmp_path / 'hub.db'}")
    with session_factory(engine)() as session:
        session.add(Tenant(name="t", shop_domain="t.myshopify.com", token_env="T"))
        session.commit()
        yield session
    engine.dispose()


def test_a_refused_record_is_rejected_and_the_batch_loads(session: Session) -> None:
    tenant = session.scalars(select(Tenant)).one()
    recorder = RunRecorder(session, tenant.id, "t", "warehouses", preview=False, full=True)
    loader = WarehouseLoader(session, tenant.id)
    nodes: list[dict[str, Any]] = [
        {"id": "gid://shopify/Location/1", "code": "A"},
        {"id": "gid://shopify/Location/2", "code": "A"},  # the unique code refuses it
        {"id": "gid://shopify/Location/3", "code": "B"},
        {"id": "gid://shopify/Location/4", "broken": True},
    ]
    Pipeline(session, recorder, loader, unreadable, entity="warehouse", preview=False).run(nodes)
    result = recorder.finish(api_cost=0)
    assert result.counts == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "archived": 0,
        "rejected": 2,
    }
    assert result.status == "partial"
    assert loader.discarded >= 1
    assert sorted(session.scalars(select(Warehouse.code))) == ["A", "B"]
    rejected = session.scalars(select(SyncRecord).where(SyncRecord.action == "reject")).all()
    assert {(r.shopify_gid, r.code) for r in rejected} == {
        ("gid://shopify/Location/2", "INVALID_PAYLOAD"),
        ("gid://shopify/Location/4", "INVALID_PAYLOAD"),
    }
    assert all(r.message and "again" in r.message for r in rejected)
