"""F3, inventory: Shopify stock per location into the hub's warehouses (ATS, incoming and
prebook buckets).

Shopify keeps no ``updatedAt`` on an inventory item that moves with its stock, so there is no
cursor to read changes since: an incremental run pages through every item and writes only the
quantities that differ (webhooks carry stock changes as they happen). A full run reads the
same through a bulk operation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from wholesync.sync.flows import Context, FlowSpec, fetch_by_ids, wanted_gids
from wholesync.sync.load_inventory import InventoryLoader
from wholesync.sync.map_inventory import map_inventory_item
from wholesync.sync.pipeline import Loader
from wholesync.sync.warehouses import provide


def fetch(context: Context, cursor: str | None) -> Iterable[dict[str, Any]]:
    client = context.client
    if cursor is None:
        return client.bulk_query("bulk_inventory")
    return client.paginate("inventory_levels", {}, ["inventoryItems"])


# Shopify's largest list; an inventory item node costs about 25 points.
FETCH_BATCH = 250


def fetch_ids(context: Context, gids: Sequence[str]) -> Iterable[dict[str, Any]]:
    """The inventory items with these GIDs (``inventory_levels/update`` names the item). An
    item Shopify no longer finds went with its variant, which the product flow archives."""
    wanted = wanted_gids(gids, "InventoryItem")
    return fetch_by_ids(
        context.client, "inventory_item_nodes", wanted, batch=FETCH_BATCH, tombstones=False
    )


def prepare(context: Context) -> tuple[Callable[[dict[str, Any]], Any], Loader]:
    settings = context.settings
    locations = list(context.client.paginate("locations", {}, ["locations"]))
    warehouses = provide(
        context.session, context.tenant.id, settings, locations, preview=context.preview
    )
    context.outcomes.extend(warehouses.outcomes)
    loader = InventoryLoader(context.session, context.tenant.id, warehouses.ids)
    by_location = warehouses.by_location
    return (lambda node: map_inventory_item(node, settings, by_location)), loader


INVENTORY = FlowSpec(
    name="inventory",
    entity="inventory",
    fetch=fetch,
    fetch_ids=fetch_ids,
    prepare=prepare,
    sweeps=False,
)
