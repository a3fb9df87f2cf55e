"""Binds resolver functions to the simulator schema's fields.

Domain modules register with ``@resolves("Type", "field")``. Fields without a resolver read
the record dict key of the same name, which is how every scalar is served.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLResolveInfo

from wholesync.simulator.ids import parse_gid
from wholesync.simulator.store import Shop, Store

Resolver = Callable[..., Any]

RESOLVERS: dict[tuple[str, str], Resolver] = {}


@dataclass
class Context:
    """What every resolver can reach: the shop being served and the whole store."""

    shop: Shop
    store: Store
    api_version: str
    base_url: str
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def emit(self, topic: str, record: dict[str, Any]) -> None:
        """Queue a webhook topic for delivery once the request's writes are done."""
        self.events.append((topic, record))


def resolves(type_name: str, field_name: str) -> Callable[[Resolver], Resolver]:
    def register(fn: Resolver) -> Resolver:
        key = (type_name, field_name)
        if key in RESOLVERS:
            raise RuntimeError(f"two resolvers for {type_name}.{field_name}")
        RESOLVERS[key] = fn
        return fn

    return register


def ctx(info: GraphQLResolveInfo) -> Context:
    context = info.context
    assert isinstance(context, Context)
    return context


NodeLookup = Callable[[Shop, int], dict[str, Any] | None]
NODE_LOOKUPS: dict[str, NodeLookup] = {}
Table = Callable[[Shop], dict[int, dict[str, Any]]]


def node_table(type_name: str, table: Table) -> None:
    """Let ``node(id:)`` and ``nodes(ids:)`` find ``type_name`` records by number in ``table``."""
    NODE_LOOKUPS[type_name] = lambda shop, number: table(shop).get(number)


def root_record(field_name: str, type_name: str) -> None:
    """Serve ``QueryRoot.<field_name>(id:)`` through the node lookup of ``type_name``."""

    def resolve(_: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any] | None:
        parsed = parse_gid(id)
        if parsed is None or parsed[0] != type_name:
            return None
        return NODE_LOOKUPS[type_name](ctx(info).shop, parsed[1])

    resolves("QueryRoot", field_name)(resolve)


def relation(type_name: str, field_name: str, table: Table, key: str) -> None:
    """Serve ``<type_name>.<field_name>`` as the ``table`` record numbered ``record[key]``."""

    def resolve(record: dict[str, Any], info: GraphQLResolveInfo) -> dict[str, Any] | None:
        return table(ctx(info).shop).get(record[key])

    resolves(type_name, field_name)(resolve)


PayloadBuilder = Callable[[Shop, dict[str, Any]], dict[str, Any]]
PAYLOADS: dict[str, PayloadBuilder] = {}


def webhook_payload(*topics: str) -> Callable[[PayloadBuilder], PayloadBuilder]:
    """Register the builder of a topic's JSON body (Shopify's REST shape) from a record."""

    def register(fn: PayloadBuilder) -> PayloadBuilder:
        for topic in topics:
            PAYLOADS[topic] = fn
        return fn

    return register
