"""Shopify's calculated query cost.

Shopify charges 0 for scalars, enums and plain money values, 1 for an object, the maximum over
the members of an interface or union, and for a connection 2 plus a page-size factor times the
cost of one node. The factor grows with the logarithm of ``first``/``last`` (fitted to real
captures: 1 -> 1, 2 -> 2, 5 -> 3, 10 -> 4, 20 -> 5, 50 -> 7), which is why large pages are
cheap. A count root costs 10. A mutation costs 10, plus what its payload's objects select.
The *actual* cost applies the same rules to the nodes actually returned.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    value_from_ast_untyped,
)

MUTATION_COST = 10
CONNECTION_BASE = 2
COUNT_ROOT_COST = 10
FREE_TYPES = frozenset({"MoneyV2", "MoneyBag", "PageInfo", "Count"})
PLAN_CACHE_SIZE = 10_000

T = TypeVar("T")
Fragments = Mapping[str, FragmentDefinitionNode]
Variables = Mapping[str, Any]


def page_factor(size: int) -> int:
    """How many node costs a page of ``size`` is charged for."""
    if size <= 0:
        return 0
    return round(math.log2(size)) + 1


def _key(node: FieldNode) -> str:
    return node.alias.value if node.alias else node.name.value


def _child(data: Any, node: FieldNode) -> Any:
    """The response value under ``node``; ``None`` means 'cost as requested'."""
    if data is None:
        return None
    if isinstance(data, Mapping):
        return data.get(_key(node), _MISSING)
    return _MISSING


class _Missing:
    """A field that was not returned (null parent): costs nothing."""


_MISSING: Any = _Missing()


def _flatten(selection_set: SelectionSetNode | None, fragments: Fragments) -> list[FieldNode]:
    if selection_set is None:
        return []
    fields: list[FieldNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            fields.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            fields.extend(_flatten(selection.selection_set, fragments))
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                fields.extend(_flatten(fragment.selection_set, fragments))
    return fields


class CostCalculator:
    """Computes requested and actual costs of an operation against a schema."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        # Per (type, selection set node): what can cost there. A response of 250 nodes walks
        # the same selection 250 times, and an interface such as Node has hundreds of members.
        # Each entry holds its node, so the id in the key cannot be reused while it is cached.
        self._plans: dict[tuple[str, int], tuple[SelectionSetNode, Any]] = {}

    def requested(
        self, operation: OperationDefinitionNode, fragments: Fragments, variables: Variables
    ) -> int:
        """The cost charged up front, from the page sizes asked for."""
        return self._operation(operation, fragments, variables, None)

    def actual(
        self,
        operation: OperationDefinitionNode,
        fragments: Fragments,
        variables: Variables,
        data: Mapping[str, Any] | None,
    ) -> int:
        """The cost finally charged, from the nodes actually returned."""
        return self._operation(operation, fragments, variables, data or {})

    def _operation(
        self,
        operation: OperationDefinitionNode,
        fragments: Fragments,
        variables: Variables,
        data: Any,
    ) -> int:
        if operation.operation.value != "mutation":
            query = self.schema.query_type
            assert query is not None
            return self._selection(query, operation.selection_set, fragments, variables, data, True)
        mutation = self.schema.mutation_type
        assert mutation is not None
        total = 0
        for node in _flatten(operation.selection_set, fragments):
            field = mutation.fields.get(node.name.value)
            if field is None:
                continue
            payload = get_named_type(field.type)
            total += MUTATION_COST
            if not isinstance(payload, GraphQLObjectType):
                continue
            payload_data = _child(data, node)
            for inner in _flatten(node.selection_set, fragments):
                inner_field = payload.fields.get(inner.name.value)
                if inner_field is None:
                    continue
                total += self._selection(
                    get_named_type(inner_field.type),
                    inner.selection_set,
                    fragments,
                    variables,
                    _child(payload_data, inner),
                )
        return total

    def _selection(
        self,
        parent: GraphQLNamedType,
        selection_set: SelectionSetNode | None,
        fragments: Fragments,
        variables: Variables,
        data: Any,
        is_root: bool = False,
    ) -> int:
        if selection_set is None or data is _MISSING:
            return 0
        if isinstance(data, list):
            return max(
                (self._selection(parent, selection_set, fragments, variables, d) for d in data),
                default=0,
            )
        if isinstance(parent, GraphQLInterfaceType | GraphQLUnionType):
            members = self._members(parent, selection_set, fragments)
            if isinstance(data, Mapping) and "__typename" in data:
                members = [m for m in members if m.name == data["__typename"]] or members
            return max(
                (self._selection(m, selection_set, fragments, variables, data) for m in members),
                default=0,
            )
        if not isinstance(parent, GraphQLObjectType):
            return 0
        total = 0
        for node, named in self._costed(parent, selection_set, fragments):
            value = _child(data, node)
            if value is _MISSING or (data is not None and value is None):
                continue
            if is_root and named.name == "Count":
                total += COUNT_ROOT_COST
            elif named.name.endswith("Connection") and isinstance(named, GraphQLObjectType):
                total += self._connection(named, node, fragments, variables, value)
            elif named.name not in FREE_TYPES:
                total += 1 + self._selection(named, node.selection_set, fragments, variables, value)
        return total

    def _costed(
        self, parent: GraphQLObjectType, selection_set: SelectionSetNode, fragments: Fragments
    ) -> list[tuple[FieldNode, GraphQLNamedType]]:
        """The fields selected on ``parent`` whose type can cost: objects, interfaces, unions."""

        def plan() -> list[tuple[FieldNode, GraphQLNamedType]]:
            costed: list[tuple[FieldNode, GraphQLNamedType]] = []
            for node in self._fields_for(parent, selection_set, fragments):
                field = parent.fields.get(node.name.value)
                named = get_named_type(field.type) if field is not None else None
                if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
                    costed.append((node, named))
            return costed

        return self._memo(parent.name, selection_set, plan)

    def _members(
        self,
        parent: GraphQLInterfaceType | GraphQLUnionType,
        selection_set: SelectionSetNode,
        fragments: Fragments,
    ) -> list[GraphQLObjectType]:
        """The possible types of ``parent`` that select something costed; the others cost 0."""

        def plan() -> list[GraphQLObjectType]:
            members = self.schema.get_possible_types(parent)
            return [m for m in members if self._costed(m, selection_set, fragments)]

        return self._memo(parent.name, selection_set, plan)

    def _memo(self, type_name: str, selection_set: SelectionSetNode, plan: Callable[[], T]) -> T:
        key = (type_name, id(selection_set))
        cached = self._plans.get(key)
        if cached is not None and cached[0] is selection_set:
            return cast(T, cached[1])
        if len(self._plans) > PLAN_CACHE_SIZE:
            self._plans.clear()
        value = plan()
        self._plans[key] = (selection_set, value)
        return value

    def _fields_for(
        self, parent: GraphQLObjectType, selection_set: SelectionSetNode, fragments: Fragments
    ) -> list[FieldNode]:
        """Fields selected on ``parent``, skipping fragments for other types."""
        fields: list[FieldNode] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                fields.append(selection)
                continue
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = selection.selection_set
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is None:
                    continue
                condition, inner = fragment.type_condition, fragment.selection_set
            else:
                continue
            if condition is not None and not self._applies(condition.name.value, parent):
                continue
            fields.extend(self._fields_for(parent, inner, fragments))
        return fields

    def _applies(self, condition: str, parent: GraphQLObjectType) -> bool:
        named = self.schema.get_type(condition)
        if named is parent:
            return True
        if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            return self.schema.is_sub_type(named, parent)
        return False

    def _connection(
        self,
        connection: GraphQLObjectType,
        node: FieldNode,
        fragments: Fragments,
        variables: Variables,
        data: Any,
    ) -> int:
        node_type = (
            get_named_type(connection.fields["nodes"].type)
            if "nodes" in connection.fields
            else None
        )
        items: list[Any] | None = None
        if data is None:
            size = self._page_size(node, variables)
        else:
            items = _connection_items(data, node, fragments)
            size = len(items)
        child = 0
        if node_type is not None:
            for selection in self._node_selections(node, fragments):
                if items is None:
                    child = max(
                        child,
                        self._selection(node_type, selection, fragments, variables, None),
                    )
                else:
                    child = max(
                        [child]
                        + [
                            self._selection(node_type, selection, fragments, variables, item)
                            for item in items
                        ]
                    )
        return CONNECTION_BASE + page_factor(size) * (1 + child)

    @staticmethod
    def _node_selections(node: FieldNode, fragments: Fragments) -> list[SelectionSetNode]:
        found: list[SelectionSetNode] = []
        for selection in _flatten(node.selection_set, fragments):
            if selection.name.value == "nodes" and selection.selection_set:
                found.append(selection.selection_set)
            elif selection.name.value == "edges":
                for edge in _flatten(selection.selection_set, fragments):
                    if edge.name.value == "node" and edge.selection_set:
                        found.append(edge.selection_set)
        return found

    @staticmethod
    def _page_size(node: FieldNode, variables: Variables) -> int:
        for argument in node.arguments:
            if argument.name.value in ("first", "last"):
                value = value_from_ast_untyped(argument.value, dict(variables))
                if isinstance(value, int):
                    return value
        return 0


def _connection_items(data: Any, node: FieldNode, fragments: Fragments) -> list[Any]:
    if not isinstance(data, Mapping):
        return []
    for selection in _flatten(node.selection_set, fragments):
        value = data.get(_key(selection))
        if selection.name.value == "nodes" and isinstance(value, list):
            return value
        if selection.name.value == "edges" and isinstance(value, list):
            return [edge.get("node", {}) if isinstance(edge, Mapping) else {} for edge in value]
    return []
