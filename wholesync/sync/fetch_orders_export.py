"""F4 fetch: the Shopify lookups of the order export, batched across a batch of orders so
that checking costs little beside the creates: exported orders by export key, customers,
variants with their stock, and the fulfillment location."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wholesync.shopify import ShopifyClient
from wholesync.sync.flows import fetch_by_ids
from wholesync.sync.map_orders_export import Location, VariantFacts
from wholesync.sync.map_products import variant_key

# Terms ORed into one search: short enough for Shopify's query length, few enough calls.
SEARCH_BATCH = 50
# nodes(ids:) is charged like one node per id; these stay well under the 1,000-point limit.
CUSTOMER_NODES_BATCH = 250
VARIANT_NODES_BATCH = 50
SEARCH_FIELDS = {"sku": "sku", "barcode": "barcode"}


@dataclass(frozen=True)
class Exported:
    """A Shopify order (or draft order) found carrying an export key."""

    gid: str
    name: str
    kind: str


def quoted(value: str) -> str:
    """A search value in double quotes, so spaces and colons stay part of it."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _any_of(field: str, values: Sequence[str]) -> str:
    return " OR ".join(f"{field}:{quoted(value)}" for value in values)


def _chunks(values: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def _search(
    client: ShopifyClient, operation: str, root: str, field: str, values: Iterable[str]
) -> Iterator[dict[str, Any]]:
    wanted = sorted(set(values))
    for chunk in _chunks(wanted, SEARCH_BATCH):
        yield from client.paginate(operation, {"query": _any_of(field, chunk)}, [root])


def find_exported(
    client: ShopifyClient, keys: Iterable[str], *, drafts: bool
) -> dict[str, Exported]:
    """Export key -> the Shopify order (or draft order) carrying it."""
    wanted = set(keys)
    found: dict[str, Exported] = {}
    if drafts:
        nodes = _search(client, "draft_orders_by_export_key", "draftOrders", "tag", wanted)
        for node in nodes:
            for tag in node.get("tags") or []:
                if tag in wanted:
                    found.setdefault(tag, Exported(node["id"], node["name"], "draft_order"))
        return found
    nodes = _search(client, "orders_by_export_key", "orders", "source_identifier", wanted)
    for node in nodes:
        key = node.get("sourceIdentifier")
        if key in wanted:
            found.setdefault(key, Exported(node["id"], node["name"], "order"))
    return found


def find_customers(
    client: ShopifyClient, customers: Mapping[int, str | None], linked: Mapping[int, str]
) -> dict[int, str]:
    """Hub customer id -> Shopify customer GID, for ``customers`` (hub id -> email): by the
    reference F2 keeps (``linked``, hub id -> GID), confirmed to still exist, else by email."""
    confirmed = {
        node["id"]
        for node in fetch_by_ids(
            client,
            "export_customer_nodes",
            list(dict.fromkeys(linked.values())),
            batch=CUSTOMER_NODES_BATCH,
            tombstones=False,
        )
        if node.get("id")
    }
    found = {hub_id: gid for hub_id, gid in linked.items() if gid in confirmed}
    emails = {
        hub_id: email.strip().lower()
        for hub_id, email in customers.items()
        if hub_id not in found and email and email.strip()
    }
    by_email: dict[str, str] = {}
    for node in _search(client, "export_customers", "customers", "email", emails.values()):
        email = (node.get("email") or "").strip().lower()
        if email:
            by_email.setdefault(email, node["id"])
    for hub_id, email in emails.items():
        if email in by_email:
            found[hub_id] = by_email[email]
    return found


def _facts(node: Mapping[str, Any]) -> VariantFacts:
    item = node.get("inventoryItem") or {}
    available: dict[str, int] = {}
    names: dict[str, str] = {}
    for level in (item.get("inventoryLevels") or {}).get("nodes") or []:
        location = level.get("location") or {}
        gid = location.get("id")
        if not gid:
            continue
        names[gid] = location.get("name") or gid
        available[gid] = sum(
            int(q.get("quantity") or 0)
            for q in level.get("quantities") or []
            if q.get("name") == "available"
        )
    return VariantFacts(node["id"], bool(item.get("tracked", True)), available, names)


def variant_gid(key: str) -> str | None:
    """The GID a ``variant_id`` key names (the number or the GID itself), else None."""
    number = key.rsplit("/", 1)[-1]
    if not number.isdigit() or (key != number and not key.startswith("gid://shopify/")):
        return None
    return f"gid://shopify/ProductVariant/{number}"


def find_variants(
    client: ShopifyClient,
    lines: Mapping[str, int | None],
    linked: Mapping[int, str],
    upc_key: str,
) -> dict[str, VariantFacts]:
    """Line key -> the Shopify variant with that key, for ``lines`` (key -> hub variant id):
    by the reference F1 keeps (``linked``, hub id -> GID) when the variant still has that
    key, else by searching it."""
    by_ref = {
        key: gid
        for key, hub_id in lines.items()
        if hub_id is not None and (gid := linked.get(hub_id)) is not None
    }
    if upc_key == "variant_id":
        by_ref.update(
            {key: gid for key in lines if key not in by_ref and (gid := variant_gid(key))}
        )
    found: dict[str, VariantFacts] = {}
    nodes = fetch_by_ids(
        client,
        "export_variant_nodes",
        list(dict.fromkeys(by_ref.values())),
        batch=VARIANT_NODES_BATCH,
        tombstones=False,
    )
    by_gid = {node["id"]: node for node in nodes if node.get("id")}
    for key, gid in by_ref.items():
        node = by_gid.get(gid)
        # A variant whose key changed in Shopify is no longer the one the line names.
        if node is not None and (upc_key == "variant_id" or variant_key(node, upc_key) == key):
            found[key] = _facts(node)
    field = SEARCH_FIELDS.get(upc_key)
    missing = [key for key in lines if key and key not in found]
    if field is None or not missing:
        return found
    for node in _search(client, "export_variants", "productVariants", field, missing):
        named = variant_key(node, upc_key)
        if named is not None and named in lines and named not in found:
            found[named] = _facts(node)
    return found


def find_location(client: ShopifyClient, wanted: str) -> Location | None:
    """The active location named ``wanted`` (a name or a GID)."""
    for node in client.paginate("locations", {}, ["locations"]):
        if wanted in (node.get("id"), node.get("name")):
            return Location(node["id"], node["name"])
    return None
