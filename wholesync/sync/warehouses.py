"""Hub warehouses for Shopify locations, before stock is loaded.

With an empty ``warehouse_map`` every active location gets a hub warehouse of the same name
the first time stock is synced (code derived from the name); afterwards locations map to
warehouses by name. With a map, only mapped locations get a warehouse (the code the map
gives); any other location's stock is rejected with WAREHOUSE_UNMAPPED unless a warehouse of
that name exists. Nothing is guessed beyond that.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholesync.hub.models.types import utcnow
from wholesync.sync.bulk_write import insert_returning_ids
from wholesync.sync.runs import Outcome
from wholesync.sync.settings import TenantSettings
from wholesync.sync.tables import WAREHOUSES

ENTITY = "warehouse"


@dataclass
class Warehouses:
    """The tenant's warehouses once locations are provided for."""

    ids: dict[str, int | None]  # code -> id (None: would be created; preview only)
    by_location: dict[str, str]  # warehouse name and location GID -> code, for the mapper
    outcomes: list[Outcome]


def code_for(name: str, taken: Iterable[str]) -> str:
    """``Red Hook Warehouse`` -> ``RED-HOOK-WAREHOUSE`` (suffixed -2, -3... when taken)."""
    base = re.sub(r"[^A-Z0-9]+", "-", name.upper()).strip("-")[:60] or "WAREHOUSE"
    used = set(taken)
    code, number = base, 1
    while code in used:
        number += 1
        code = f"{base}-{number}"
    return code


def provide(
    session: Session,
    tenant_id: int,
    settings: TenantSettings,
    locations: Iterable[Mapping[str, Any]],
    *,
    preview: bool,
) -> Warehouses:
    """Create the warehouses the locations need (not in a preview) and index them."""
    rows = session.execute(
        select(
            WAREHOUSES.c.id, WAREHOUSES.c.code, WAREHOUSES.c.name, WAREHOUSES.c.shopify_location_gid
        ).where(WAREHOUSES.c.tenant_id == tenant_id)
    ).all()
    ids: dict[str, int | None] = {code: warehouse_id for warehouse_id, code, _, _ in rows}
    by_location: dict[str, str] = {}
    for _, code, name, gid in rows:
        by_location.setdefault(name, code)
        if gid:
            by_location[gid] = code
    wanted: list[tuple[str, str, str]] = []  # (code, name, location gid)
    mapping = settings.warehouse_map
    for location in locations:
        gid, name = str(location.get("id") or ""), str(location.get("name") or "")
        if not gid or not name or location.get("isActive") is False:
            continue
        mapped = mapping.get(gid) or mapping.get(name)
        if mapped is not None:
            if mapped not in ids:
                wanted.append((mapped, name, gid))
                ids[mapped] = None
        elif not mapping and name not in by_location and gid not in by_location:
            code = code_for(name, ids)
            wanted.append((code, name, gid))
            ids[code] = None
            by_location[name] = by_location[gid] = code
    outcomes = [
        Outcome(ENTITY, "create", code, gid, diff={"name": [None, name]})
        for code, name, gid in wanted
    ]
    if wanted and not preview:
        now = utcnow()
        new_ids = insert_returning_ids(
            session,
            WAREHOUSES,
            [
                {
                    "tenant_id": tenant_id,
                    "code": code,
                    "name": name,
                    "shopify_location_gid": gid,
                    "created_at": now,
                    "updated_at": now,
                }
                for code, name, gid in wanted
            ],
        )
        for (code, _, _), warehouse_id in zip(wanted, new_ids, strict=True):
            ids[code] = warehouse_id
        session.commit()
    return Warehouses(ids, by_location, outcomes)
