"""Stock levels set in bulk (the ERP's ``PUT /inventory``): rows checked one by one, the good
ones written together with a few bulk statements, each bad one answered with its index, a
code and how to fix it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from .models import Bucket, InventoryLevel, Variant, Warehouse
from .models.types import utcnow

MAX_ROWS = 10_000
MAX_QUANTITY = 1_000_000_000
FIELDS = frozenset({"upc", "variant_id", "warehouse", "quantity", "bucket"})
# Values per IN list, well under every database's limit on bound parameters.
LOOKUP_BATCH = 500


@dataclass(frozen=True)
class RowError:
    index: int
    code: str
    message: str


@dataclass
class StockResult:
    applied: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    index: int
    upc: str | None
    variant_id: int | None
    warehouse: str
    quantity: int
    bucket: str


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: Any) -> TypeGuard[str]:
    # NUL cannot be stored or compared by PostgreSQL; no key or code contains it.
    return isinstance(value, str) and bool(value.strip()) and "\x00" not in value


def _check(index: int, raw: Any) -> _Row | RowError:
    """The row's shape and values, before any lookup."""

    def bad(code: str, message: str) -> RowError:
        return RowError(index, code, message)

    if not isinstance(raw, Mapping):
        return bad(
            "INVALID_ROW", "A row is an object with upc or variant_id, warehouse and quantity."
        )
    unknown = sorted(str(key) for key in raw if key not in FIELDS)
    if unknown:
        return bad(
            "UNKNOWN_FIELD",
            f"Unknown field(s) {', '.join(unknown)}; a row has upc or variant_id, warehouse, "
            "quantity and optionally bucket.",
        )
    upc, variant_id = raw.get("upc"), raw.get("variant_id")
    if (upc is None) == (variant_id is None):
        return bad(
            "VARIANT_KEY_REQUIRED", "Give exactly one of upc (the variant key) or variant_id."
        )
    if upc is not None and (not _is_text(upc)):
        return bad("INVALID_UPC", "upc is the variant's key as text (its SKU or barcode).")
    if variant_id is not None and (not _is_int(variant_id) or variant_id < 1):
        return bad("INVALID_VARIANT_ID", "variant_id is a hub variant id, a positive integer.")
    warehouse = raw.get("warehouse")
    if not _is_text(warehouse):
        return bad("WAREHOUSE_REQUIRED", "warehouse is a hub warehouse code (GET /warehouses).")
    quantity = raw.get("quantity")
    if not _is_int(quantity) or not 0 <= quantity <= MAX_QUANTITY:
        return bad(
            "INVALID_QUANTITY",
            f"quantity must be a whole number from 0 to {MAX_QUANTITY:,}; got {quantity!r}.",
        )
    bucket = raw.get("bucket", Bucket.ATS.value)
    if bucket not in tuple(Bucket):
        return bad("INVALID_BUCKET", f"bucket {bucket!r} is not one of: {', '.join(Bucket)}.")
    return _Row(
        index, upc.strip() if upc else None, variant_id, warehouse.strip(), quantity, bucket
    )


def _chunks(values: Sequence[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), LOOKUP_BATCH):
        yield list(values[start : start + LOOKUP_BATCH])


def _variants(
    session: Session, tenant_id: int, rows: Sequence[_Row]
) -> tuple[dict[str, int], set[int]]:
    """Variant key -> id (active variants first), and the tenant's ids among those named."""
    by_upc: dict[str, int] = {}
    upcs = sorted({row.upc for row in rows if row.upc})
    for chunk in _chunks(upcs):
        found = session.execute(
            select(Variant.upc, Variant.id)
            .where(Variant.tenant_id == tenant_id, Variant.upc.in_(chunk))
            .order_by(Variant.archived_at.is_not(None), Variant.id)
        )
        for upc, variant_id in found:
            by_upc.setdefault(upc, variant_id)
    ids: set[int] = set()
    for chunk in _chunks(sorted({row.variant_id for row in rows if row.variant_id})):
        ids.update(
            session.scalars(
                select(Variant.id).where(Variant.tenant_id == tenant_id, Variant.id.in_(chunk))
            )
        )
    return by_upc, ids


