"""Full import of 100,000 variants (20,000 products x 5 variants, 2 images each) from a bulk
JSONL file into SQLite, through the real path: JSONL rebuild, map_product, the product loader
with its run records. The bound, measured in the same run: a plain batched insert (executemany
of Core inserts) of the very rows the import wrote, into a fresh database.

Targets: at least 20,000 variants/s, at most 300 MB peak RSS, at least 40% of the plain
insert's speed. The measured part runs in a child process so that peak RSS is its own.
"""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, insert, select

from bench.bulk_catalog import (
    PRODUCTS,
    VARIANTS_PER_PRODUCT,
    bench_tenant,
    file_mb,
    in_child,
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


def sqlite_in(workdir: Path) -> Callable[[str], str]:
    """Fresh SQLite databases in ``workdir``, one file per label."""
    return lambda label: f"sqlite:///{workdir / f'{label}.db'}"


def measure(
    workdir: Path,
    database: Callable[[str], str],
    products: int = PRODUCTS,
    attempts: int = ATTEMPTS,
) -> dict[str, Any]:
    """The measured part (run in a child process): the best of ``attempts`` runs of each side,
    since other work on the machine only ever slows a run down. ``database(label)`` gives
    the URL of a fresh, empty database."""
    catalog = workdir / "products.jsonl"
    variants = write_catalog(catalog, products)
    sources = [database(f"import{n}") for n in range(attempts)]
    imports = [import_catalog(catalog, url) for url in sources]
    rss = peak_rss_mb()
    plain = [plain_insert(sources[0], database(f"plain{n}")) for n in range(attempts)]
    return {
        "products": products,
        "variants_per_product": VARIANTS_PER_PRODUCT,
        "variants": variants,
        "file_mb": file_mb(catalog),
        "import": min(imports, key=lambda run: float(run["seconds"])),
        "import_seconds_each": [round(run["seconds"], 3) for run in imports],
        "peak_rss_mb": rss,
        "plain_insert_seconds": min(plain),
        "plain_insert_seconds_each": [round(seconds, 3) for seconds in plain],
    }


def figures(measured: dict[str, Any]) -> dict[str, Any]:
    """The headline figures of a measurement: throughput, peak RSS, ratio to plain insert."""
    rate = measured["variants"] / measured["import"]["seconds"]
    plain_rate = measured["variants"] / measured["plain_insert_seconds"]
    return {
        "variants_per_second": round(rate),
        "peak_rss_mb": measured["peak_rss_mb"],
        "ratio_to_plain_insert": round(rate / plain_rate, 2),
    }


def run() -> dict[str, Any]:
    measured = in_child("bench.import_bulk")
    return {
        "benchmark": "import_bulk",
        "python": platform.python_version(),
        **measured,
        "summary": {
            **figures(measured),
            "targets": {"variants_per_second": 20_000, "peak_rss_mb": 300, "ratio": 0.4},
        },
    }


if __name__ == "__main__":
    workdir = Path(sys.argv[1])
    sys.stdout.write(orjson.dumps(measure(workdir, sqlite_in(workdir))).decode())
