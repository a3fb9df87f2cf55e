"""``/warehouses`` and ``/inventory``: stock per variant, warehouse and bucket; the ERP sets
stock in bulk with ``PUT /inventory``."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Body, Path
from pydantic import BaseModel, ConfigDict, Field

from wholesync.hub import browse
from wholesync.hub.filters import where_equal
from wholesync.hub.models import Bucket, InventoryLevel, Warehouse
from wholesync.hub.stock_levels import MAX_ROWS, set_levels
from wholesync.runtime.jobs import JobError

from .access import ApiContext
from .errors import ApiError, Problem, problems
from .paging import LISTED, Page, Paging
from .types import MAX_ID, Since, query_id, query_text

log = logging.getLogger(__name__)
router = APIRouter(tags=["inventory"])
STOCK_FLOW: Final = "stock_export"
TOO_MANY_ROWS = "TOO_MANY_ROWS"
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
    query = browse.levels(
        api.tenant_id,
        variant_id=variant_id,
        upc=upc,
        warehouse_id=warehouse_id,
        warehouse_code=warehouse_code,
        bucket=bucket,
        updated_since=updated_since,
    )
    return paging.page(api, query, InventoryLevel.id, "inventory", LevelPage, LevelOut.of)


class RowErrorOut(BaseModel):
    index: int = Field(description="The row's position in the request, from 0.")
    code: str
    message: str = Field(description="What is wrong with the row and how to fix it.")


class StockPutOut(BaseModel):
    applied: int = Field(description="Levels created or changed.")
    unchanged: int = Field(description="Rows that set the quantity the level already had.")
    rejected: int
    errors: list[RowErrorOut]
    stock_master: Literal["hub", "shopify"]
    pushed_to_shopify: bool = Field(
        description="Whether changed ATS levels go to Shopify (flow stock_export)."
    )
    detail: str


STOCK_EXAMPLE = [
    {"upc": "HLS100-NAV-M", "warehouse": "MAIN", "quantity": 40},
    {"variant_id": 12, "warehouse": "MAIN", "quantity": 6, "bucket": "incoming"},
]
STOCK_ROWS = Body(
    description=(
        f"Up to {MAX_ROWS:,} rows: the variant by `upc` (the tenant's variant key) or "
        "`variant_id`, `warehouse` (a hub warehouse code), `quantity` (a whole number, 0 or "
        "more) and optionally `bucket` (`ats`, the default, `incoming` or `prebook`)."
    ),
    examples=[STOCK_EXAMPLE],
)


@router.put(
    "/inventory",
    response_model=StockPutOut,
    responses={
        413: {"model": Problem, "description": f"More than {MAX_ROWS:,} rows; split them."},
        **problems(400, 503),
    },
)
def put_inventory(api: ApiContext, rows: Annotated[list[Any], STOCK_ROWS]) -> StockPutOut:
    """Set stock levels in bulk. Each row is checked on its own: the good rows are written
    together, each bad row comes back in ``errors`` with its index, code and fix. When the
    hub is the stock master, changed ATS levels are then pushed to Shopify."""
    if len(rows) > MAX_ROWS:
        raise ApiError(
            413,
            TOO_MANY_ROWS,
            f"{len(rows):,} rows in one request; send at most {MAX_ROWS:,} per request "
            "(split the rest into further requests).",
        )
    with api.writing() as session:
        result = set_levels(session, api.tenant_id, rows)
        settings = api.settings(session)
    active = settings.flow_active(STOCK_FLOW)
    if settings.stock_master == "shopify":
        detail = (
            "Stored in the hub only: Shopify is the stock master (stock_master = shopify), so "
            "hub stock is not pushed to Shopify."
        )
    elif not active:
        detail = "Stored; the stock_export flow is disabled (flows.stock_export.enabled)."
    else:
        detail = "Stored; changed ATS levels are pushed to Shopify by the stock_export flow."
    if active and result.applied:
        try:
            api.runtime.request_run(api.tenant_id, STOCK_FLOW, trigger="api")
        except JobError as exc:
            # The levels stay waiting to be pushed: the scheduled run sends them.
            log.warning("stock export not requested: %s", exc)
    return StockPutOut(
        applied=result.applied,
        unchanged=result.unchanged,
        rejected=len(result.errors),
        errors=[RowErrorOut(index=e.index, code=e.code, message=e.message) for e in result.errors],
        stock_master=settings.stock_master,
        pushed_to_shopify=active,
        detail=detail,
    )
