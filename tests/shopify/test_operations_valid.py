"""Every document the client sends is valid against Shopify's real 2026-07 schema and against
the simulator's schema; bulk query documents are also accepted as bulk queries, and their
nested connections can be told apart when the JSONL is rebuilt. Shared fragments are composed
into the documents that spread them, so validating the loaded documents validates them too."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import pytest
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    OperationDefinitionNode,
    get_named_type,
    parse,
    validate,
)

from tests.conftest import PROJECT_ROOT
from tests.shopify.conftest import DOCUMENTS, doc
from wholesync.shopify import InvalidQueryError, operations
from wholesync.shopify.bulk_jsonl import BulkShape, Level
from wholesync.simulator.api import engine
from wholesync.simulator.bulk import query as sim_bulk

OPERATIONS_DIR = PROJECT_ROOT / "wholesync" / "shopify" / "operations"
NAMES = sorted(p.stem for p in OPERATIONS_DIR.glob("*.graphql"))
FRAGMENTS_DIR = OPERATIONS_DIR / "fragments"
FRAGMENTS = sorted(p.stem for p in FRAGMENTS_DIR.glob("*.graphql"))
# Bulk documents that drive an operation rather than being run as one.
BULK_CONTROL = {"bulk_run", "bulk_status", "bulk_cancel"}
BULK_QUERIES = [n for n in NAMES if n.startswith("bulk_") and n not in BULK_CONTROL]
# Documents the tests send to the simulator must be real Shopify too.
TEST_DOCUMENTS = sorted(p.stem for p in DOCUMENTS.glob("*.graphql"))
ALL = [("package", n) for n in NAMES] + [("tests", n) for n in TEST_DOCUMENTS]


def _text(where: str, name: str) -> str:
    return operations.load(name).text if where == "package" else doc(name).text


def _errors(schema: GraphQLSchema, where: str, name: str) -> list[str]:
    document = parse(_text(where, name))
    return [error.message for error in validate(schema, document)]


def test_the_loader_sees_every_file() -> None:
    assert operations.names() == NAMES
    assert {"bulk_run", "bulk_status", "bulk_cancel", "shop"} <= set(NAMES)


@pytest.mark.shared
@pytest.mark.parametrize(("where", "name"), ALL)
def test_document_is_valid_against_the_real_schema(
    real_schema: GraphQLSchema, where: str, name: str
) -> None:
    assert _errors(real_schema, where, name) == []


@pytest.mark.parametrize(("where", "name"), ALL)
def test_the_simulator_serves_the_document(where: str, name: str) -> None:
    assert _errors(engine.schema(), where, name) == []


def test_package_data_ships_every_document() -> None:
    """The documents are package data: an installed wholesync must carry them all."""
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["wholesync"]
    for path in [*OPERATIONS_DIR.glob("*.graphql"), *FRAGMENTS_DIR.glob("*.graphql")]:
        relative = path.relative_to(PROJECT_ROOT / "wholesync").as_posix()
        assert any(fnmatch.fnmatch(relative, p) for p in patterns), relative


def test_documents_are_one_operation_each() -> None:
    for name in NAMES:
        document = parse(operations.load(name).text)
        defined = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        assert len(defined) == 1, name


# Shared fragments.


def _spread(text: str) -> set[str]:
    return {m for m in re.findall(r"\.\.\.\s*([A-Za-z_]\w*)", text) if m != "on"}


def test_the_loader_sees_every_fragment() -> None:
    assert operations.fragment_names() == FRAGMENTS
    assert not set(FRAGMENTS) & set(operations.names())


@pytest.mark.parametrize("name", FRAGMENTS)
def test_a_fragment_file_holds_one_fragment_named_like_it(name: str) -> None:
    (definition,) = parse(operations.fragment(name)).definitions
    assert isinstance(definition, FragmentDefinitionNode) and definition.name.value == name


@pytest.mark.parametrize("name", FRAGMENTS)
def test_every_fragment_is_used_by_a_document(name: str) -> None:
    """An unused fragment would never be validated against the schemas."""
    assert any(name in _defined(operations.load(n).text) for n in NAMES), name


def _defined(text: str) -> list[str]:
    return [d.name.value for d in parse(text).definitions if isinstance(d, FragmentDefinitionNode)]


@pytest.mark.parametrize("name", NAMES)
def test_a_loaded_document_defines_what_it_spreads_once(name: str) -> None:
    text = operations.load(name).text
    defined = _defined(text)
    assert len(defined) == len(set(defined))
    assert set(defined) == _spread(text)


def test_composition_follows_fragments_of_fragments() -> None:
    text = operations.compose("query Q { products(first: 1) { nodes { ...ProductFields } } }")
    assert _defined(text) == [
        "ProductFields",
        "ProductAttributes",
        "MediaFields",
        "MetafieldFields",
        "VariantFields",
        "VariantAttributes",
    ]


def test_a_fragment_the_document_defines_is_not_added_again() -> None:
    own = "fragment MetafieldFields on Metafield { id }"
    text = operations.compose(f"query Q {{ metafield(id: 1) {{ ...MetafieldFields }} }}\n{own}")
    assert _defined(text) == ["MetafieldFields"] and own in text


def test_an_unknown_fragment_is_a_clear_error() -> None:
    with pytest.raises(InvalidQueryError) as caught:
        operations.compose("query Q { shop { ...NoSuchFields } }")
    assert "NoSuchFields" in str(caught.value) and "ProductFields" in caught.value.fix


BULK_ALL = [("package", n) for n in BULK_QUERIES] + [
    ("tests", n) for n in TEST_DOCUMENTS if n.startswith("bulk_")
]


@pytest.mark.parametrize(("where", "name"), BULK_ALL)
def test_bulk_query_is_accepted_as_a_bulk_query(where: str, name: str) -> None:
    parsed, problems = sim_bulk.analyze(engine.schema(), _text(where, name))
    assert problems == [] and parsed is not None


# Sibling connections of a bulk query must be told apart from their lines alone.


def _possible(schema: GraphQLSchema, named: GraphQLNamedType) -> set[str]:
    if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
        return {t.name for t in schema.get_possible_types(named)}
    return {named.name}


def _field_type(schema: GraphQLSchema, owner: GraphQLNamedType, name: str) -> GraphQLNamedType:
    """The named type of field ``name`` on ``owner`` or, for an abstract owner, on a member."""
    candidates = [owner]
    if isinstance(owner, GraphQLInterfaceType | GraphQLUnionType):
        candidates += list(schema.get_possible_types(owner))
    for candidate in candidates:
        if isinstance(candidate, GraphQLObjectType | GraphQLInterfaceType):
            # graphql-core's cached ``fields`` reads as Any, so the field is typed here.
            field: GraphQLField | None = candidate.fields.get(name)
            if field is not None:
                return get_named_type(field.type)
    raise AssertionError(f"{owner.name} has no field {name!r} (aliases on connections?)")


def _check_level(schema: GraphQLSchema, level: Level, owner: GraphQLNamedType) -> None:
    node_types: list[set[str]] = []
    for child in level.children:
        holder = owner
        for step in child.path[:-1]:
            holder = _field_type(schema, holder, step)
        connection = _field_type(schema, holder, child.path[-1])
        assert isinstance(connection, GraphQLObjectType), child.path
        node_type = get_named_type(connection.fields["nodes"].type)
        possible = _possible(schema, node_type)
        if len(level.children) > 1:
            assert possible <= child.types, f"{'.'.join(child.path)} may hold {possible}"
        node_types.append(set(child.types))
        _check_level(schema, child.level, node_type)
    for index, types in enumerate(node_types):
        others = node_types[:index] + node_types[index + 1 :]
        assert not any(types & other for other in others), level.children[index].path


@pytest.mark.shared
@pytest.mark.parametrize(("where", "name"), BULK_ALL)
def test_bulk_children_can_be_routed(real_schema: GraphQLSchema, where: str, name: str) -> None:
    text = _text(where, name)
    operation = next(d for d in parse(text).definitions if isinstance(d, OperationDefinitionNode))
    roots = [
        s
        for s in operation.selection_set.selections
        if isinstance(s, FieldNode) and s.selection_set
    ]
    assert len(roots) == 1, "a bulk query reads one root connection"
    query = real_schema.query_type
    assert query is not None
    connection = _field_type(real_schema, query, roots[0].name.value)
    assert isinstance(connection, GraphQLObjectType)
    root_type = get_named_type(connection.fields["nodes"].type)
    _check_level(real_schema, BulkShape.from_document(text).root, root_type)


def test_operations_dir_is_inside_the_package() -> None:
    assert Path(operations.__file__).parent == OPERATIONS_DIR
