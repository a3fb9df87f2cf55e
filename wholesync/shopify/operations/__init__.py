"""Every GraphQL document the client sends, one ``<name>.graphql`` file each, loaded by name.

Selections read by several documents are fragments in ``fragments/<FragmentName>.graphql``, one
per file. A loaded document carries, after its own text, every shared fragment it spreads
(directly or through another fragment) and does not define itself, so what is sent is always a
complete, valid document.

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

from graphql import (
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    OperationDefinitionNode,
    Visitor,
    parse,
    value_from_ast_untyped,
    visit,
)

from wholesync.shopify.errors import InvalidQueryError

SUFFIX = ".graphql"
FRAGMENTS = "fragments"
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


def fragment_names() -> list[str]:
    """The names of every shared fragment, sorted."""
    folder = resources.files(__package__).joinpath(FRAGMENTS)
    return sorted(e.name.removesuffix(SUFFIX) for e in folder.iterdir() if e.name.endswith(SUFFIX))


class _Spreads(Visitor):
    """Collects the names of the fragments a document spreads, in order of appearance."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
        if node.name.value not in self.names:
            self.names.append(node.name.value)


def _spreads(text: str) -> tuple[list[str], set[str]]:
    """(fragments spread, fragments defined) by ``text``."""
    document = parse(text)
    collector = _Spreads()
    visit(document, collector)
    defined = {d.name.value for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return collector.names, defined


@cache
def fragment(name: str) -> str:
    """The text of the shared fragment ``name``; an unknown or malformed one is a clear error."""
    resource = resources.files(__package__).joinpath(FRAGMENTS, name + SUFFIX)
    if not resource.is_file():
        raise InvalidQueryError(
            f"No shared GraphQL fragment named {name!r}.",
            fix=f"Add wholesync/shopify/operations/{FRAGMENTS}/{name}{SUFFIX} or use one of: "
            + ", ".join(fragment_names()),
        )
    text = resource.read_text(encoding="utf-8")
    try:
        document = parse(text)
    except GraphQLError as exc:
        raise InvalidQueryError(
            f"The fragment {FRAGMENTS}/{name}{SUFFIX} is not valid GraphQL: {exc.message}",
            fix="Fix the syntax; tests/shopify/test_operations_valid.py shows the position.",
        ) from exc
    found = [d.name.value for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    if found != [name] or len(document.definitions) != 1:
        raise InvalidQueryError(
            f"{FRAGMENTS}/{name}{SUFFIX} must define the fragment {name} and nothing else.",
            fix="Keep one fragment per file, named like the file.",
        )
    return text


def compose(text: str) -> str:
    """``text`` followed by the shared fragments it needs: those it spreads, directly or through
    another fragment, and does not define itself."""
    wanted, defined = _spreads(text)
    added: list[str] = []
    while wanted:
        name = wanted.pop(0)
        if name in defined:
            continue
        defined.add(name)
        shared = fragment(name)
        added.append(shared)
        wanted.extend(_spreads(shared)[0])
    return "\n\n".join([text.rstrip(), *(a.rstrip() for a in added)]) + "\n"


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
        return Operation.parse(name, compose(resource.read_text(encoding="utf-8")))
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
