"""Every GraphQL document the client sends, one ``<name>.graphql`` file each, loaded by name.

Documents ship as package data, so they are read with ``importlib.resources`` and work the same
from a source tree, a wheel or a zip.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, parse, value_from_ast_untyped

from wholesync.shopify.errors import InvalidQueryError

SUFFIX = ".graphql"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Operation:
    """One document: its file name (without suffix), its text, whether it is a mutation, and
    the default values its variables declare (a document may fix its own page size)."""

    name: str
    text: str
    is_mutation: bool
    defaults: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, name: str, text: str) -> Operation:
        """Build from text; raises ``GraphQLError`` or ``ValueError`` for a bad document."""
        document = parse(text)
        found = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(found) != 1:
            raise ValueError(f"it holds {len(found)} operations instead of one")
        defaults = {
            v.variable.name.value: value_from_ast_untyped(v.default_value)
            for v in found[0].variable_definitions
            if v.default_value is not None
        }
        return cls(name, text, found[0].operation.value == "mutation", defaults)


def names() -> list[str]:
    """The names of every document in the package, sorted."""
    found = (
        entry.name.removesuffix(SUFFIX)
        for entry in resources.files(__package__).iterdir()
        if entry.name.endswith(SUFFIX)
    )
    return sorted(found)


@cache
def load(name: str) -> Operation:
    """The document ``<name>.graphql``; an unknown or malformed one is a clear error."""
    if not _NAME.match(name):
        raise InvalidQueryError(
            f"{name!r} is not a GraphQL document name.",
            fix="Use the file name without '.graphql', in lower case, e.g. 'shop'.",
        )
    resource = resources.files(__package__).joinpath(name + SUFFIX)
    if not resource.is_file():
        raise InvalidQueryError(
            f"No GraphQL document named {name!r}.",
            fix=f"Add wholesync/shopify/operations/{name}{SUFFIX} or use one of: "
            + ", ".join(names()),
        )
    try:
        return Operation.parse(name, resource.read_text(encoding="utf-8"))
    except GraphQLError as exc:
        raise InvalidQueryError(
            f"The document {name}{SUFFIX} is not valid GraphQL: {exc.message}",
            fix="Fix the syntax; tests/shopify/test_operations_valid.py shows the position.",
        ) from exc
    except ValueError as exc:
        raise InvalidQueryError(
            f"The document {name}{SUFFIX} is malformed: {exc}.",
            fix="Keep exactly one query or mutation per file.",
        ) from exc
