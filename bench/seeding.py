"""How fast the simulator seeds a large shop, against a raw dict-building loop of the same size.

The bound is the cheapest conceivable seeding: one plain dict per product and per variant with
no names, barcodes, options, metafields or stock. The ratio says what realism costs.
"""

from __future__ import annotations

import platform
import resource
import time
from typing import Any

from wholesync.simulator.control import ShopSpec
from wholesync.simulator.seed import seed_shop
from wholesync.simulator.store import Store

PRODUCTS = 20_000
VARIANTS_PER_PRODUCT = 12


def _raw_loop(products: int) -> float:
    started = time.perf_counter()
    table: dict[int, dict[str, Any]] = {}
    variants: dict[int, dict[str, Any]] = {}
    number = 0
    for index in range(products):
        number += 1
        table[number] = {"id": f"gid://shopify/Product/{number}", "title": f"Product {index}"}
        for position in range(VARIANTS_PER_PRODUCT):
            number += 1
            variants[number] = {
                "id": f"gid://shopify/ProductVariant/{number}",
                "position": position,
            }
    return time.perf_counter() - started


def run(products: int = PRODUCTS) -> dict[str, Any]:
    raw = _raw_loop(products)
    store = Store()
    shop = store.create_shop("bench")
    spec = ShopSpec(shop="bench", seed=1, products=products, customers=0, locations=3)
    started = time.perf_counter()
    seed_shop(shop, spec)
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "benchmark": "seeding",
        "python": platform.python_version(),
        "products": products,
        "variants": len(shop.variants),
        "seconds": round(elapsed, 3),
        "raw_loop_seconds": round(raw, 3),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "summary": {
            "products_per_second": round(products / elapsed),
            "ratio_to_raw_loop": round(elapsed / raw, 1),
        },
    }
