"""GraphQL errors in the words and shape Shopify (graphql-ruby) uses.

graphql-core finds the same problems Shopify does but words them differently; clients match on
Shopify's ``extensions.code``, so we translate the ones a client can trigger.
"""

from __future__ import annotations

import re
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode

Error = dict[str, Any]

_UNDEFINED_FIELD = re.compile(r"Cannot query field '(\w+)' on type '(\w+)'")
_MISSING_ARG = re.compile(r"Field '(\w+)' argument '(\w+)' of type '[^']+' is required")
_UNKNOWN_ARG = re.compile(r"Unknown argument '(\w+)' on field '(\w+)\.(\w+)'")
_UNUSED_VAR = re.compile(r"Variable '\$(\w+)' is never used(?: in operation '(\w+)')?")
_UNKNOWN_DIRECTIVE = re.compile(r"Unknown directive '@(\w+)'")
_UNDEFINED_VAR = re.compile(r"Variable '\$(\w+)' is not defined")
_LITERAL = re.compile(r"Expected value of type '([^']+)', found (.+?)(?:;.*)?\.?$", re.S)


def _locations(error: GraphQLError) -> list[dict[str, int]] | None:
    if not error.locations:
        return None
    return [{"line": loc.line, "column": loc.column} for loc in error.locations]


def _operation_path(operation: OperationDefinitionNode | None) -> list[str]:
    if operation is None:
        return []
    kind = operation.operation.value
    return [f"{kind} {operation.name.value}" if operation.name else kind]


def syntax_error(error: GraphQLError) -> Error:
    description = error.message.removeprefix("Syntax Error: ").rstrip(".")
    out: Error = {"message": f"syntax error, {description}"}
    if (locations := _locations(error)) is not None:
        out["locations"] = locations
    return out


def _field_path(operation: OperationDefinitionNode | None, error: GraphQLError) -> list[Any] | None:
    """graphql-ruby's path to a bad selection: the operation, then field names down to it."""
    if operation is None or not error.nodes or error.nodes[0].loc is None:
        return None
    target = error.nodes[0].loc.start

    def walk(selection_set: Any, trail: list[Any]) -> list[Any] | None:
        for selection in getattr(selection_set, "selections", ()):
            if selection.loc is None or not selection.loc.start <= target < selection.loc.end:
                continue
            if isinstance(selection, FieldNode):
                here = [*trail, selection.name.value]
                if selection.loc.start == target:
                    return here
                return walk(selection.selection_set, here) or here
            return walk(selection.selection_set, trail)
        return None

    return walk(operation.selection_set, _operation_path(operation))


def validation_error(error: GraphQLError, operation: OperationDefinitionNode | None) -> Error:
    """Translate a graphql-core validation error into graphql-ruby's message and code."""
    message = error.message
    extensions: dict[str, Any] = {}
    op_path = _operation_path(operation)
    path: list[Any] | None = None
    if m := _UNDEFINED_FIELD.search(message):
        field, type_name = m.groups()
        message = f"Field '{field}' doesn't exist on type '{type_name}'"
        extensions = {"code": "undefinedField", "typeName": type_name, "fieldName": field}
        path = _field_path(operation, error)
    elif m := _MISSING_ARG.search(message):
        field, argument = m.groups()
        message = f"Field '{field}' is missing required arguments: {argument}"
        extensions = {
            "code": "missingRequiredArguments",
            "className": "Field",
            "name": field,
            "arguments": argument,
        }
        path = _field_path(operation, error)
    elif m := _UNKNOWN_ARG.search(message):
        argument, _type, field = m.groups()
        message = f"Field '{field}' doesn't accept argument '{argument}'"
        extensions = {
            "code": "argumentNotAccepted",
            "name": field,
            "typeName": "Field",
            "argumentName": argument,
        }
    elif m := _UNUSED_VAR.search(message):
        variable = m.group(1)
        name = operation.name.value if operation and operation.name else "anonymous query"
        message = f"Variable ${variable} is declared by {name} but not used"
        extensions = {"code": "variableNotUsed", "variableName": variable}
        path = op_path
    elif m := _UNKNOWN_DIRECTIVE.search(message):
        message = f"Directive @{m.group(1)} is not defined"
        extensions = {"code": "undefinedDirective", "directiveName": m.group(1)}
    elif m := _UNDEFINED_VAR.search(message):
        name = operation.name.value if operation and operation.name else "anonymous query"
        message = f"Variable ${m.group(1)} is used by {name} but not declared"
        extensions = {"code": "variableNotDefined", "variableName": m.group(1)}
    elif m := _LITERAL.search(message):
        expected, found = m.groups()
        message = f"Argument has an invalid value ({found}). Expected type '{expected}'."
        extensions = {"code": "argumentLiteralsIncompatible", "typeName": "Field"}
    out: Error = {"message": message}
    if (locations := _locations(error)) is not None:
        out["locations"] = locations
    if path is not None:
        out["path"] = path
    if extensions:
        out["extensions"] = extensions
    return out


