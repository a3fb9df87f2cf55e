"""Run every benchmark and write its results under bench/results/."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench import (
    change_latency,
    import_bulk,
    incremental_sync,
    order_export,
    reconcile,
    seeding,
    stock_export,
    webhook_intake,
)

RESULTS = Path(__file__).parent / "results"
BENCHMARKS = {
    "seeding": seeding.run,
    "incremental_sync": incremental_sync.run,
    "import_bulk": import_bulk.run,
    "reconcile": reconcile.run,
    "change_latency": change_latency.run,
    "webhook_intake": webhook_intake.run,
    "order_export": order_export.run,
    "stock_export": stock_export.run,
}


def main(argv: list[str]) -> int:
    RESULTS.mkdir(exist_ok=True)
    chosen = argv or list(BENCHMARKS)
    for name in chosen:
        result = BENCHMARKS[name]()
        path = RESULTS / f"{name}.json"
        path.write_text(json.dumps(result, indent=2) + "\n")
        print(f"{name}: {json.dumps(result['summary'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
