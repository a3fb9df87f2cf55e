"""Binds resolver functions to the simulator schema's fields.

Domain modules register with ``@resolves("Type", "field")``. Fields without a resolver read
the record dict key of the same name, which is how every scalar is served.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLResolveInfo

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


def node_type(type_name: str) -> Callable[[NodeLookup], NodeLookup]:
    """Register how ``node(id:)`` and ``nodes(ids:)`` find a record of ``type_name``."""

    def register(fn: NodeLookup) -> NodeLookup:
        NODE_LOOKUPS[type_name] = fn
        return fn

    return register


PayloadBuilder = Callable[[Shop, dict[str, Any]], dict[str, Any]]
PAYLOADS: dict[str, PayloadBuilder] = {}


def webhook_payload(*topics: str) -> Callable[[PayloadBuilder], PayloadBuilder]:
    """Register the builder of a topic's JSON body (Shopify's REST shape) from a record."""

    def register(fn: PayloadBuilder) -> PayloadBuilder:
        for topic in topics:
            PAYLOADS[topic] = fn
        return fn

    return register
