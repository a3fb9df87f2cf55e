"""``/products`` and ``/variants``: the wholesale catalog, read-only (Shopify is its source)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict

from wholesync.hub import browse
from wholesync.hub.filters import where_equal, where_since
from wholesync.hub.models import Product, ProductStatus, Variant

from .access import ApiContext
from .errors import problems
from .paging import LISTED, Page, Paging
from .types import MAX_ID, SearchText, Since, query_id, query_text

router = APIRouter(tags=["catalog"])
Key = Annotated[str | None, query_text(255)]


class VariantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    product_id: int
    upc: str
    sku: str | None
    barcode: str | None
    title: str
    option_values: dict[str, str]
    position: int
    retail_price: Decimal
    wholesale_price: Decimal | None
    weight: Decimal | None
    weight_unit: str | None
    image_url: str | None
    custom_fields: dict[str, Any]
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ImageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    variant_id: int | None
    url: str
    alt: str | None
    position: int


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    handle: str
    description_html: str | None
    vendor: str | None
    product_type: str | None
    online_store_url: str | None
    status: ProductStatus
    archived_at: datetime | None
    tags: list[str]
    collections: list[str]
    options: list[dict[str, Any]]
    custom_fields: dict[str, Any]
    prebook: bool
    available_from: date | None
    available_to: date | None
    created_at: datetime
    updated_at: datetime
    variants: list[VariantOut]
    images: list[ImageOut]


class ProductPage(Page[ProductOut]):
    pass


class VariantPage(Page[VariantOut]):
    pass


@router.get("/products", response_model=ProductPage, responses=LISTED)
def list_products(
    api: ApiContext,
    paging: Paging,
    status: ProductStatus | None = None,
    updated_since: Since = None,
    q: SearchText = None,
) -> ProductPage:
    """Products with their variants and images; ``q`` matches the title, the handle, or a
    variant's SKU or UPC."""
    query = browse.products(api.tenant_id, status=status, updated_since=updated_since, text=q)
    return paging.page(api, query, Product.id, "products", ProductPage, ProductOut.model_validate)


@router.get("/products/{product_id}", response_model=ProductOut, responses=problems(404))
def read_product(api: ApiContext, product_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> ProductOut:
    with api.reading() as session:
        return ProductOut.model_validate(api.owned(session, Product, product_id, "product"))


@router.get("/variants", response_model=VariantPage, responses=LISTED)
def list_variants(
    api: ApiContext,
    paging: Paging,
    upc: Key = None,
    sku: Key = None,
    barcode: Key = None,
    product_id: Annotated[int | None, query_id("Variants of this product.")] = None,
    updated_since: Since = None,
) -> VariantPage:
    """Variants; ``upc`` is the tenant's variant key (SKU, barcode or variant id)."""
    query = where_equal(
        Variant.for_tenant(api.tenant_id),
        (Variant.upc, upc),
        (Variant.sku, sku),
        (Variant.barcode, barcode),
        (Variant.product_id, product_id),
    )
    query = where_since(query, Variant.updated_at, updated_since)
    return paging.page(api, query, Variant.id, "variants", VariantPage, VariantOut.model_validate)


@router.get("/variants/{variant_id}", response_model=VariantOut, responses=problems(404))
def read_variant(api: ApiContext, variant_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> VariantOut:
    with api.reading() as session:
        return VariantOut.model_validate(api.owned(session, Variant, variant_id, "variant"))
