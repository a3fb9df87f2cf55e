"""``/warehouses`` and ``/inventory``: stock per variant, warehouse and bucket, read-only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import contains_eager

from wholesync.hub.models import Bucket, InventoryLevel, Variant, Warehouse

from .access import ApiContext
from .errors import problems
from .filters import where_equal, where_since
from .paging import LISTED, Page, Paging
from .types import MAX_ID, Since, query_id, query_text

router = APIRouter(tags=["inventory"])
Code = Annotated[str | None, query_text(255)]


class WarehouseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    shopify_location_gid: str | None
    created_at: datetime
    updated_at: datetime


class LevelOut(BaseModel):
    id: int
    variant_id: int
    upc: str
    warehouse_id: int
    warehouse_code: str
    bucket: Bucket
    quantity: int
    updated_at: datetime

    @classmethod
    def of(cls, level: InventoryLevel) -> LevelOut:
        return cls(
            id=level.id,
            variant_id=level.variant_id,
            upc=level.variant.upc,
            warehouse_id=level.warehouse_id,
            warehouse_code=level.warehouse.code,
            bucket=Bucket(level.bucket),
            quantity=level.quantity,
            updated_at=level.updated_at,
        )


class WarehousePage(Page[WarehouseOut]):
    pass


class LevelPage(Page[LevelOut]):
    pass


@router.get("/warehouses", response_model=WarehousePage, responses=LISTED)
def list_warehouses(api: ApiContext, paging: Paging, code: Code = None) -> WarehousePage:
    query = where_equal(Warehouse.for_tenant(api.tenant_id), (Warehouse.code, code))
    return paging.page(
        api, query, Warehouse.id, "warehouses", WarehousePage, WarehouseOut.model_validate
    )


@router.get("/warehouses/{warehouse_id}", response_model=WarehouseOut, responses=problems(404))
def read_warehouse(
    api: ApiContext, warehouse_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> WarehouseOut:
    with api.reading() as session:
        found = api.owned(session, Warehouse, warehouse_id, "warehouse")
        return WarehouseOut.model_validate(found)


@router.get("/inventory", response_model=LevelPage, responses=LISTED)
def list_inventory(
    api: ApiContext,
    paging: Paging,
    variant_id: Annotated[int | None, query_id("Levels of this variant.")] = None,
    upc: Code = None,
    warehouse_id: Annotated[int | None, query_id("Levels in this warehouse.")] = None,
    warehouse_code: Code = None,
    bucket: Bucket | None = None,
    updated_since: Since = None,
) -> LevelPage:
    """Stock levels: quantity per variant, warehouse and bucket (ats, incoming, prebook)."""
    query = where_equal(
        InventoryLevel.for_tenant(api.tenant_id)
        .join(Variant, Variant.id == InventoryLevel.variant_id)
        .join(Warehouse, Warehouse.id == InventoryLevel.warehouse_id)
        .options(contains_eager(InventoryLevel.variant), contains_eager(InventoryLevel.warehouse)),
        (InventoryLevel.variant_id, variant_id),
        (Variant.upc, upc),
        (InventoryLevel.warehouse_id, warehouse_id),
        (Warehouse.code, warehouse_code),
        (InventoryLevel.bucket, bucket),
    )
    query = where_since(query, InventoryLevel.updated_at, updated_since)
    return paging.page(api, query, InventoryLevel.id, "inventory", LevelPage, LevelOut.of)
