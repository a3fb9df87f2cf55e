"""The simulator's SDL is a strict subset of Shopify's real Admin API 2026-07 schema."""

from __future__ import annotations

from importlib import resources

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    specified_directives,
    specified_scalar_types,
    validate_schema,
)

from wholesync.simulator.api import engine

pytestmark = pytest.mark.shared

QUERY_ROOTS = {
    "shop",
    "product",
    "products",
    "productsCount",
    "productVariants",
    "customer",
    "customers",
    "customersCount",
    "order",
    "orders",
    "ordersCount",
    "draftOrders",
    "locations",
    "inventoryItems",
    "bulkOperation",
    "webhookSubscriptions",
    "nodes",
}
MUTATION_ROOTS = {
    "orderCreate",
    "orderCancel",
    "draftOrderCreate",
    "draftOrderComplete",
    "customerCreate",
    "customerUpdate",
    "inventorySetQuantities",
    "fulfillmentCreate",
    "tagsAdd",
    "metafieldsSet",
    "webhookSubscriptionCreate",
    "webhookSubscriptionDelete",
    "bulkOperationRunQuery",
    "bulkOperationCancel",
}
BUILT_IN_DIRECTIVES = {d.name for d in specified_directives}


def our_sdl() -> str:
    return resources.files("wholesync.simulator.api").joinpath("schema.graphql").read_text()


@pytest.fixture(scope="module")
def our_schema() -> GraphQLSchema:
    return build_schema(our_sdl())


def own_types(schema: GraphQLSchema) -> dict[str, GraphQLNamedType]:
    """Named types declared by the SDL: no introspection types, no built-in scalars."""
    return {
        name: type_
        for name, type_ in schema.type_map.items()
        if not name.startswith("__") and name not in specified_scalar_types
    }


def compare_args(
    where: str, ours: dict[str, GraphQLArgument], real: dict[str, GraphQLArgument]
) -> list[str]:
    problems = []
    for name, arg in ours.items():
        real_arg = real.get(name)
        if real_arg is None:
            problems.append(f"{where}({name}:): no such argument in the real schema")
            continue
        problems += compare_value(f"{where}({name}:)", arg, real_arg)
    return problems


def compare_value(
    where: str,
    ours: GraphQLArgument | GraphQLInputField,
    real: GraphQLArgument | GraphQLInputField,
) -> list[str]:
    """Same type, default value and deprecation for an argument or input field."""
    problems = []
    if str(ours.type) != str(real.type):
        problems.append(f"{where}: type {ours.type}, real {real.type}")
    if ours.default_value != real.default_value:
        problems.append(f"{where}: default {ours.default_value!r}, real {real.default_value!r}")
    if ours.deprecation_reason != real.deprecation_reason:
        problems.append(f"{where}: deprecation differs from the real schema")
    return problems


def compare_field(where: str, ours: GraphQLField, real: GraphQLField) -> list[str]:
    problems = []
    if str(ours.type) != str(real.type):
        problems.append(f"{where}: type {ours.type}, real {real.type}")
    if ours.deprecation_reason != real.deprecation_reason:
        problems.append(f"{where}: deprecation differs from the real schema")
    return problems + compare_args(where, ours.args, real.args)


def compare_type(ours: GraphQLNamedType, real: GraphQLNamedType) -> list[str]:
    name = ours.name
    if type(ours) is not type(real):
        return [f"{name}: a {type(ours).__name__}, real is a {type(real).__name__}"]
    problems: list[str] = []
    if isinstance(ours, GraphQLObjectType | GraphQLInterfaceType):
        assert isinstance(real, GraphQLObjectType | GraphQLInterfaceType)
        for field_name, field in ours.fields.items():
            real_field = real.fields.get(field_name)
            if real_field is None:
                problems.append(f"{name}.{field_name}: no such field in the real schema")
            else:
                problems += compare_field(f"{name}.{field_name}", field, real_field)
        extra = {i.name for i in ours.interfaces} - {i.name for i in real.interfaces}
        problems += [f"{name}: implements {i}, the real type does not" for i in sorted(extra)]
    elif isinstance(ours, GraphQLInputObjectType):
        assert isinstance(real, GraphQLInputObjectType)
        for field_name, input_field in ours.fields.items():
            real_input_field = real.fields.get(field_name)
            if real_input_field is None:
                problems.append(f"{name}.{field_name}: no such input field in the real schema")
            else:
                problems += compare_value(f"{name}.{field_name}", input_field, real_input_field)
    elif isinstance(ours, GraphQLEnumType):
        assert isinstance(real, GraphQLEnumType)
        for value_name, value in ours.values.items():
            real_value = real.values.get(value_name)
            if real_value is None:
                problems.append(f"{name}.{value_name}: no such enum value in the real schema")
            elif value.deprecation_reason != real_value.deprecation_reason:
                problems.append(f"{name}.{value_name}: deprecation differs from the real schema")
    elif isinstance(ours, GraphQLUnionType):
        assert isinstance(real, GraphQLUnionType)
        extra = {t.name for t in ours.types} - {t.name for t in real.types}
        problems += [f"{name}: member {m} is not in the real union" for m in sorted(extra)]
    return problems


