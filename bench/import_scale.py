"""Full import of 1,000,000 variants (200,000 products x 5 variants, 2 images each) from a bulk
JSONL file into PostgreSQL, through the real path of import_bulk: JSONL rebuild, map_product,
the product loader with its run records. The bound, measured in the same run: a plain batched
insert (executemany of Core inserts) of the very rows the import wrote, into a fresh database.

The file is streamed, batch by batch; what the loader keeps for the whole run is an index
entry per record (its reference and fingerprint, and each variant's UPC owner, which makes a
duplicate UPC anywhere in the catalog a rejection). So the same measurement at 100,000 variants,
in its own child process, is quoted beside it, with the peak RSS added per variant between the
two. Every database is a throwaway one on the PostgreSQL server (dropped after); the JSONL
lives in a temporary folder.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import Any

import orjson

from bench.bulk_catalog import in_child
from bench.import_bulk import figures, measure
from bench.postgres import scratch_databases

SIZES = (20_000, 200_000)  # products: 100,000 and 1,000,000 variants
# One run of each side at 1M variants (several minutes); best of two at the smaller size.
ATTEMPTS = {20_000: 2, 200_000: 1}


def run(sizes: tuple[int, ...] = SIZES) -> dict[str, Any]:
    measured = [
        in_child("bench.import_scale", str(products), str(ATTEMPTS.get(products, 1)))
        for products in sizes
    ]
    return summarise(measured)


def summarise(measured: list[dict[str, Any]]) -> dict[str, Any]:
    smallest, largest = measured[0], measured[-1]
    added_mb = largest["peak_rss_mb"] - smallest["peak_rss_mb"]
    more_variants = largest["variants"] - smallest["variants"]
    return {
        "benchmark": "import_scale",
        "python": platform.python_version(),
        "database": "postgresql",
        "sizes": [{**size, "figures": figures(size)} for size in measured],
        "summary": {
            "variants": largest["variants"],
            **figures(largest),
            f"peak_rss_mb_at_{smallest['variants']}": smallest["peak_rss_mb"],
            "peak_rss_growth": round(largest["peak_rss_mb"] / smallest["peak_rss_mb"], 2),
            "peak_rss_kb_per_added_variant": round(added_mb * 1024 / max(more_variants, 1), 2),
        },
    }


if __name__ == "__main__":
    workdir, products, attempts = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    with scratch_databases() as database:
        result = measure(workdir, database, products, attempts)
    sys.stdout.write(orjson.dumps(result).decode())
