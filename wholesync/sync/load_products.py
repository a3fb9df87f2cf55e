"""Loading product records into the hub: products, their variants and images.

``plan`` decides per record without touching the database beyond preloaded indexes:
unchanged (same fingerprint), stale (older ``updatedAt`` than the one loaded), rejected
(a variant key another product uses), create, update (matched by GID, else by a variant's
UPC) or archive. ``prepare`` reads the hub rows of the batch's updates and archives in three
queries and computes their diffs; an update whose diff is empty becomes "unchanged" and only
refreshes the stored fingerprint. ``apply`` writes the batch with one executemany per table.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from wholesync.hub.models.types import utcnow
from wholesync.sync.bulk_write import (
    insert_returning_ids,
    insert_values,
    insert_values_returning_ids,
)
from wholesync.sync.diff import field_diff
from wholesync.sync.matching import RefIndex, SourceCheck, archive_unseen, plan_record
from wholesync.sync.pipeline import Plan
from wholesync.sync.product_rows import (
    IMAGE_INSERT,
    PRODUCT_COLUMNS,
    VARIANT_COLUMNS,
    VARIANT_INSERT,
    HubProduct,
    bind,
    hub_view,
    image_insert,
    product_values,
    record_view,
    stamp,
    update_by_id,
    variant_insert,
    variant_values,
)
from wholesync.sync.records import Archive, ProductRecord, Rejection
from wholesync.sync.tables import IMAGES, PRODUCTS, VARIANTS
from wholesync.sync.upc_index import UpcIndex

ENTITY = "product"


class ProductLoader:
    """Plans and writes product records for one tenant; see the module docstring."""

    def __init__(
        self,
        session: Session,
        tenant_id: int,
        *,
        key_name: str = "sku",
        salt: bytes = b"",
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        """``salt`` is fingerprint.settings_salt of the tenant's settings."""
        self.session, self.tenant_id, self.key_name, self.now = session, tenant_id, key_name, now
        self.refs = RefIndex(session, tenant_id, ENTITY)
        self.sources = SourceCheck(self.refs, salt)
        self.variant_refs = RefIndex(session, tenant_id, "variant", lazy=True)
        self.upcs = UpcIndex(session, tenant_id, self.refs, key_name)

    # Planning.

    def precheck(self, node: dict[str, Any]) -> Plan | None:
        ref = self.sources.unchanged(node)
        if ref is None:
            return None
        return Plan("unchanged", ENTITY, node["id"], node.get("handle"), hub_id=ref.hub_id)

    def plan(self, item: ProductRecord | Archive | Rejection) -> Plan | None:
        if isinstance(item, Rejection):
            return Plan(
                "reject", ENTITY, item.shopify_gid, item.key, code=item.code, message=item.message
            )
        ref = self.refs.get(item.shopify_gid)
        if isinstance(item, Archive):
            if ref is None:
                return None  # never loaded, so nothing to archive
            return Plan("archive", ENTITY, item.shopify_gid, hub_id=ref.hub_id)
        plan = plan_record(ENTITY, ref, self.sources, item, item.handle)
        if plan.action != "create":
            return plan
        self.upcs.claim(plan, item)
        if plan.action != "reject" and plan.hub_id is not None:
            plan.action = "update"
        return plan

    # Reading what the batch needs, and diffs.

    def prepare(self, plans: list[Plan], *, preview: bool) -> None:
        known = [p for p in plans if p.action in ("update", "archive") and p.hub_id is not None]
        state = self._hub_products({p.hub_id for p in known if p.hub_id is not None})
        for plan in known:
            hub = state.get(plan.hub_id or 0)
            if hub is None:  # the hub row was removed behind our back: load it afresh
                if plan.action == "archive":
                    plan.action = "unchanged"
                else:
                    plan.action, plan.hub_id = "create", None
                continue
            plan.extra["hub"] = hub
            if plan.action == "archive":
                if hub.archived:
                    plan.action = "unchanged"
                else:
                    plan.diff = {"status": [hub.row["status"], "archived"]}
                continue
            plan.diff = field_diff(hub_view(hub), record_view(plan.record))
            if not plan.diff:
                plan.action, plan.touch_ref = "unchanged", True
        if preview:
            for plan in plans:
                if plan.action == "create":
                    plan.diff = field_diff(None, record_view(plan.record))

    def _hub_products(self, ids: set[int]) -> dict[int, HubProduct]:
        if not ids:
            return {}
        columns = [PRODUCTS.c.id, PRODUCTS.c.archived_at, *(PRODUCTS.c[c] for c in PRODUCT_COLUMNS)]
        found = {
            row["id"]: HubProduct(dict(row))
            for row in self.session.execute(select(*columns).where(PRODUCTS.c.id.in_(ids)))
            .mappings()
            .all()
        }
        variant_columns = [VARIANTS.c.id, VARIANTS.c.product_id, VARIANTS.c.archived_at]
        variant_columns += [VARIANTS.c[c] for c in VARIANT_COLUMNS]
        for row in self.session.execute(
            select(*variant_columns).where(VARIANTS.c.product_id.in_(ids))
        ).mappings():
            found[row["product_id"]].variants.append(dict(row))
        for row in self.session.execute(
            select(IMAGES).where(IMAGES.c.product_id.in_(ids))
        ).mappings():
            found[row["product_id"]].images.append(dict(row))
        return found

    # Writing.

    def apply(self, plans: list[Plan]) -> None:
        now = self.now()
        creates = [p for p in plans if p.action == "create"]
        updates = [p for p in plans if p.action == "update"]
        if creates:
            ids = insert_returning_ids(
                self.session, PRODUCTS, [self._product_row(p.record, now) for p in creates]
            )
            for plan, product_id in zip(creates, ids, strict=True):
                plan.hub_id = product_id
        if updates:
            self._update_products(updates, now)
        self._write_variants_and_images([*creates, *updates], now)
        archives = [p for p in plans if p.action == "archive"]
        if archives:
            self.session.execute(
                update(PRODUCTS)
                .where(PRODUCTS.c.id.in_([p.hub_id for p in archives]))
                .values(status="archived", archived_at=now, updated_at=now)
            )
        for plan in plans:
            self._put_ref(plan)
        self.refs.flush()
        self.variant_refs.flush()

    def _product_row(self, record: ProductRecord, now: datetime) -> dict[str, Any]:
        row = stamp(product_values(record), self.tenant_id, now)
        row["archived_at"] = now if record.status == "archived" else None
        return row

    def _update_products(self, plans: list[Plan], now: datetime) -> None:
        statement = update_by_id(PRODUCTS, PRODUCT_COLUMNS, now, "archived_at")
        rows = []
        for plan in plans:
            hub: HubProduct = plan.extra["hub"]
            values = bind(product_values(plan.record), PRODUCT_COLUMNS)
            archived = plan.record.status == "archived"
            values["b_archived_at"] = (hub.row["archived_at"] or now) if archived else None
            values["b_id"] = plan.hub_id
            rows.append(values)
        self.session.execute(statement, rows)

    def _write_variants_and_images(self, plans: list[Plan], now: datetime) -> None:
        inserts: list[tuple[Any, ...]] = []
        inserted_for: list[tuple[dict[str, int], str]] = []  # (its plan's variant ids, GID)
        updates: list[dict[str, Any]] = []
        retired: list[int] = []
        renamed: list[int] = []  # variants whose UPC changes (two may swap theirs)
        tenant_id = self.tenant_id
        for plan in plans:
            hub: HubProduct | None = plan.extra.get("hub")
            upc_of = {v["id"]: v["upc"] for v in hub.variants} if hub is not None else {}
            ids = self._match_variants(plan, hub) if hub or plan.extra.get("adopt") else {}
            plan.extra["variant_ids"] = ids
            product_id = plan.hub_id
            assert product_id is not None, "products are written before their variants"
            for variant in plan.record.variants:
                variant_id = ids.get(variant.shopify_gid)
                if variant_id is None:
                    inserts.append(variant_insert(variant, tenant_id, product_id, now))
                    inserted_for.append((ids, variant.shopify_gid))
                else:
                    row = bind(variant_values(variant), VARIANT_COLUMNS)
                    row.update(b_id=variant_id, b_product_id=plan.hub_id)
                    updates.append(row)
                    if upc_of.get(variant_id, variant.upc) != variant.upc:
                        renamed.append(variant_id)
            if hub is not None:
                kept = set(ids.values())
                retired += [v["id"] for v in hub.live_variants() if v["id"] not in kept]
        if renamed:
            # Out of the way first, so the unique (tenant, UPC) holds at every statement.
            self.session.execute(
                update(VARIANTS)
                .where(VARIANTS.c.id == bindparam("b_id"))
                .values(upc=bindparam("b_upc")),
                [{"b_id": i, "b_upc": f"~renaming~{i}"} for i in renamed],
            )
        if updates:
            self.session.execute(
                update(VARIANTS)
                .where(VARIANTS.c.id == bindparam("b_id"))
                .values(
                    {
                        **{c: bindparam(f"b_{c}") for c in VARIANT_COLUMNS},
                        "product_id": bindparam("b_product_id"),
                        "archived_at": None,
                        "updated_at": now,
                    }
                ),
                updates,
            )
        if retired:
            self.session.execute(
                update(VARIANTS)
                .where(VARIANTS.c.id.in_(retired))
                .values(archived_at=now, updated_at=now)
            )
        if inserts:
            new_ids = insert_values_returning_ids(self.session, VARIANTS, VARIANT_INSERT, inserts)
            for (ids, gid), variant_id in zip(inserted_for, new_ids, strict=True):
                ids[gid] = variant_id
        self._write_images(plans, now)
        self.upcs.retire(retired)

    def _match_variants(self, plan: Plan, hub: HubProduct | None) -> dict[str, int]:
        """Variant GID -> hub variant id, for the variants that exist already."""
        adopt: dict[str, int] = plan.extra.get("adopt", {})
        own = {v["id"]: v for v in hub.variants} if hub is not None else {}
        by_upc = {v["upc"]: v["id"] for v in own.values()}
        matched: dict[str, int] = {}
        for variant in plan.record.variants:
            ref = self.variant_refs.get(variant.shopify_gid) if own else None
            if ref is not None and ref.hub_id in own:
                matched[variant.shopify_gid] = ref.hub_id
            elif variant.upc in by_upc:
                matched[variant.shopify_gid] = by_upc[variant.upc]
            elif variant.upc in adopt:
                matched[variant.shopify_gid] = adopt[variant.upc]
        return matched

    def _write_images(self, plans: list[Plan], now: datetime) -> None:
        replaced = [p.hub_id for p in plans if p.extra.get("hub") is not None]
        if replaced:
            self.session.execute(delete(IMAGES).where(IMAGES.c.product_id.in_(replaced)))
        rows = []
        tenant_id = self.tenant_id
        for plan in plans:
            images, product_id = plan.record.images, plan.hub_id
            if not images or product_id is None:
                continue
            by_upc: dict[str, int | None] = {}
            if any(image.variant_upc for image in images):
                ids = plan.extra["variant_ids"]
                by_upc = {v.upc: ids.get(v.shopify_gid) for v in plan.record.variants}
            for image in images:
                variant_id = by_upc.get(image.variant_upc) if image.variant_upc else None
                rows.append(image_insert(image, tenant_id, product_id, variant_id, now))
        insert_values(self.session, IMAGES, IMAGE_INSERT, rows)

    def _put_ref(self, plan: Plan) -> None:
        if plan.gid is None or plan.hub_id is None:
            return
        if plan.action == "archive":
            ref = self.refs.get(plan.gid)
            # No fingerprint: the record must load again in full once it comes back.
            self.refs.put(plan.gid, plan.hub_id, None, ref.updated_at if ref else None)
        elif plan.action in ("create", "update") or plan.touch_ref:
            self.refs.put(plan.gid, plan.hub_id, plan.fingerprint, plan.record.updated_at)
            for gid, variant_id in plan.extra.get("variant_ids", {}).items():
                self.variant_refs.put(gid, variant_id, None, None)

    # Full syncs and failures.

    def sweep(self, seen: set[str]) -> list[Plan]:
        return archive_unseen(ENTITY, self.refs, seen)

    def discard(self) -> None:
        self.refs.discard_staged()
        self.variant_refs.discard_staged()
        self.upcs.reset()
