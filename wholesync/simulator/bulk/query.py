"""Checks a bulk query the way Shopify does, and maps where its connections sit: the export
needs that map to split each result into JSONL lines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    parse,
    validate,
)
from graphql.execution.execute import ExecutionContext

from wholesync.simulator.api import errors

MAX_CONNECTIONS = 5
MAX_DEPTH = 2
OPERATION_TYPE = "Invalid operation type. Only `query` operations are supported."
NO_CONNECTION = "Bulk queries must contain at least one connection."
TOO_DEEP = f"Bulk queries cannot contain connections with a nesting depth greater than {MAX_DEPTH}."
TOO_MANY = f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections."
IN_LIST = "Queries that contain a connection field within a list field are not currently supported."
UNDER_OBJECT = (
    "The simulator exports connections at the top level of a bulk query or nested in other "
    "connections; move the connections out of the top-level object field."
)


@dataclass
class Shape:
    """Where connections sit in one object of the result: directly, or under plain objects."""

    connections: dict[str, Connection] = field(default_factory=dict)
    objects: dict[str, Shape] = field(default_factory=dict)

    @property
    def nested(self) -> bool:
        return bool(self.connections or self.objects)

    def merge(self, other: Shape) -> None:
        for key, connection in other.connections.items():
            if key in self.connections:
                self.connections[key].merge(connection)
            else:
                self.connections[key] = connection
        for key, shape in other.objects.items():
            self.objects.setdefault(key, Shape()).merge(shape)


@dataclass
class Connection:
    """A connection field of the query and the ``node`` selections under its ``edges``."""

    key: str
    name: str
    field_nodes: list[FieldNode]
    node_nodes: list[FieldNode]
    node_type: GraphQLNamedType
    shape: Shape

    def merge(self, other: Connection) -> None:
        self.field_nodes += other.field_nodes
        self.node_nodes += other.node_nodes
        self.shape.merge(other.shape)


@dataclass
class BulkQuery:
    document: DocumentNode
    roots: list[Connection]


def _is_connection(named: GraphQLNamedType) -> bool:
    return (
        isinstance(named, GraphQLObjectType)
        and named.name.endswith("Connection")
        and "edges" in named.fields
    )


def _is_list(type_: GraphQLOutputType) -> bool:
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    return isinstance(inner, GraphQLList)


def _field(owner: GraphQLNamedType, name: str) -> GraphQLField | None:
    if isinstance(owner, GraphQLObjectType | GraphQLInterfaceType):
        found: GraphQLField | None = owner.fields.get(name)
        return found
    return None


class _Walker:
    """Walks the selections with their types, counting what Shopify limits."""

    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode]):
        self.schema = schema
        self.fragments = fragments
        self.count = 0
        self.depth = 0
        self.in_list = False
        self.nodes_fields: list[str] = []
        self.missing_id: list[str] = []

    def _type(self, condition: NamedTypeNode | None, owner: GraphQLNamedType) -> GraphQLNamedType:
        found = self.schema.get_type(condition.name.value) if condition else None
        return found or owner

    def fields(
        self, selection_set: SelectionSetNode, owner: GraphQLNamedType
    ) -> Iterator[tuple[FieldNode, GraphQLNamedType]]:
        """Every field selected, with fragments flattened, and the type it is selected on."""
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection, owner
            elif isinstance(selection, InlineFragmentNode):
                inner = self._type(selection.type_condition, owner)
                yield from self.fields(selection.selection_set, inner)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    inner = self._type(fragment.type_condition, owner)
                    yield from self.fields(fragment.selection_set, inner)

    def shape(
        self, selection_set: SelectionSetNode, owner: GraphQLNamedType, depth: int, in_list: bool
    ) -> Shape:
        shape = Shape()
        for node, parent in self.fields(selection_set, owner):
            definition = _field(parent, node.name.value)
            if definition is None or node.selection_set is None:
                continue
            named = get_named_type(definition.type)
            key = node.alias.value if node.alias else node.name.value
            if _is_connection(named):
                self.connection(shape, key, node, named, depth, in_list)
                continue
            inner_list = in_list or _is_list(definition.type)
            sub = self.shape(node.selection_set, named, depth, inner_list)
            if sub.nested:
                shape.objects.setdefault(key, Shape()).merge(sub)
        return shape

    def connection(
        self,
        shape: Shape,
        key: str,
        node: FieldNode,
        named: GraphQLNamedType,
        depth: int,
        in_list: bool,
    ) -> None:
        assert isinstance(named, GraphQLObjectType) and node.selection_set is not None
        name = node.name.value
        self.count += 1
        self.depth = max(self.depth, depth)
        self.in_list = self.in_list or in_list
        edges: list[FieldNode] = []
        for sub, _ in self.fields(node.selection_set, named):
            if sub.name.value == "nodes" and name not in self.nodes_fields:
                self.nodes_fields.append(name)
            elif sub.name.value == "edges" and sub.selection_set is not None:
                edges.append(sub)
        edge_type = get_named_type(named.fields["edges"].type)
        assert isinstance(edge_type, GraphQLObjectType)
        node_type = get_named_type(edge_type.fields["node"].type)
        node_nodes = [
            n
            for edge in edges
            if edge.selection_set is not None
            for n, _ in self.fields(edge.selection_set, edge_type)
            if n.name.value == "node" and n.selection_set is not None
        ]
        child = Shape()
        selected: list[FieldNode] = []
        for n in node_nodes:
            assert n.selection_set is not None
            child.merge(self.shape(n.selection_set, node_type, depth + 1, False))
            selected += [f for f, _ in self.fields(n.selection_set, node_type)]
        if child.nested and not any(f.name.value == "id" and f.alias is None for f in selected):
            self.missing_id.append(name)
        found = Connection(key, name, [node], node_nodes, node_type, child)
        if key in shape.connections:
            shape.connections[key].merge(found)
        else:
            shape.connections[key] = found

    def problems(self, top_node: bool, under_object: bool) -> list[str]:
        """Shopify's messages, in the order it lists them."""
        out: list[str] = []
        if self.nodes_fields:
            listed = "', '".join(self.nodes_fields)
            out.append(
                "All connection fields in a bulk query must select their contents using "
                f"'edges' > 'node', e.g: '{self.nodes_fields[0]} {{ edges {{ node {{'. "
                f"Selecting via 'nodes' is not supported. Invalid connection fields: '{listed}'."
            )
        if top_node:
            out.append("Bulk queries cannot contain a top level `node` field.")
        if self.depth > MAX_DEPTH:
            out.append(TOO_DEEP)
        if self.count > MAX_CONNECTIONS:
            out.append(TOO_MANY)
        if self.missing_id:
            out.append(
                "The parent 'node' field for a nested connection must select the 'id' field "
                "without an alias and must be of 'ID' return type. Connection fields without "
                f"'id': {', '.join(self.missing_id)}."
            )
        if self.in_list:
            out.append(IN_LIST)
        if self.count == 0 and (not out or (top_node and len(out) == 1)):
            out.append(NO_CONNECTION)
        if under_object and not out:
            out.append(UNDER_OBJECT)
        return out


