"""The catalog, read-only (Shopify is its source): products found by title, handle, SKU or
UPC, and a product's page with its variants, images, custom fields and stock."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import orjson
from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from wholesync.hub import browse
from wholesync.hub.models import Bucket, Product, ProductStatus, Variant, Warehouse
from wholesync.sync.matching import gids_of

from .listing import FormText, Pages, RowId, choice, search_text
from .page import Page, SignedIn
from .record_links import shopify_url

router = APIRouter()


def shopify_link(page: Page, session: Session, entity: str, hub_id: int) -> dict[str, Any]:
    """The Shopify GID a hub row is linked to (``gid``) and its admin page (``shopify``)."""
    gid = gids_of(session, page.tenant_id, entity, [hub_id]).get(hub_id)
    return {"gid": gid, "shopify": shopify_url(page.tenant(session).shop_domain, gid)}


def shown(value: Any) -> str:
    """A custom field's value as text: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else orjson.dumps(value).decode()


@router.get("/catalog")
def catalog(page: SignedIn, paging: Pages, q: FormText = "", status: FormText = "") -> HTMLResponse:
    chosen = choice(status, ProductStatus, "status")
    query = browse.products(page.tenant_id, status=chosen, text=search_text(q))
    with page.reading() as session:
        found = paging.slice(session, query, Product.title, Product.id)
        return page.render(
            "browse/catalog.html",
            products=found,
            q=q,
            status=chosen or "",
            statuses=list(ProductStatus),
        )


@router.get("/catalog/{product_id}")
def product(page: SignedIn, product_id: RowId) -> HTMLResponse:
    with page.reading() as session:
        found = page.owned(session, Product, product_id, "product")
        levels = session.scalars(
            browse.levels(page.tenant_id, product_id=found.id).order_by(
                Variant.position, Variant.id, Warehouse.code
            )
        )
        # (variant, warehouse) -> {bucket: quantity}: one table row each, buckets as columns.
        stock: dict[tuple[Variant, Warehouse], dict[str, int]] = defaultdict(dict)
        for level in levels:
            stock[(level.variant, level.warehouse)][level.bucket] = level.quantity
        return page.render(
            "browse/product.html",
            product=found,
            **shopify_link(page, session, "product", found.id),
            stock=dict(stock),
            buckets=list(Bucket),
            shown=shown,
        )
