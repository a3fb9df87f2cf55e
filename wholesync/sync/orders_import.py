"""F5, online orders: Shopify orders into hub orders (origin shopify), for the ERP to take over.

Orders are read by pages, never by bulk operation: a run without cursor (the first, or
``--full``) reads only the orders updated in the last ``flows.orders_import.window_days``
days, so connecting a store with years of orders does not import them all by accident. For
the same reason such a run archives nothing it did not see (``sweeps=False``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import timedelta
from typing import Any

from wholesync.hub.models.types import utcnow
from wholesync.shopify import ShopifyClient
from wholesync.sync.fingerprint import joined, settings_salt
from wholesync.sync.flows import Context, FlowSpec, fetch_by_ids, search_after, wanted_gids
from wholesync.sync.load_orders import OrderLoader
from wholesync.sync.map_common import has_next_page, nodes
from wholesync.sync.map_orders import map_order
from wholesync.sync.pipeline import Loader

# An order by id costs about 30 points: a batch of Shopify's most ids stays far under 1,000
# even if a list of nodes were charged like a page.
FETCH_BATCH = 250


def window_query(context: Context, cursor: str | None) -> str | None:
    """The ``query:`` filter of a run: changes since the cursor, else the import window."""
    if cursor is not None:
        return search_after(cursor)
    days = context.settings.flows.orders_import.window_days
    return None if days is None else search_after((utcnow() - timedelta(days=days)).isoformat())


def fetch(context: Context, cursor: str | None) -> Iterable[dict[str, Any]]:
    """Pages of the orders changed since the cursor (or within the window), oldest first."""
    pages = context.client.paginate("orders", {"query": window_query(context, cursor)}, ["orders"])
    return with_all_lines(context.client, pages)


def fetch_ids(context: Context, gids: Sequence[str]) -> Iterable[dict[str, Any]]:
    """The orders with these GIDs. One Shopify no longer finds comes back as ``{"id": gid}``:
    the loader records that it is gone and keeps the hub order (see load_orders)."""
    wanted = wanted_gids(gids, "Order")
    found = fetch_by_ids(context.client, "order_nodes", wanted, batch=FETCH_BATCH, tombstones=True)
    return with_all_lines(context.client, found)


def with_all_lines(
    client: ShopifyClient, orders: Iterable[dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    """Each order with every line: the lines past the first page are read by the order's id."""
    for order in orders:
        lines = order.get("lineItems")
        if not has_next_page(lines):
            yield order
            continue
        assert isinstance(lines, dict)
        rest = client.paginate(
            "order_line_items",
            {"id": order["id"], "after": lines["pageInfo"]["endCursor"]},
            ["order", "lineItems"],
        )
        yield joined(order, "lineItems", {"nodes": [*nodes(lines), *rest]})


def prepare(context: Context) -> tuple[Callable[[dict[str, Any]], Any], Loader]:
    settings = context.settings
    loader = OrderLoader(
        context.session, context.tenant.id, salt=settings_salt(settings.model_dump(mode="json"))
    )
    return (lambda node: map_order(node, settings)), loader


ORDERS_IMPORT = FlowSpec(
    name="orders_import",
    entity="order",
    fetch=fetch,
    fetch_ids=fetch_ids,
    prepare=prepare,
    sweeps=False,
)
