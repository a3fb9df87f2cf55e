"""Stock, read-only here: one row per variant, warehouse and bucket, found by SKU or UPC and
filtered by warehouse and bucket."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import contains_eager
from starlette.responses import HTMLResponse

from wholesync.hub import browse
from wholesync.hub.inventory import warehouses
from wholesync.hub.models import Bucket, InventoryLevel, Variant, Warehouse

from .listing import FormText, Pages, choice, search_text
from .page import SignedIn

router = APIRouter()


@router.get("/inventory")
def inventory(
    page: SignedIn,
    paging: Pages,
    q: FormText = "",
    warehouse: FormText = "",
    bucket: FormText = "",
) -> HTMLResponse:
    key = search_text(q)
    chosen_bucket = choice(bucket, Bucket, "bucket")
    with page.reading() as session:
        known = sorted(warehouses(session, page.tenant_id).values(), key=lambda w: w.code)
        chosen = choice(warehouse, [w.code for w in known], "warehouse")
        query = browse.levels(
            page.tenant_id, warehouse_code=chosen, bucket=chosen_bucket, key=key
        ).options(contains_eager(InventoryLevel.variant).selectinload(Variant.product))
        found = paging.slice(session, query, Variant.upc, Warehouse.code, InventoryLevel.bucket)
        return page.render(
            "browse/inventory.html",
            levels=found,
            q=q,
            warehouse=chosen or "",
            warehouses=known,
            bucket=chosen_bucket or "",
            buckets=list(Bucket),
        )
