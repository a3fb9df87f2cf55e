"""Metafields: the ``metafield``/``metafields`` fields of every owner type, the Metafield type,
and ``metafieldsSet`` with Shopify's validation, compare-and-set and all-or-nothing writes."""

from __future__ import annotations

from functools import cache
from typing import Any

from graphql import GraphQLEnumType, GraphQLResolveInfo

from wholesync.simulator.api import engine
from wholesync.simulator.api.errors import user_error
from wholesync.simulator.api.pagination import connection
from wholesync.simulator.ids import parse_gid
from wholesync.simulator.metafields.model import OWNER_TYPES, digest, find_metafield, new_metafield
from wholesync.simulator.metafields.types import check, json_value, known_type
from wholesync.simulator.registry import ctx, node_table, resolves
from wholesync.simulator.shop import find_node, shop_record
from wholesync.simulator.store import Record, Shop

MAX_INPUTS = 25
# Metafields written without a namespace land in the calling app's reserved namespace.
APP_NAMESPACE = "app--4711000001"
RESERVED_NAMESPACES = ("shopify_standard", "protected", "shopify-l10n-fields")


def _number(record: Record) -> int:
    return int(record["legacyResourceId"])


def owner_gid(owner: Record) -> str:
    value: str = owner.get("_owner") or owner["id"]
    return value


node_table("Metafield", lambda shop: shop.metafields)


def resolve_owner_metafield(
    owner: Record, info: GraphQLResolveInfo, key: str, namespace: str | None = None
) -> Record | None:
    return find_metafield(ctx(info).shop, owner_gid(owner), namespace or APP_NAMESPACE, key)


def resolve_owner_metafields(owner: Record, info: GraphQLResolveInfo, **args: Any) -> Any:
    records = ctx(info).shop.metafields_of(owner_gid(owner))
    namespace, keys = args.get("namespace"), args.get("keys")
    if namespace is not None:
        records = [m for m in records if m["namespace"] == namespace]
    if keys is not None:
        # Shopify answers a ``keys`` filter in the order of ``keys``, naming each metafield
        # by its qualified ``namespace.key``.
        by_key = {f"{m['namespace']}.{m['key']}": m for m in records}
        records = [by_key[k] | {"key": k} for k in dict.fromkeys(keys) if k in by_key]
    return connection(records, args, _number)


for _type in OWNER_TYPES:
    resolves(_type, "metafield")(resolve_owner_metafield)
    resolves(_type, "metafields")(resolve_owner_metafields)


@resolves("Metafield", "owner")
def metafield_owner(metafield: Record, info: GraphQLResolveInfo) -> Record | None:
    shop = ctx(info).shop
    if metafield["_owner"] == shop.gid:
        return shop_record(shop)
    return find_node(shop, metafield["_owner"])


@resolves("Metafield", "jsonValue")
def metafield_json_value(metafield: Record, info: GraphQLResolveInfo) -> Any:
    return json_value(metafield["type"], metafield["value"])


@cache
def currencies() -> set[str]:
    enum = engine.schema().get_type("CurrencyCode")
    return set(enum.values) if isinstance(enum, GraphQLEnumType) else {"USD"}


def owner_exists(shop: Shop, value: str) -> bool:
    parsed = parse_gid(value)
    if parsed is None or parsed[0] not in OWNER_TYPES:
        return False
    if parsed[0] == "Shop":
        return value == shop.gid
    return find_node(shop, value) is not None


def _reference_exists(shop: Shop, value: str) -> bool:
    return parse_gid(value) is not None and find_node(shop, value) is not None


