"""Runs one Admin GraphQL request against a shop: parse, validate, charge, execute."""

from __future__ import annotations

import importlib
from functools import cache
from importlib import resources
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    OperationDefinitionNode,
    build_schema,
    execute,
    parse,
    validate,
)

from wholesync.simulator.api import errors, variables
from wholesync.simulator.api.cost import CostCalculator
from wholesync.simulator.registry import RESOLVERS, Context

# Modules that register resolvers, node lookups, webhook payloads or control actions.
DOMAIN_MODULES = (
    "shop",
    "catalog.products",
    "catalog.product_fields",
    "catalog.actions",
    "catalog.payloads",
    "catalog.inventory",
    "catalog.inventory_set",
    "catalog.tags",
    "metafields.fields",
    "customers.customers",
    "customers.addresses",
    "customers.actions",
    "customers.mutations",
    "orders.orders",
    "orders.actions",
    "orders.drafts",
    "orders.fulfillments",
    "webhooks.dispatcher",
    "webhooks.subscriptions",
    "bulk.operations",
)


@cache
def schema() -> GraphQLSchema:
    """The simulator's schema with every registered resolver bound to its field."""
    sdl = resources.files(__package__).joinpath("schema.graphql").read_text()
    built = build_schema(sdl)
    for name in DOMAIN_MODULES:
        importlib.import_module(f"wholesync.simulator.{name}")
    # Resolvers name the roots "Query" and "Mutation"; Shopify calls them QueryRoot and Mutation.
    roots = {"Query": built.query_type, "Mutation": built.mutation_type}
    for (type_name, field_name), resolver in RESOLVERS.items():
        root = roots.get(type_name)
        type_ = root if root is not None else built.get_type(type_name)
        if not isinstance(type_, GraphQLObjectType) or field_name not in type_.fields:
            raise RuntimeError(f"resolver for {type_name}.{field_name}, which the SDL lacks")
        type_.fields[field_name].resolve = resolver
    _keep_integer_path_segments(built)
    return built


class _PathSegment(GraphQLScalarType):
    """A second ``String`` scalar, used only for userError paths (graphql-core reserves the
    name for its built-in scalar, which the schema keeps using everywhere else)."""

    reserved_types: dict[str, GraphQLNamedType] = {}


def _path_segment(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return GraphQLString.serialize(value)


def _keep_integer_path_segments(built: GraphQLSchema) -> None:
    """userErrors ``field`` is ``[String!]``, yet some mutations (orderCreate) answer list indexes
    as JSON integers; let a resolver's integer segment through unchanged, as Shopify does."""
    path = GraphQLList(GraphQLNonNull(_PathSegment("String", serialize=_path_segment)))
    for type_ in built.type_map.values():
        if not isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            continue
        names = {type_.name} | {i.name for i in type_.interfaces}
        if "DisplayableError" in names and "field" in type_.fields:
            type_.fields["field"].type = path


@cache
def cost_calculator() -> CostCalculator:
    return CostCalculator(schema())


def _operation(
    document: DocumentNode, name: str | None
) -> tuple[OperationDefinitionNode | None, str | None]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name:
        for op in operations:
            if op.name and op.name.value == name:
                return op, None
        return None, f'No operation named "{name}"'
    if len(operations) == 1:
        return operations[0], None
    if not operations:
        return None, "No operations in query document"
    return None, "An operation name is required"


def run(context: Context, body: Any) -> dict[str, Any]:
    """Answer one request body with Shopify's response document (always HTTP 200)."""
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return {"errors": [{"message": "No query string was present"}]}
    try:
        document = parse(body["query"])
    except GraphQLError as exc:
        return {"errors": [errors.syntax_error(exc)]}
    operation, problem = _operation(document, body.get("operationName"))
    if operation is None:
        return {"errors": [{"message": problem}]}
    built = schema()
    validation = validate(built, document)
    if validation:
        return {"errors": [errors.validation_error(e, operation) for e in validation]}
    raw_variables = body.get("variables") or {}
    if not isinstance(raw_variables, dict):
        return {"errors": [{"message": "Variables must be a JSON object"}]}
    values, variable_errors = variables.check(built, operation, raw_variables)
    if variable_errors:
        return {"errors": variable_errors}
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    calculator = cost_calculator()
    shop = context.shop
    with shop.lock:
        requested = calculator.requested(operation, fragments, values)
        if requested > errors.MAX_QUERY_COST:
            return errors.max_cost_exceeded(requested)
        if shop.faults.force_throttle:
            shop.fault_counts["throttled"] += 1
            shop.bucket.drain()
        if not shop.bucket.try_take(requested):
            return errors.throttled(requested, shop.bucket.status())
        result: ExecutionResult = execute(  # type: ignore[assignment]
            built,
            document,
            context_value=context,
            variable_values=values,
            operation_name=operation.name.value if operation.name else None,
        )
        actual = calculator.actual(operation, fragments, values, result.data)
        shop.bucket.refund(requested - actual)
        status = shop.bucket.status()
    response: dict[str, Any] = {}
    if result.errors:
        response["errors"] = [errors.execution_error(e) for e in result.errors]
    response["data"] = result.data
    response["extensions"] = {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": status,
        }
    }
    return response
