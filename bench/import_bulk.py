"""Full import of 100,000 variants (20,000 products x 5 variants, 2 images each) from a bulk
JSONL file into SQLite, through the real path: JSONL rebuild, map_product, the product loader
with its run records. The bound, measured in the same run: a plain batched insert (executemany
of Core inserts) of the very rows the import wrote, into a fresh database.

Targets: at least 20,000 variants/s, at most 300 MB peak RSS, at least 40% of the plain
insert's speed. The measured part runs in a child process so that peak RSS is its own.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, insert, select

from bench.bulk_catalog import (
    PRODUCTS,
    VARIANTS_PER_PRODUCT,
    bench_tenant,
    file_mb,
    peak_rss_mb,
    timed_products_run,
    write_catalog,
)
from wholesync.hub.db import init_db, session_factory
from wholesync.hub.models import Product, ProductImage, Tenant, Variant
from wholesync.sync.tables import table_of

CATALOG_TABLES = [table_of(model) for model in (Product, Variant, ProductImage)]
PLAIN_BATCH = 2_500
ATTEMPTS = 2


def import_catalog(path: Path, url: str) -> dict[str, Any]:
    """Run the products flow over the file; the database at ``url`` must be empty."""
    engine = init_db(url)
    sessions = session_factory(engine)
    with sessions() as session:
        tenant_id = bench_tenant(session).id
    with sessions() as session:
        tenant = session.get_one(Tenant, tenant_id)
        seconds, result = timed_products_run(session, tenant, path)
    engine.dispose()
    return {"seconds": seconds, "counts": result.counts, "status": result.status}


def plain_insert(source_url: str, target_url: str) -> float:
    """Seconds to insert the catalog rows of ``source_url`` into a fresh ``target_url`` with
    executemany, a batch at a time; reading the rows is not timed."""
    source = init_db(source_url)
    target = init_db(target_url)
    with session_factory(target)() as session:
        bench_tenant(session)
    seconds = 0.0
    with source.connect() as reader, target.connect() as writer:
        for table in CATALOG_TABLES:
            result = reader.execution_options(yield_per=PLAIN_BATCH).execute(
                select(table).order_by(table.c.id)
            )
            for partition in result.mappings().partitions():
                rows = [dict(row) for row in partition]
                started = time.perf_counter()
                with writer.begin():
                    writer.execute(insert(table), rows)
                seconds += time.perf_counter() - started
    _dispose(source, target)
    return seconds


def _dispose(*engines: Engine) -> None:
    for engine in engines:
        engine.dispose()


def measure(workdir: Path) -> dict[str, Any]:
    """The measured part (run in a child process): the best of ``ATTEMPTS`` runs of each side,
    since other work on the machine only ever slows a run down."""
    catalog = workdir / "products.jsonl"
    variants = write_catalog(catalog)
    imports = [
        import_catalog(catalog, f"sqlite:///{workdir / f'import{n}.db'}") for n in range(ATTEMPTS)
    ]
    rss = peak_rss_mb()
    source = f"sqlite:///{workdir / 'import0.db'}"
    plain = [plain_insert(source, f"sqlite:///{workdir / f'plain{n}.db'}") for n in range(ATTEMPTS)]
    return {
        "variants": variants,
        "file_mb": file_mb(catalog),
        "import": min(imports, key=lambda run: float(run["seconds"])),
        "import_seconds_each": [round(run["seconds"], 3) for run in imports],
        "peak_rss_mb": rss,
        "plain_insert_seconds": min(plain),
        "plain_insert_seconds_each": [round(seconds, 3) for seconds in plain],
    }


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="wholesync-bench-") as workdir:
        child = subprocess.run(
            [sys.executable, "-m", "bench.import_bulk", workdir],
            capture_output=True,
            check=True,
        )
    measured = orjson.loads(child.stdout)
    seconds = measured["import"]["seconds"]
    variants = measured["variants"]
    rate = variants / seconds
    plain_rate = variants / measured["plain_insert_seconds"]
    return {
        "benchmark": "import_bulk",
        "python": platform.python_version(),
        "products": PRODUCTS,
        "variants_per_product": VARIANTS_PER_PRODUCT,
        **measured,
        "summary": {
            "variants_per_second": round(rate),
            "peak_rss_mb": measured["peak_rss_mb"],
            "ratio_to_plain_insert": round(rate / plain_rate, 2),
            "targets": {"variants_per_second": 20_000, "peak_rss_mb": 300, "ratio": 0.4},
        },
    }


if __name__ == "__main__":
    sys.stdout.write(orjson.dumps(measure(Path(sys.argv[1]))).decode())
