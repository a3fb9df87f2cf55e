"""Rebuilds objects from a bulk query's JSONL: one line per object, each nested connection's
nodes on lines of their own after their parent, pointing back to it with ``__parentId``.

``rebuild`` holds one root object and its descendants at a time and yields the root, with its
children attached as lists under their connection's field name, as soon as the next root
starts. Memory stays constant whatever the size of the file.

A child line does not say which connection it came from. When a parent has a single nested
connection there is nothing to decide; when it has several, the child's type (its
``__typename`` or the type in its GID) picks the connection whose node types include it. Those
types come from the document's inline fragments and from ``NODE_TYPES``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

from wholesync.shopify.errors import InvalidQueryError

# The node types (GraphQL names and GID names) of connections that may sit side by side.
NODE_TYPES: Mapping[str, frozenset[str]] = {
    "variants": frozenset({"ProductVariant"}),
    "media": frozenset({"MediaImage", "Video", "ExternalVideo", "Model3d"}),
    "images": frozenset({"Image", "ProductImage"}),
    "metafields": frozenset({"Metafield"}),
    "collections": frozenset({"Collection"}),
    "products": frozenset({"Product"}),
    "inventoryLevels": frozenset({"InventoryLevel"}),
    "locations": frozenset({"Location"}),
    "addressesV2": frozenset({"MailingAddress"}),
    "customers": frozenset({"Customer"}),
    "orders": frozenset({"Order"}),
    "lineItems": frozenset({"LineItem"}),
    "fulfillmentOrders": frozenset({"FulfillmentOrder"}),
    "fulfillments": frozenset({"Fulfillment"}),
}


class BulkObject(dict[str, Any]):
    """A rebuilt root object: a plain dict, plus ``source_digest``, the digest of the raw lines
    it was rebuilt from. The same lines rebuild the same object, so a consumer can tell an
    unchanged object without serialising it again."""

    __slots__ = ("source_digest",)

    def __init__(self, data: Mapping[str, Any], source_digest: str) -> None:
        super().__init__(data)
        self.source_digest = source_digest


# Bounds the GID prefixes a level remembers (a few child types, each from one app).
MAX_PREFIXES = 16


@dataclass
class Level:
    """The nested connections of one kind of object in the query."""

    children: list[Child] = field(default_factory=list)
    # Child routing already decided, by (typename, GID type): a bulk file repeats a handful
    # of types across millions of lines, so each is matched against the children once.
    routes: dict[tuple[Any, Any], Child] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # GID prefixes (``gid://shopify/MediaImage/``) of lines routed by their GID alone, and where
    # they went: a level has a few child types, and testing a prefix is cheaper than parsing
    # the type out of every line.
    prefixes: list[tuple[str, Child]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )


@dataclass
class Child:
    """A nested connection: where its list goes in the parent and what its nodes may be."""

    path: tuple[str, ...]
    types: frozenset[str]
    level: Level
    # The list's key when it sits directly on the parent (the usual case), else None.
    key: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.key = self.path[0] if len(self.path) == 1 else None


@dataclass
class BulkShape:
    """What the rebuild needs to know about a bulk query: the nesting of its connections."""

    root: Level

    @classmethod
    def from_document(cls, text: str) -> BulkShape:
        document = parse(text)
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        roots = [
            node
            for node in _fields(operation.selection_set, fragments)
            if _node_selections(node, fragments)
        ]
        root = Level()
        for node in roots:
            for selection, _ in _node_selections(node, fragments):
                root.children += _level(selection, fragments, ()).children
        return cls(root)


def _fields(
    selection_set: SelectionSetNode | None, fragments: Mapping[str, Any]
) -> list[FieldNode]:
    """Fields of a selection set, fragments flattened."""
    out: list[FieldNode] = []
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            out.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            out += _fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            out += _fields(fragments[selection.name.value].selection_set, fragments)
    return out


def _type_conditions(selection_set: SelectionSetNode, fragments: Mapping[str, Any]) -> set[str]:
    names: set[str] = set()
    for selection in selection_set.selections:
        if isinstance(selection, InlineFragmentNode) and selection.type_condition:
            names.add(selection.type_condition.name.value)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            names.add(fragments[selection.name.value].type_condition.name.value)
    return names


def _node_selections(
    node: FieldNode, fragments: Mapping[str, Any]
) -> list[tuple[SelectionSetNode, set[str]]]:
    """The node selections of a connection field (under ``nodes`` or ``edges { node }``),
    each with the type conditions it names; empty if the field is not a connection."""
    found: list[tuple[SelectionSetNode, set[str]]] = []
    for inner in _fields(node.selection_set, fragments):
        if inner.name.value == "nodes" and inner.selection_set:
            found.append((inner.selection_set, _type_conditions(inner.selection_set, fragments)))
        elif inner.name.value == "edges":
            for edge in _fields(inner.selection_set, fragments):
                if edge.name.value == "node" and edge.selection_set:
                    conditions = _type_conditions(edge.selection_set, fragments)
                    found.append((edge.selection_set, conditions))
    return found


def _level(
    selection_set: SelectionSetNode, fragments: Mapping[str, Any], prefix: tuple[str, ...]
) -> Level:
    """The connections inside one object's selection, also under plain object fields."""
    level = Level()
    for node in _fields(selection_set, fragments):
        key = node.alias.value if node.alias else node.name.value
        selections = _node_selections(node, fragments)
        if selections:
            inner = Level()
            types = set(NODE_TYPES.get(node.name.value, ()))
            for selection, conditions in selections:
                inner.children += _level(selection, fragments, ()).children
                types |= conditions
            level.children.append(Child((*prefix, key), frozenset(types), inner))
        elif node.selection_set:
            level.children += _level(node.selection_set, fragments, (*prefix, key)).children
    return level


