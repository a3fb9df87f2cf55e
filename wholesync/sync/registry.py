"""Every flow by name, for whatever runs flows by name (the queue, schedules, the CLI).

``FLOW_SPECS`` holds the inbound flows, which webhook batches also feed by id; ``FLOWS`` adds
the outbound ones."""

from __future__ import annotations

from wholesync.sync.customers import CUSTOMERS
from wholesync.sync.customers_export import CUSTOMERS_EXPORT
from wholesync.sync.flows import Flow, FlowSpec
from wholesync.sync.inventory import INVENTORY
from wholesync.sync.orders_export import ORDERS_EXPORT
from wholesync.sync.orders_import import ORDERS_IMPORT
from wholesync.sync.products import PRODUCTS
from wholesync.sync.shipments import SHIPMENTS
from wholesync.sync.stock_export import STOCK_EXPORT

FLOW_SPECS: dict[str, FlowSpec] = {
    spec.name: spec for spec in (PRODUCTS, CUSTOMERS, INVENTORY, ORDERS_IMPORT)
}
FLOWS: dict[str, Flow] = {
    **FLOW_SPECS,
    ORDERS_EXPORT.name: ORDERS_EXPORT,
    SHIPMENTS.name: SHIPMENTS,
    STOCK_EXPORT.name: STOCK_EXPORT,
    CUSTOMERS_EXPORT.name: CUSTOMERS_EXPORT,
}