def test_sdl_builds_with_full_validation() -> None:
    schema = build_schema(our_sdl())
    # build_schema checks the SDL document; validate_schema checks the type system itself.
    errors = validate_schema(schema)
    assert not errors, "\n".join(e.message for e in errors)


def test_every_type_is_a_subset_of_the_real_schema(
    our_schema: GraphQLSchema, real_schema: GraphQLSchema
) -> None:
    problems: list[str] = []
    for name, type_ in sorted(own_types(our_schema).items()):
        real_type = real_schema.get_type(name)
        if real_type is None:
            problems.append(f"{name}: no such type in the real schema")
        else:
            problems += compare_type(type_, real_type)
    assert not problems, "\n".join(problems)


def test_directives_match_the_real_schema(
    our_schema: GraphQLSchema, real_schema: GraphQLSchema
) -> None:
    problems: list[str] = []
    for directive in our_schema.directives:
        if directive.name in BUILT_IN_DIRECTIVES:
            continue
        real = real_schema.get_directive(directive.name)
        if real is None:
            problems.append(f"@{directive.name}: no such directive in the real schema")
            continue
        where = f"@{directive.name}"
        if set(directive.args) != set(real.args):
            problems.append(
                f"{where}: arguments {sorted(directive.args)}, real {sorted(real.args)}"
            )
        problems += compare_args(where, directive.args, real.args)
        if set(directive.locations) != set(real.locations):
            problems.append(f"{where}: locations differ from the real schema")
        if directive.is_repeatable != real.is_repeatable:
            problems.append(f"{where}: repeatability differs from the real schema")
    assert not problems, "\n".join(problems)


def test_idempotent_directive_is_declared(
    our_schema: GraphQLSchema, real_schema: GraphQLSchema
) -> None:
    # From 2026-04 Shopify requires @idempotent(key:) on the inventory mutations.
    assert real_schema.get_directive("idempotent") is not None
    assert our_schema.get_directive("idempotent") is not None


def test_inputs_enums_and_arguments_are_complete(
    our_schema: GraphQLSchema, real_schema: GraphQLSchema
) -> None:
    """A request valid against Shopify must not fail validation in the simulator."""
    problems: list[str] = []
    for name, type_ in sorted(own_types(our_schema).items()):
        real = real_schema.get_type(name)
        if type(real) is not type(type_):
            continue  # reported by test_every_type_is_a_subset_of_the_real_schema
        if isinstance(type_, GraphQLInputObjectType):
            assert isinstance(real, GraphQLInputObjectType)
            problems += [f"{name}: lacks {m}" for m in sorted(set(real.fields) - set(type_.fields))]
        elif isinstance(type_, GraphQLEnumType):
            assert isinstance(real, GraphQLEnumType)
            problems += [f"{name}: lacks {m}" for m in sorted(set(real.values) - set(type_.values))]
        elif isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            assert isinstance(real, GraphQLObjectType | GraphQLInterfaceType)
            for field_name, field in type_.fields.items():
                if field_name in real.fields:
                    missing = sorted(set(real.fields[field_name].args) - set(field.args))
                    problems += [f"{name}.{field_name}: lacks argument {a}" for a in missing]
    assert not problems, "\n".join(problems)


def test_roots_cover_the_connector_and_are_all_implemented(
    our_schema: GraphQLSchema, real_schema: GraphQLSchema
) -> None:
    assert our_schema.query_type is not None and real_schema.query_type is not None
    assert our_schema.mutation_type is not None and real_schema.mutation_type is not None
    assert our_schema.query_type.name == real_schema.query_type.name
    assert our_schema.mutation_type.name == real_schema.mutation_type.name
    assert our_schema.subscription_type is None
    assert sorted(QUERY_ROOTS - set(our_schema.query_type.fields)) == []
    assert sorted(MUTATION_ROOTS - set(our_schema.mutation_type.fields)) == []
    served = engine.schema()
    assert served.query_type is not None and served.mutation_type is not None
    unresolved = [
        f"{root.name}.{name}"
        for root in (served.query_type, served.mutation_type)
        for name, field in root.fields.items()
        if field.resolve is None
    ]
    assert unresolved == [], "roots declared in the SDL without a resolver"