def _syntax(error: GraphQLError) -> str:
    message: str = errors.syntax_error(error)["message"]
    return "syntax error, unexpected end of file" if "<EOF>" in message else message


def analyze(schema: GraphQLSchema, text: str) -> tuple[BulkQuery | None, list[str]]:
    """The parsed bulk query, or Shopify's userError messages for it."""
    try:
        document = parse(text)
    except GraphQLError as exc:
        return None, [f"Invalid bulk query: {_syntax(exc)}"]
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operations and operations[0].operation is not OperationType.QUERY:
        return None, [OPERATION_TYPE]
    problems = validate(schema, document)
    if problems:
        operation = operations[0] if operations else None
        return None, [
            f"Invalid bulk query: {errors.validation_error(p, operation)['message']}"
            for p in problems
        ]
    built = ExecutionContext.build(schema, document, raw_variable_values={})
    if isinstance(built, list):
        return None, [f"Invalid bulk query: {e.message}" for e in built]
    query_type = schema.query_type
    assert query_type is not None
    walker = _Walker(schema, built.fragments)
    top = Shape()
    top_node = under_object = False
    for node, parent in walker.fields(built.operation.selection_set, query_type):
        definition = _field(parent, node.name.value)
        if node.name.value in ("node", "nodes"):
            top_node = True
        elif definition is not None and node.selection_set is not None:
            named = get_named_type(definition.type)
            key = node.alias.value if node.alias else node.name.value
            if _is_connection(named):
                walker.connection(top, key, node, named, 0, False)
            else:
                sub = walker.shape(node.selection_set, named, 0, _is_list(definition.type))
                under_object = under_object or sub.nested
    messages = walker.problems(top_node, under_object)
    if messages:
        return None, messages
    return BulkQuery(document, list(top.connections.values())), []
