"""F1, products: Shopify products (variants, options, images, metafields, collections, tags)
into the hub catalog."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from wholesync.sync.fingerprint import settings_salt
from wholesync.sync.flows import Context, FlowSpec, fetch_by_ids, search_after, wanted_gids
from wholesync.sync.load_products import ProductLoader
from wholesync.sync.map_products import collections_by_product, map_product, with_collections
from wholesync.sync.pipeline import Loader


def fetch(context: Context, cursor: str | None) -> Iterable[dict[str, Any]]:
    """Everything by bulk operation when there is no cursor, else pages of what changed."""
    client = context.client
    if cursor is not None:
        return client.paginate("products", {"query": search_after(cursor)}, ["products"])
    # A bulk product carries no collections; they come from their own bulk query first.
    index = collections_by_product(client.bulk_query("bulk_collections"))
    return _joined(client.bulk_query("bulk_products"), index)


# Products by id cost what a page of products does: batches of the page size (products.graphql)
# stay under Shopify's 1,000-point limit even if a list of nodes were charged like a page.
FETCH_BATCH = 45


def fetch_ids(context: Context, gids: Sequence[str]) -> Iterable[dict[str, Any]]:
    """The products with these GIDs, collections included; a deleted one as ``{"id": gid}``."""
    wanted = wanted_gids(gids, "Product")
    return fetch_by_ids(context.client, "product_nodes", wanted, batch=FETCH_BATCH, tombstones=True)


def _joined(
    products: Iterable[dict[str, Any]], index: dict[str, list[dict[str, Any]]]
) -> Iterator[dict[str, Any]]:
    for node in products:
        yield with_collections(node, index)


def prepare(context: Context) -> tuple[Callable[[dict[str, Any]], Any], Loader]:
    settings = context.settings
    loader = ProductLoader(
        context.session,
        context.tenant.id,
        key_name=settings.upc_key,
        salt=settings_salt(settings.model_dump(mode="json")),
    )
    return (lambda node: map_product(node, settings)), loader


PRODUCTS = FlowSpec(
    name="products", entity="product", fetch=fetch, fetch_ids=fetch_ids, prepare=prepare
)
