"""Every inbound flow by name, for whatever runs flows by name (the queue, webhook batches)."""

from __future__ import annotations

from wholesync.sync.customers import CUSTOMERS
from wholesync.sync.flows import FlowSpec
from wholesync.sync.inventory import INVENTORY
from wholesync.sync.orders_import import ORDERS_IMPORT
from wholesync.sync.products import PRODUCTS

FLOW_SPECS: dict[str, FlowSpec] = {
    spec.name: spec for spec in (PRODUCTS, CUSTOMERS, INVENTORY, ORDERS_IMPORT)
}