def gid_type(value: Any) -> str | None:
    """``ProductVariant`` from ``gid://shopify/ProductVariant/1``."""
    if not isinstance(value, str) or not value.startswith("gid://"):
        return None
    # The type sits between the third and fourth slashes: find them, not split the whole GID
    # (this runs for every child line of a bulk file).
    start = value.find("/", 6) + 1
    end = value.find("/", start) if start else -1
    return value[start:end] if end != -1 else None


def _attach_lists(obj: dict[str, Any], level: Level) -> None:
    """Give every nested connection of a new object its (empty, for now) list."""
    for child in level.children:
        if child.key is not None:  # directly on the object: no path to walk
            obj[child.key] = []
            continue
        holder: Any = obj
        for step in child.path[:-1]:
            holder = holder.get(step) if isinstance(holder, dict) else None
        if isinstance(holder, dict):
            holder[child.path[-1]] = []


def _route(level: Level, line: Mapping[str, Any], number: int) -> Child:
    """The child (connection) of ``level`` that ``line`` belongs to."""
    if len(level.children) == 1:
        return level.children[0]
    ident = line.get("id")
    if type(ident) is str and "__typename" not in line:
        for prefix, child in level.prefixes:
            if ident.startswith(prefix):
                return child
    kind = gid_type(ident)
    key = (line.get("__typename"), kind)
    found = level.routes.get(key)
    if found is None:
        found = level.routes[key] = _match(level, key, number)
    if key[0] is None and kind is not None and len(level.prefixes) < MAX_PREFIXES:
        level.prefixes.append((_gid_prefix(str(ident), kind), found))  # a type: ident is a GID
    return found


def _gid_prefix(gid: str, kind: str) -> str:
    """``gid://shopify/MediaImage/`` from ``gid://shopify/MediaImage/7`` (of type ``kind``)."""
    start = gid.find("/", 6) + 1
    return gid[: start + len(kind) + 1]


def _match(level: Level, key: tuple[Any, Any], number: int) -> Child:
    """The one child whose node types include the line's type; raises if not exactly one."""
    kinds = set(key) - {None}
    matches = [child for child in level.children if child.types & kinds]
    if len(matches) == 1:
        return matches[0]
    where = ", ".join(".".join(c.path) for c in level.children) or "none"
    raise InvalidQueryError(
        f"Bulk result line {number} ({', '.join(map(str, kinds)) or 'no type'}) fits "
        f"{len(matches)} of the parent's connections ({where}).",
        fix="Select each nested connection's nodes with '... on <Type>' fragments, or add the "
        "connection to NODE_TYPES in wholesync/shopify/bulk_jsonl.py.",
    )


def _place(parent: dict[str, Any], child: Child, obj: dict[str, Any]) -> None:
    holder: Any = parent
    for step in child.path[:-1]:
        nested = holder.get(step)
        if not isinstance(nested, dict):
            nested = holder[step] = {}
        holder = nested
    holder.setdefault(child.path[-1], []).append(obj)


def rebuild(lines: Iterable[bytes | str], shape: BulkShape) -> Iterator[BulkObject]:
    """Yield each root object with its descendants attached, reading ``lines`` once.

    Each root is a :class:`BulkObject` carrying the digest of its lines and its descendants'.
    """
    root: dict[str, Any] | None = None
    # The raw lines of the current root, digested in one call when it is complete.
    read: list[bytes] = []
    # Objects of the current root that children may point at: id -> (object, its level).
    parents: dict[str, tuple[dict[str, Any], Level]] = {}
    for number, raw in enumerate(lines, start=1):
        if not raw or raw.isspace():
            continue
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise InvalidQueryError(
                f"Bulk result line {number} is not JSON ({exc}).",
                fix="The result file is damaged; run the bulk query again.",
            ) from exc
        parent_id = obj.pop("__parentId", None)
        if parent_id is None:
            if root is not None:
                yield BulkObject(root, _digest(read))
            root, level = obj, shape.root
            parents = {}
            read = []
        else:
            found = parents.get(parent_id)
            if found is None:
                raise InvalidQueryError(
                    f"Bulk result line {number} belongs to {parent_id}, which is not part of "
                    "the object being read.",
                    fix="Start the bulk query with groupObjects: true so children follow their "
                    "parent.",
                )
            parent, parent_level = found
            # Inline fast paths: this runs for every child line, often millions of them.
            children = parent_level.children
            child = children[0] if len(children) == 1 else _route(parent_level, obj, number)
            siblings = parent.get(child.key) if child.key else None
            if type(siblings) is list:
                siblings.append(obj)
            else:
                _place(parent, child, obj)
            level = child.level
        read.append(raw if isinstance(raw, bytes) else raw.encode())
        if level.children:  # leaves (most lines) have no lists and no children to await
            _attach_lists(obj, level)
            if isinstance(obj.get("id"), str):
                parents[obj["id"]] = (obj, level)
    if root is not None:
        yield BulkObject(root, _digest(read))


def _digest(lines: list[bytes]) -> str:
    return hashlib.blake2b(b"".join(lines), digest_size=16).hexdigest()
