"""Paginated incremental read of a 5,000-product shop through ShopifyClient, against the
simulator on Shopify's standard plan (100 points/s restored into a 2,000-point bucket).

The bound is what the rate limit allows at best: everything the read cost beyond the first
full bucket, restored at 100 points a second. The ratio wall / bound says how close the cost
throttle gets to that limit (target: at most 1.15), and no THROTTLED may reach the caller.
"""

from __future__ import annotations

import platform
import time
from typing import Any

import httpx

from wholesync.shopify import LocalBucket, ShopifyClient, StaticToken
from wholesync.simulator.server import start_in_thread

PRODUCTS = 5_000
OPERATION = "products"  # the F1 incremental fetch document
SINCE = "updated_at:>'2000-01-01T00:00:00Z'"  # a cursor older than every product


def run(products: int = PRODUCTS) -> dict[str, Any]:
    sim = start_in_thread(seed=1)
    try:
        spec = {
            "shop": "bench-incremental",
            "token": "shpat_bench",
            "plan": "standard",
            "seed": 1,
            "products": products,
            "customers": 0,
            "locations": 3,
        }
        created = httpx.post(f"{sim.url}/__sim/shops", json=spec, timeout=600)
        created.raise_for_status()
        client = ShopifyClient(
            "bench-incremental.myshopify.com", StaticToken("shpat_bench"), base_url=sim.url
        )
        read = variants = 0
        started = time.perf_counter()
        # A THROTTLED answer reaching us would raise ThrottledError and end the benchmark.
        for node in client.paginate(OPERATION, {"query": SINCE}, ["products"]):
            read += 1
            variants += len(node["variants"]["nodes"])
        wall = time.perf_counter() - started
        bucket_estimate = client.throttle.bucket
    finally:
        sim.stop()
    assert read == products, f"read {read} of {products} products"
    assert isinstance(bucket_estimate, LocalBucket) and bucket_estimate.status is not None
    bucket = bucket_estimate.status.maximum
    restore = bucket_estimate.status.restore_rate
    bound = (client.cost_used - bucket) / restore
    ratio = wall / bound
    return {
        "benchmark": "incremental_sync",
        "python": platform.python_version(),
        "products": read,
        "variants": variants,
        "calls": client.calls,
        "plan": {"bucket": bucket, "restore_rate": restore},
        "total_actual_cost": client.cost_used,
        "wall_seconds": round(wall, 2),
        "bound_seconds": round(bound, 2),
        "throttled_answers_absorbed": client.throttled_responses,
        "throttled_reaching_caller": 0,
        "retries": client.retries,
        "summary": {
            "wall_over_bound": round(ratio, 3),
            "target": 1.15,
            "met": ratio <= 1.15,
            "throttled_reaching_caller": 0,
        },
    }
