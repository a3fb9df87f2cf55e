"""Checks operation variables the way Shopify does, so errors name every bad input path."""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    SourceLocation,
    VariableDefinitionNode,
    get_location,
    type_from_ast,
    value_from_ast_untyped,
)

from wholesync.simulator.api import errors
from wholesync.simulator.ids import GID_PREFIX

Problem = tuple[list[Any], str]


def _scalar_problem(type_: GraphQLScalarType, value: Any) -> str | None:
    name = type_.name
    if name == "ID":
        if not isinstance(value, str | int) or isinstance(value, bool):
            return f"Could not coerce value {_show(value)} to ID"
        if isinstance(value, str) and not value.startswith(GID_PREFIX):
            return f"Invalid global id '{value}'"
        return None
    if name == "Int":
        ok = isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31
        return None if ok else f"Could not coerce value {_show(value)} to Int"
    if name == "Float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else f"Could not coerce value {_show(value)} to Float"
    if name == "Boolean":
        return (
            None if isinstance(value, bool) else f"Could not coerce value {_show(value)} to Boolean"
        )
    if name in ("String", "HTML", "URL", "DateTime", "Date", "FormattedString", "ARN"):
        return (
            None if isinstance(value, str) else f"Could not coerce value {_show(value)} to {name}"
        )
    if name in ("Money", "Decimal", "UnsignedInt64"):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return f"Could not coerce value {_show(value)} to {name}"
        try:
            float(value)
        except ValueError:
            return f"Could not coerce value {_show(value)} to {name}"
    return None


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def problems_for(type_: GraphQLInputType, value: Any, path: list[Any]) -> list[Problem]:
    """Every problem in ``value`` against ``type_``, with its path, as graphql-ruby lists them."""
    if isinstance(type_, GraphQLNonNull):
        if value is None:
            return [(path, "Expected value to not be null")]
        return problems_for(type_.of_type, value, path)
    if value is None:
        return []
    if isinstance(type_, GraphQLList):
        if not isinstance(value, list):
            return problems_for(type_.of_type, value, path)
        found: list[Problem] = []
        for index, item in enumerate(value):
            found.extend(problems_for(type_.of_type, item, [*path, index]))
        return found
    if isinstance(type_, GraphQLInputObjectType):
        if not isinstance(value, dict):
            return [(path, f"Expected {_show(value)} to be a key-value object.")]
        found = []
        for key in value:
            if key not in type_.fields:
                found.append(([*path, key], f"Field is not defined on {type_.name}"))
        for key, field in type_.fields.items():
            found.extend(problems_for(field.type, value.get(key), [*path, key]))
        return found
    if isinstance(type_, GraphQLEnumType):
        if not isinstance(value, str) or value not in type_.values:
            allowed = ", ".join(type_.values)
            return [(path, f"Expected {_show(value)} to be one of: {allowed}")]
        return []
    if isinstance(type_, GraphQLScalarType):
        problem = _scalar_problem(type_, value)
        return [(path, problem)] if problem else []
    return []


def check(
    schema: GraphQLSchema, operation: OperationDefinitionNode, values: dict[str, Any]
) -> tuple[dict[str, Any], list[errors.Error]]:
    """Return the variables with defaults applied, and Shopify-shaped errors for bad ones."""
    out: dict[str, Any] = {}
    found: list[errors.Error] = []
    for definition in operation.variable_definitions:
        name = definition.variable.name.value
        type_ = type_from_ast(schema, definition.type)
        if type_ is None:
            continue
        if name in values:
            value = values[name]
        elif definition.default_value is not None:
            value = value_from_ast_untyped(definition.default_value)
        else:
            value = None
        problems = problems_for(type_, value, [])  # type: ignore[arg-type]
        if problems:
            found.append(
                errors.variable_error(name, str(type_), value, problems, _location(definition))
            )
        if name in values or definition.default_value is not None:
            out[name] = value
    return out, found


def _location(definition: VariableDefinitionNode) -> SourceLocation | None:
    loc = definition.loc
    return get_location(loc.source, loc.start) if loc is not None else None