def variable_error(
    name: str, type_str: str, value: Any, problems: list[tuple[list[Any], str]], location: Any
) -> Error:
    """Shopify's INVALID_VARIABLE error, listing every problem with its path."""
    details = ", ".join(
        f"{'.'.join(str(p) for p in path)} ({explanation})"
        for path, explanation in problems
        if path
    )
    message = f"Variable ${name} of type {type_str} was provided invalid value"
    if details:
        message += f" for {details}"
    out: Error = {"message": message}
    if location is not None:
        out["locations"] = [{"line": location.line, "column": location.column}]
    out["extensions"] = {
        "code": "INVALID_VARIABLE",
        "value": value,
        "problems": [_problem(path, text) for path, text in problems],
    }
    return out


def _problem(path: list[Any], explanation: str) -> dict[str, Any]:
    problem: dict[str, Any] = {"path": path, "explanation": explanation}
    # Shopify repeats a global-id coercion failure as "message".
    if explanation.startswith("Invalid global id"):
        problem["message"] = explanation
    return problem


def execution_error(error: GraphQLError) -> Error:
    out: Error = {"message": error.message}
    if (locations := _locations(error)) is not None:
        out["locations"] = locations
    if error.extensions:
        out["extensions"] = dict(error.extensions)
    if error.path is not None:
        out["path"] = list(error.path)
    return out


def throttled(cost: int, status: dict[str, Any]) -> dict[str, Any]:
    return {
        "errors": [
            {
                "message": "Throttled",
                "extensions": {
                    "code": "THROTTLED",
                    "documentation": "https://shopify.dev/api/usage/rate-limits",
                },
            }
        ],
        "extensions": {
            "cost": {
                "requestedQueryCost": cost,
                "actualQueryCost": None,
                "throttleStatus": status,
            }
        },
    }


MAX_QUERY_COST = 1000


def max_cost_exceeded(cost: int) -> dict[str, Any]:
    message = (
        f"Query cost is {cost}, which exceeds the single query max cost limit ({MAX_QUERY_COST}).\n"
        "\nSee https://shopify.dev/docs/api/usage/rate-limits for more information on how the\n"
        "cost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, "
        "bulk operations should be used instead.\nSee "
        "https://shopify.dev/docs/api/usage/bulk-operations/queries for usage details.\n"
    )
    return {
        "errors": [
            {
                "message": message,
                "extensions": {
                    "code": "MAX_COST_EXCEEDED",
                    "cost": cost,
                    "maxCost": MAX_QUERY_COST,
                    "documentation": "https://shopify.dev/api/usage/rate-limits",
                },
            }
        ]
    }


def user_error(field: list[str] | None, message: str, code: str | None = None) -> dict[str, Any]:
    """A mutation's userErrors entry."""
    return {"field": field, "message": message, "code": code}
