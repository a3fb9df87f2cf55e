"""A bulk-operation result file of a large catalog, as Shopify writes it for
``bulk_products.graphql``, and the pieces the import benchmarks share.

Every product has the sync tag, two images and a wholesale-price metafield; every variant a
SKU, a barcode, a price and a weight. Lines are written one at a time, so making the file
costs no memory.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.orm import Session

from wholesync.hub.models import Tenant
from wholesync.shopify import ShopifyClient, StaticToken, operations
from wholesync.shopify.bulk_jsonl import BulkShape, rebuild
from wholesync.sync.flows import run_flow
from wholesync.sync.products import PRODUCTS as PRODUCT_FLOW

PRODUCTS = 20_000
VARIANTS_PER_PRODUCT = 5
IMAGES_PER_PRODUCT = 2
SIZES = ("XS", "S", "M", "L", "XL", "XXL", "3XL")


def _line(obj: dict[str, Any]) -> bytes:
    # Shopify escapes "/" in its JSONL; so does the simulator. Keep the benchmark honest.
    return orjson.dumps(obj).replace(b"/", b"\\/") + b"\n"


def write_catalog(
    path: Path, products: int = PRODUCTS, variants: int = VARIANTS_PER_PRODUCT
) -> int:
    """Write the JSONL; return the number of variants in it."""
    number = 1_000_000
    count = 0
    with path.open("wb") as out:
        for index in range(products):
            number += 1
            product_gid = f"gid://shopify/Product/{number}"
            style = f"ST{index:06d}"
            sizes = [SIZES[i % len(SIZES)] for i in range(variants)]
            out.write(
                _line(
                    {
                        "id": product_gid,
                        "legacyResourceId": str(number),
                        "title": f"Harbor Linen Shirt {index}",
                        "handle": f"harbor-linen-shirt-{index}",
                        "descriptionHtml": "<p>A shirt cut for everyday wear.</p>",
                        "vendor": "Harbor & Pine",
                        "productType": "Shirts",
                        "status": "ACTIVE",
                        "tags": ["Shirts", "SS26", "wholesync"],
                        "updatedAt": "2026-05-01T10:00:00Z",
                        "onlineStoreUrl": None,
                        "options": [
                            {
                                "id": f"gid://shopify/ProductOption/{number}",
                                "name": "Size",
                                "position": 1,
                                "values": sizes,
                            }
                        ],
                    }
                )
            )
            for image in range(IMAGES_PER_PRODUCT):
                number += 1
                url = f"https://cdn.shopify.com/s/files/1/0001/files/{style}-{image}.jpg"
                out.write(
                    _line(
                        {
                            "id": f"gid://shopify/MediaImage/{number}",
                            "alt": None,
                            "mediaContentType": "IMAGE",
                            "image": {"url": url, "altText": None},
                            "__parentId": product_gid,
                        }
                    )
                )
            number += 1
            out.write(
                _line(
                    {
                        "id": f"gid://shopify/Metafield/{number}",
                        "namespace": "wholesync",
                        "key": "wholesale_price",
                        "type": "money",
                        "value": '{"amount":"34.00","currency_code":"USD"}',
                        "jsonValue": {"amount": "34.00", "currency_code": "USD"},
                        "__parentId": product_gid,
                    }
                )
            )
            for position, size in enumerate(sizes, start=1):
                number += 1
                count += 1
                out.write(
                    _line(
                        {
                            "id": f"gid://shopify/ProductVariant/{number}",
                            "legacyResourceId": str(number),
                            "title": size,
                            "sku": f"{style}-{size}",
                            "barcode": f"{400000000000 + number:012d}",
                            "price": "68.00",
                            "compareAtPrice": None,
                            "position": position,
                            "updatedAt": "2026-05-01T10:00:00Z",
                            "selectedOptions": [{"name": "Size", "value": size}],
                            "image": None,
                            "inventoryItem": {
                                "id": f"gid://shopify/InventoryItem/{number}",
                                "measurement": {"weight": {"unit": "GRAMS", "value": 250.0}},
                            },
                            "__parentId": product_gid,
                        }
                    )
                )
    return count


def read_catalog(path: Path) -> Iterator[dict[str, Any]]:
    """The rebuilt product nodes, streamed from the file as the client streams a download."""
    shape = BulkShape.from_document(operations.load("bulk_products").text)
    with path.open("rb") as lines:
        yield from rebuild(lines, shape)


def bench_tenant(session: Session, name: str = "bench") -> Tenant:
    tenant = Tenant(name=name, shop_domain=f"{name}.myshopify.com", token_env="BENCH_TOKEN")
    session.add(tenant)
    session.commit()
    return tenant


def offline_client() -> ShopifyClient:
    """A client that is never called: the nodes come from a file. Run records read its cost."""
    return ShopifyClient("bench.myshopify.com", StaticToken("offline"))


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def file_mb(path: Path) -> float:
    return round(os.path.getsize(path) / 2**20, 1)


def timed_products_run(session: Session, tenant: Tenant, path: Path) -> tuple[float, Any]:
    """Run the products flow over the catalog at ``path``; return seconds and the run result."""
    started = time.perf_counter()
    result = run_flow(
        PRODUCT_FLOW,
        session,
        tenant,
        offline_client(),
        full=True,
        nodes=read_catalog(path),
        batch_size=1_000,
    )
    return time.perf_counter() - started, result


def in_child(module: str, *args: str) -> dict[str, Any]:
    """Run ``python -m MODULE WORKDIR ARGS`` (WORKDIR a temporary folder, deleted after) and
    return the JSON it printed: the child's peak RSS is then the measured part's alone."""
    with tempfile.TemporaryDirectory(prefix="wholesync-bench-") as workdir:
        child = subprocess.run(
            [sys.executable, "-m", module, workdir, *args], stdout=subprocess.PIPE, check=True
        )
    measured: dict[str, Any] = orjson.loads(child.stdout)
    return measured