def _input_errors(shop: Shop, index: int, entry: dict[str, Any]) -> list[dict[str, Any]]:
    """Every problem with one input, each with Shopify's field path, message and code."""
    path = ["metafields", str(index)]
    errors: list[dict[str, Any]] = []
    if not owner_exists(shop, entry["ownerId"]):
        return [error([*path, "ownerId"], "Owner does not exist.", "INVALID_VALUE")]
    namespace, key = entry.get("namespace") or APP_NAMESPACE, entry["key"]
    if namespace in RESERVED_NAMESPACES:
        errors.append(error([*path, "namespace"], f"Namespace {namespace} is a reserved namespace"))
    elif len(namespace) < 3:
        message = "Namespace is too short (minimum is 3 characters)"
        errors.append(error([*path, "namespace"], message, "TOO_SHORT"))
    elif len(namespace) > 255:
        message = "Namespace is too long (maximum is 255 characters)"
        errors.append(error([*path, "namespace"], message, "TOO_LONG"))
    if len(key) < 2:
        errors.append(
            error([*path, "key"], "Key is too short (minimum is 2 characters)", "TOO_SHORT")
        )
    elif len(key) > 64:
        errors.append(
            error([*path, "key"], "Key is too long (maximum is 64 characters)", "TOO_LONG")
        )
    existing = find_metafield(shop, entry["ownerId"], namespace, key)
    type_ = entry.get("type") or (existing["type"] if existing else None)
    if not type_:
        errors.append(error([*path, "type"], "Type can't be blank", "BLANK"))
    elif not known_type(type_):
        errors.append(
            error([*path, "type"], f"Type '{type_}' is not a valid type.", "INVALID_TYPE")
        )
    else:
        _, problem, element = check(
            type_, entry["value"], lambda ref: _reference_exists(shop, ref), currencies()
        )
        if problem is not None:
            errors.append(error([*path, "value"], problem, "INVALID_VALUE", element))
    return errors


def error(
    field: list[str], message: str, code: str | None = None, element: int | None = None
) -> dict[str, Any]:
    return user_error(field, message, code) | {"elementIndex": element}


def _digest_error(shop: Shop, index: int, entry: dict[str, Any], value: str) -> Any:
    """Compare-and-set: a given digest must match the stored one, unless nothing changes."""
    wanted = entry.get("compareDigest")
    if wanted is None:
        return None
    namespace = entry.get("namespace") or APP_NAMESPACE
    existing = find_metafield(shop, entry["ownerId"], namespace, entry["key"])
    if existing is None:
        return error(
            ["metafields", str(index)], "Invalid `compareDigest` value.", "INVALID_COMPARE_DIGEST"
        )
    unchanged = existing["value"] == value and existing["type"] == (
        entry.get("type") or existing["type"]
    )
    if existing["compareDigest"] != wanted and not unchanged:
        message = (
            "The resource has been updated since it was loaded. "
            "Try again with an updated `compareDigest` value."
        )
        return error(["metafields", str(index)], message, "STALE_OBJECT")
    return None


@resolves("Mutation", "metafieldsSet")
def metafields_set(_: Any, info: GraphQLResolveInfo, metafields: list[dict[str, Any]]) -> Any:
    shop = ctx(info).shop
    if len(metafields) > MAX_INPUTS:
        message = f"Exceeded the maximum metafields input limit of {MAX_INPUTS}."
        return {
            "metafields": None,
            "userErrors": [error(["metafields"], message, "LESS_THAN_OR_EQUAL_TO")],
        }
    errors: list[dict[str, Any]] = []
    values: list[str] = []
    for index, entry in enumerate(metafields):
        problems = _input_errors(shop, index, entry)
        errors.extend(problems)
        if problems:
            values.append("")
            continue
        namespace = entry.get("namespace") or APP_NAMESPACE
        existing = find_metafield(shop, entry["ownerId"], namespace, entry["key"])
        type_ = entry.get("type") or (existing or {}).get("type", "")
        value, _, _ = check(
            type_, entry["value"], lambda r: _reference_exists(shop, r), currencies()
        )
        values.append(value or "")
        if (problem := _digest_error(shop, index, entry, value or "")) is not None:
            errors.append(problem)
    if errors:
        return {"metafields": [], "userErrors": errors}
    return {"metafields": _write(shop, metafields, values), "userErrors": []}


def _write(shop: Shop, entries: list[dict[str, Any]], values: list[str]) -> list[Record]:
    now = shop.now()
    written = []
    for entry, value in zip(entries, values, strict=True):
        namespace = entry.get("namespace") or APP_NAMESPACE
        owner = entry["ownerId"]
        existing = find_metafield(shop, owner, namespace, entry["key"])
        if existing is None:
            record = new_metafield(shop, owner, namespace, entry["key"], entry["type"], value, now)
        else:
            record = existing
            if record["value"] != value or entry.get("type") not in (None, record["type"]):
                record.update(value=value, type=entry.get("type") or record["type"], updatedAt=now)
                record["compareDigest"] = digest(record)
        # Each input answers with the metafield as that input left it.
        written.append(dict(record))
    return written