def _resolve(
    session: Session, tenant_id: int, rows: Sequence[_Row], result: StockResult
) -> dict[tuple[int, int, str], tuple[int, int]]:
    """(variant id, warehouse id, bucket) -> (row index, quantity) of the rows that resolve."""
    rows_found = session.execute(
        select(Warehouse.code, Warehouse.id).where(Warehouse.tenant_id == tenant_id)
    )
    warehouses: dict[str, int] = {code: warehouse_id for code, warehouse_id in rows_found}
    by_upc, ids = _variants(session, tenant_id, rows)
    wanted: dict[tuple[int, int, str], tuple[int, int]] = {}
    for row in rows:
        variant = (
            by_upc.get(row.upc) if row.upc else row.variant_id if row.variant_id in ids else None
        )
        warehouse = warehouses.get(row.warehouse)
        if variant is None:
            named = f"upc {row.upc!r}" if row.upc else f"id {row.variant_id}"
            message = f"No variant with {named}; list them with GET /variants."
            result.errors.append(RowError(row.index, "UNKNOWN_VARIANT", message))
        elif warehouse is None:
            known = ", ".join(sorted(warehouses)[:10]) or "none yet"
            message = f"No warehouse with code {row.warehouse!r}; the codes are: {known}."
            result.errors.append(RowError(row.index, "UNKNOWN_WAREHOUSE", message))
        elif (key := (variant, warehouse, row.bucket)) in wanted:
            first = wanted[key][0]
            message = (
                f"Row {first} already sets this variant, warehouse and bucket; send each level "
                "once per request."
            )
            result.errors.append(RowError(row.index, "DUPLICATE_ROW", message))
        else:
            wanted[key] = (row.index, row.quantity)
    return wanted


def set_levels(session: Session, tenant_id: int, raw_rows: Sequence[Any]) -> StockResult:
    """Check every row and write the good ones (the caller commits, all or nothing)."""
    result = StockResult()
    rows: list[_Row] = []
    for index, raw in enumerate(raw_rows):
        checked = _check(index, raw)
        if isinstance(checked, RowError):
            result.errors.append(checked)
        else:
            rows.append(checked)
    wanted = _resolve(session, tenant_id, rows, result)
    existing: dict[tuple[int, int, str], tuple[int, int]] = {}
    for chunk in _chunks(sorted({variant for variant, _, _ in wanted})):
        found = session.execute(
            select(
                InventoryLevel.variant_id,
                InventoryLevel.warehouse_id,
                InventoryLevel.bucket,
                InventoryLevel.id,
                InventoryLevel.quantity,
            ).where(InventoryLevel.variant_id.in_(chunk))
        )
        for variant, warehouse, bucket, level_id, quantity in found:
            existing[(variant, warehouse, bucket)] = (level_id, quantity)
    now = utcnow()
    changes: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    for key, (_, quantity) in wanted.items():
        current = existing.get(key)
        if current is None:
            variant, warehouse, bucket = key
            inserts.append(
                {
                    "tenant_id": tenant_id,
                    "variant_id": variant,
                    "warehouse_id": warehouse,
                    "bucket": bucket,
                    "quantity": quantity,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        elif current[1] != quantity:
            changes.append({"id": current[0], "quantity": quantity, "updated_at": now})
        else:
            result.unchanged += 1
    # ORM bulk statements: one executemany each, not a round trip per row.
    if changes:
        session.execute(update(InventoryLevel), changes)
    if inserts:
        session.execute(insert(InventoryLevel), inserts)
    result.applied = len(changes) + len(inserts)
    result.errors.sort(key=lambda error: error.index)
    return result
