"""Run every benchmark (or those named), write its results under bench/results/ and the summary
table of every result there to bench/README.md."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime

from bench import (
    change_latency,
    import_bulk,
    import_scale,
    incremental_sync,
    order_export,
    reconcile,
    seeding,
    stock_export,
    summary,
    tenants_scale,
    webhook_intake,
)

BENCHMARKS = {
    "seeding": seeding.run,
    "incremental_sync": incremental_sync.run,
    "import_bulk": import_bulk.run,
    "reconcile": reconcile.run,
    "change_latency": change_latency.run,
    "webhook_intake": webhook_intake.run,
    "order_export": order_export.run,
    "stock_export": stock_export.run,
    "import_scale": import_scale.run,
    "tenants_scale": tenants_scale.run,
}


def main(argv: list[str]) -> int:
    unknown = [name for name in argv if name not in BENCHMARKS]
    if unknown:
        print(f"No benchmark named {', '.join(unknown)}; use any of {', '.join(BENCHMARKS)}.")
        return 2
    summary.RESULTS.mkdir(exist_ok=True)
    for name in argv or list(BENCHMARKS):
        load_before = os.getloadavg()[0]
        result = BENCHMARKS[name]()
        result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        # Other work on the machine distorts timings; the 1-minute load says how much there was.
        result["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
        path = summary.RESULTS / f"{name}.json"
        path.write_text(json.dumps(result, indent=2) + "\n")
        print(f"{name}: {json.dumps(result['summary'])}")
    summary.write_readme()
    print(f"Summary table written to {summary.README}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
