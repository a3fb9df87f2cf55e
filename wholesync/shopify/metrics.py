"""This process's Shopify API use, as Prometheus counters: points spent, waits the cost
throttle imposed, and THROTTLED answers. Served on ``/metrics`` by ``wholesync serve``."""

from __future__ import annotations

from prometheus_client import Counter

COST_POINTS = Counter(
    "wholesync_shopify_cost_points", "Shopify query cost points charged (actualQueryCost)", ["shop"]
)
CALLS = Counter("wholesync_shopify_calls", "Shopify Admin GraphQL calls answered", ["shop"])
THROTTLE_WAITS = Counter(
    "wholesync_shopify_throttle_waits", "Calls held back by the cost throttle before sending"
)
THROTTLE_WAIT_SECONDS = Counter(
    "wholesync_shopify_throttle_wait_seconds", "Seconds calls were held back by the cost throttle"
)
THROTTLED_RESPONSES = Counter(
    "wholesync_shopify_throttled_responses", "THROTTLED answers from Shopify", ["shop"]
)
