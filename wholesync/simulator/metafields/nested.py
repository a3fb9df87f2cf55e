"""Metafields given inside a resource's input (``CustomerInput.metafields``): validation in
Shopify's words and the upsert onto the owner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wholesync.simulator.metafields import types as metafield_types
from wholesync.simulator.metafields.model import digest, find_metafield, new_metafield
from wholesync.simulator.shop import find_node
from wholesync.simulator.store import Record, Shop

Problem = tuple[list[str], str]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Every type Shopify accepts, in the order its "Type must be one of the following" message uses.
METAFIELD_TYPES = _words(
    "antenna_gain area battery_charge_capacity battery_energy_capacity boolean capacitance "
    "color concentration data_storage_capacity data_transfer_rate date_time date dimension "
    "display_density distance duration electric_current electrical_resistance energy float "
    "frequency id illuminance inductance integer json_string json jurisdiction language link "
    "list.antenna_gain list.area list.battery_charge_capacity list.battery_energy_capacity "
    "list.boolean list.capacitance list.color list.concentration list.data_storage_capacity "
    "list.data_transfer_rate list.date_time list.date list.dimension list.display_density "
    "list.distance list.duration list.electric_current list.electrical_resistance list.energy "
    "list.frequency list.illuminance list.inductance list.jurisdiction list.link "
    "list.luminous_flux list.mass_flow_rate list.multi_line_text_field list.number_decimal "
    "list.number_integer list.power list.pressure list.rating list.resolution "
    "list.rotational_speed list.single_line_text_field list.sound_level list.speed "
    "list.temperature list.thermal_power list.url list.voltage list.volume "
    "list.volumetric_flow_rate list.weight luminous_flux mass_flow_rate money "
    "multi_line_text_field number_decimal number_integer power pressure rating resolution "
    "rich_text_field rotational_speed single_line_text_field sound_level speed string "
    "temperature thermal_power url voltage volume volumetric_flow_rate weight "
    "company_reference list.company_reference customer_reference list.customer_reference "
    "product_reference list.product_reference collection_reference list.collection_reference "
    "variant_reference list.variant_reference file_reference list.file_reference "
    "product_taxonomy_value_reference list.product_taxonomy_value_reference "
    "product_taxonomy_disclosure_reference metaobject_reference list.metaobject_reference "
    "mixed_reference list.mixed_reference disclosure_reference list.disclosure_reference "
    "page_reference list.page_reference article_reference list.article_reference "
    "order_reference list.order_reference "
)
TYPE_MESSAGE = f"Type must be one of the following: {', '.join(METAFIELD_TYPES)}."
DEFAULT_NAMESPACE = "custom"


def _exists(shop: Shop) -> Callable[[str], bool]:
    return lambda value: find_node(shop, value) is not None


def prepare(
    shop: Shop, owner_gid: str | None, inputs: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Check ``inputs`` for an owner (``None`` while the owner is being created).

    Returns the inputs with namespace defaulted and values normalised, plus the problems.
    """
    found: list[Problem] = []
    ready: list[dict[str, Any]] = []
    for index, given in enumerate(inputs):
        at = ["metafields", str(index)]
        if owner_gid is None and given.get("id") is not None:
            found.append(([*at, "id"], "Cannot specify metafield ID on creation"))
            continue
        namespace = given.get("namespace") or DEFAULT_NAMESPACE
        key, value, type_ = given.get("key") or "", given.get("value"), given.get("type")
        existing = find_metafield(shop, owner_gid, namespace, key) if owner_gid else None
        if type_ is not None and type_ not in METAFIELD_TYPES:
            found.append(([*at, "type"], TYPE_MESSAGE))
            continue
        type_ = type_ or (existing or {}).get("type")
        if type_ is None:
            found.append(([*at, "type"], "Type can't be blank"))
        if len(namespace) < 3:
            found.append(([*at, "namespace"], "Namespace is too short (minimum is 3 characters)"))
        if len(key) < 2:
            found.append(([*at, "key"], "Key is too short (minimum is 2 characters)"))
        if value is None or value == "":
            found.append(([*at, "value"], "Value can't be blank."))
        elif type_ is not None and metafield_types.known_type(type_):
            value, problem, _ = metafield_types.check(type_, value, _exists(shop), {shop.currency})
            if problem is not None:
                found.append(([*at, "value"], problem))
        ready.append({"namespace": namespace, "key": key, "type": type_, "value": value})
    return ready, found


def apply(shop: Shop, owner_gid: str, ready: list[dict[str, Any]], now: str) -> list[Record]:
    """Create or update each prepared metafield on the owner."""
    written: list[Record] = []
    for given in ready:
        namespace, key = given["namespace"], given["key"]
        existing = find_metafield(shop, owner_gid, namespace, key)
        if existing is None:
            written.append(
                new_metafield(shop, owner_gid, namespace, key, given["type"], given["value"], now)
            )
            continue
        existing["value"] = given["value"]
        existing["type"] = given["type"]
        existing["updatedAt"] = now
        existing["compareDigest"] = digest(existing)
        written.append(existing)
    return written
