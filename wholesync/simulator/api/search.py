"""Shopify's search syntax for the ``query:`` argument.

Supports what connectors use: ``field:value``, comparisons (``updated_at:>2026-01-01``),
negation (``-tag:x`` or ``NOT``), ``AND``/``OR`` with parentheses, quoted values, a trailing
``*`` wildcard, and bare words that match the resource's default fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

FieldGetter = Callable[[Any], Iterable[Any]]

_TOKEN = re.compile(r'\s*(\(|\)|-?[\w.]+:(?:[<>]=?)?(?:"[^"]*"|\S+?)(?=\s|\)|$)|"[^"]*"|[^\s()]+)')


@dataclass(frozen=True)
class Term:
    field: str | None
    op: str
    value: str
    negate: bool = False


@dataclass(frozen=True)
class Bool:
    op: str  # "AND" | "OR"
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Term | Bool | Not


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse_or(self) -> Node:
        items = [self.parse_and()]
        while self.peek() == "OR":
            self.take()
            if self.peek() in (None, ")"):
                break  # Shopify ignores a dangling OR
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Bool("OR", tuple(items))

    def parse_and(self) -> Node:
        items = [self.parse_unary()]
        while (token := self.peek()) is not None and token not in ("OR", ")"):
            if token == "AND":
                self.take()
                continue
            items.append(self.parse_unary())
        return items[0] if len(items) == 1 else Bool("AND", tuple(items))

    def parse_unary(self) -> Node:
        token = self.take()
        if token == "NOT" or (token == "-" and self.peek() == "("):
            return Not(self.parse_unary())
        if token == "(":
            inner = self.parse_or()
            if self.peek() == ")":
                self.take()
            return inner
        return _term(token)


def _term(token: str) -> Term:
    negate = token.startswith("-") and len(token) > 1
    body = token[1:] if negate else token
    field, sep, rest = body.partition(":")
    if not sep or not re.fullmatch(r"[\w.]+", field):
        return Term(None, "=", _unquote(token), False)
    op = "="
    for candidate in (">=", "<=", ">", "<"):
        if rest.startswith(candidate):
            op, rest = candidate, rest[len(candidate) :]
            break
    return Term(field.lower(), op, _unquote(rest), negate)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def parse(query: str) -> Node | None:
    tokens = [t for t in _TOKEN.findall(query or "") if t.strip()]
    if not tokens:
        return None
    try:
        return _Parser(tokens).parse_or()
    except IndexError:  # a trailing NOT or "(": Shopify answers as if the query were empty
        return None


def _as_time(value: str) -> datetime | None:
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _compare(actual: Any, op: str, wanted: str) -> bool:
    if actual is None:
        return False
    if op == "=":
        text = str(actual).lower()
        target = wanted.lower()
        if target.endswith("*"):
            return text.startswith(target[:-1])
        return text == target
    left: Any
    right: Any
    left_time, right_time = _as_time(str(actual)), _as_time(wanted)
    if left_time is not None and right_time is not None:
        left, right = left_time, right_time
    else:
        try:
            left, right = float(actual), float(wanted)
        except (TypeError, ValueError):
            left, right = str(actual), wanted
    return bool(
        {">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right}[op]
    )


def matches(
    node: Node | None,
    record: Any,
    fields: Mapping[str, FieldGetter],
    default_fields: Iterable[str] = (),
) -> bool:
    """Whether ``record`` satisfies the parsed query; unknown fields match nothing."""
    if node is None:
        return True
    if isinstance(node, Bool):
        results = (matches(item, record, fields, default_fields) for item in node.items)
        return all(results) if node.op == "AND" else any(results)
    if isinstance(node, Not):
        return not matches(node.item, record, fields, default_fields)
    if node.field is None:
        wanted = node.value.lower().rstrip("*")
        found = any(
            wanted in str(value).lower()
            for name in default_fields
            for value in fields[name](record)
            if value is not None
        )
        return found != node.negate
    getter = fields.get(node.field)
    if getter is None:
        return node.negate
    hit = any(_compare(value, node.op, node.value) for value in getter(record))
    return hit != node.negate
