"""Fuzzing F5's order mapper: realistic order nodes (built, converted from Shopify's webhook
examples, or captured from Shopify) with parts replaced, nulled or removed, and arbitrary
JSON. Nothing raises; every result is a valid record or a rejection with a catalogue code."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.sync.map_nodes import (
    JSON_VALUES,
    as_bulk,
    as_edges,
    capture,
    check_refusal,
    find_nodes,
    metafield,
    mutated,
)
from tests.sync.order_nodes import customer_node, node_from_rest, order_node
from wholesync.sync.map_orders import map_order
from wholesync.sync.records import Archive, OrderRecord, Rejection, Skipped
from wholesync.sync.settings import TenantSettings

TOPICS = ("create", "updated", "cancelled")
# Order nodes Shopify returned in the captures, completed with the fields the import selects
# that those queries did not ask for.
CAPTURED = [
    {**order_node(), **node}
    for name in ("order-live-hybrid-mixed-catalog.json", "order-edit-residual-live-capture.json")
    for node in find_nodes(capture("graphql", "orders", name), "gid://shopify/Order/")
    if "lineItems" in node
]
WEBHOOKS = [
    capture("webhooks", "orders", topic, "docs_example_2026-01.json")["response"]
    for topic in TOPICS
]
BASES = [
    order_node(),
    order_node(customer=customer_node(metafields=[metafield("custom", "code", "C-9")])),
    order_node(cancelledAt="2026-07-02T00:00:00Z", cancelReason="CUSTOMER"),
    order_node(tags=["ws-0123456789abcdef"]),
    as_bulk(order_node()),
    as_edges(order_node()),
    *[node_from_rest(body) for body in WEBHOOKS],
    *WEBHOOKS,
    *CAPTURED,
]
CONFIGURED = [
    TenantSettings(),
    TenantSettings.model_validate({"upc_key": "barcode", "customer_code_metafield": "custom.code"}),
    TenantSettings.model_validate({"upc_key": "variant_id"}),
]


def _check(result: object) -> None:
    assert isinstance(result, OrderRecord | Skipped | Archive | Rejection)
    if isinstance(result, Rejection):
        check_refusal(result)
    elif isinstance(result, OrderRecord):
        assert result.name and result.currency and result.shopify_gid.startswith("gid://")
        assert (result.status == "cancelled") == (result.cancelled_at is not None)
        for line in result.lines:
            assert line.title and len(line.title) <= 512
            assert line.quantity >= 0 and line.unit_price >= 0 and line.unit_price.is_finite()
    elif isinstance(result, Skipped):
        assert result.reason


def test_the_bases_map_to_orders() -> None:
    """The fuzzing starts from nodes that map whole (not the raw webhook bodies, nor the
    captured nodes, whose queries did not select the lines' prices)."""
    for node in [*BASES[:3], *BASES[4:6], *[node_from_rest(body) for body in WEBHOOKS]]:
        assert isinstance(map_order(node, CONFIGURED[0]), OrderRecord), node.get("name")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(node=mutated(BASES), configured=st.sampled_from(CONFIGURED))
def test_no_exception_escapes_on_mutated_orders(
    node: dict[str, Any], configured: TenantSettings
) -> None:
    _check(map_order(node, configured))


@settings(max_examples=200)
@given(node=JSON_VALUES, configured=st.sampled_from(CONFIGURED))
@example(node={"id": "gid://shopify/Order/1", "lineItems": "x"}, configured=CONFIGURED[0])
def test_no_exception_escapes_on_arbitrary_json(node: Any, configured: TenantSettings) -> None:
    _check(map_order(node, configured))
