"""F2, customers: Shopify customers (addresses, metafields, tags) into hub customers, and the
buyers derived from them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from wholesync.sync.fingerprint import settings_salt
from wholesync.sync.flows import Context, FlowSpec, fetch_by_ids, search_after, wanted_gids
from wholesync.sync.load_customers import CustomerLoader
from wholesync.sync.map_customers import map_customer
from wholesync.sync.pipeline import Loader


def fetch(context: Context, cursor: str | None) -> Iterable[dict[str, Any]]:
    """Everything by bulk operation when there is no cursor, else pages of what changed."""
    client = context.client
    if cursor is None:
        return client.bulk_query("bulk_customers")
    return client.paginate("customers", {"query": search_after(cursor)}, ["customers"])


# Shopify's largest list; a customer node costs about 20 points, so even charged like a page
# of 250 a batch stays far under the 1,000-point limit.
FETCH_BATCH = 250


def fetch_ids(context: Context, gids: Sequence[str]) -> Iterable[dict[str, Any]]:
    """The customers with these GIDs; a deleted one as ``{"id": gid}``."""
    wanted = wanted_gids(gids, "Customer")
    return fetch_by_ids(
        context.client, "customer_nodes", wanted, batch=FETCH_BATCH, tombstones=True
    )


def prepare(context: Context) -> tuple[Callable[[dict[str, Any]], Any], Loader]:
    settings = context.settings
    loader = CustomerLoader(
        context.session,
        context.tenant.id,
        match_on=settings.customer_match,
        salt=settings_salt(settings.model_dump(mode="json")),
    )
    return (lambda node: map_customer(node, settings)), loader


CUSTOMERS = FlowSpec(
    name="customers", entity="customer", fetch=fetch, fetch_ids=fetch_ids, prepare=prepare
)
