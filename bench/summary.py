"""The table of every benchmark's headline figure in bench/README.md, written from the result
files under bench/results/ (whichever are there), between two marker comments."""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

BENCH = Path(__file__).parent
RESULTS = BENCH / "results"
README = BENCH / "README.md"
START = "<!-- summary:start (written by `make bench`; edits inside are overwritten) -->"
END = "<!-- summary:end -->"
HEADER = """# Benchmarks

`make bench` runs every benchmark (`python -m bench NAME...` runs some), writes each one's
figures to `bench/results/NAME.json` and rewrites the table below from every result file there.
Figures are quoted against a bound measured in the same run, never as absolute times alone;
timing assertions never go into the tests.

"""

Figures = Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class Row:
    """How one benchmark's result reads in the table."""

    what: str
    headline: Figures
    bound: Figures
    ratio: Figures
    target: Figures


def _none(_: dict[str, Any]) -> str:
    return "none"


def _met(ok: bool) -> str:
    return "met" if ok else "**missed**"


ROWS: dict[str, Row] = {
    "seeding": Row(
        "Simulator seeds a 20,000-product shop",
        lambda r: f"{r['summary']['products_per_second']:,} products/s",
        lambda r: f"a bare dict-building loop of the same size ({r['raw_loop_seconds']} s)",
        lambda r: f"{r['summary']['ratio_to_raw_loop']}x the loop's time",
        _none,
    ),
    "incremental_sync": Row(
        "Paged incremental read of 5,000 products, standard plan",
        lambda r: f"{r['wall_seconds']:,} s, {r['throttled_reaching_caller']} THROTTLED",
        lambda r: f"rate limit: cost beyond the first bucket ({r['bound_seconds']:,} s)",
        lambda r: f"{r['summary']['wall_over_bound']}x the bound",
        lambda r: f"≤ {r['summary']['target']}x ({_met(r['summary']['met'])})",
    ),
    "import_bulk": Row(
        "Bulk import of 100,000 variants into SQLite",
        lambda r: (
            f"{r['summary']['variants_per_second']:,} variants/s, "
            f"peak RSS {r['summary']['peak_rss_mb']} MB"
        ),
        lambda r: f"plain batched insert of the same rows ({r['plain_insert_seconds']:.2f} s)",
        lambda r: f"{r['summary']['ratio_to_plain_insert']} of its speed",
        lambda r: _import_targets(r["summary"]),
    ),
    "import_scale": Row(
        "Bulk import of 1,000,000 variants into PostgreSQL",
        lambda r: (
            f"{r['summary']['variants_per_second']:,} variants/s, peak RSS "
            f"{r['summary']['peak_rss_mb']} MB ({_smaller_rss(r)})"
        ),
        lambda r: (
            "plain batched insert of the same rows "
            f"({r['sizes'][-1]['plain_insert_seconds']:.1f} s)"
        ),
        lambda r: f"{r['summary']['ratio_to_plain_insert']} of its speed",
        _none,
    ),
    "reconcile": Row(
        "No-change reconcile of 100,000 variants (SQLite)",
        lambda r: f"{r['summary']['variants_per_second']:,} variants/s",
        lambda r: f"reading and rebuilding the file alone ({r['read_and_rebuild_seconds']:.2f} s)",
        lambda r: f"{r['summary']['ratio_to_read_and_rebuild']} of its speed",
        lambda r: (
            f"≥ {r['summary']['targets']['variants_per_second']:,}/s "
            f"({_met(r['summary']['variants_per_second'] >= 100_000)})"
        ),
    ),
    "tenants_scale": Row(
        "20 tenants reconciling at once (PostgreSQL, Redis)",
        lambda r: (
            f"1 worker {r['summary']['wall_seconds_1_worker']} s, 4 workers "
            f"{r['summary']['wall_seconds_4_workers']} s: {r['summary']['speed_up']}x"
        ),
        lambda r: (
            f"min(4 workers, {r['cores']} cores / cores busy with 1 worker) "
            f"= {r['summary']['cpu_bound_speed_up']}x (set by the "
            f"{r['summary']['bound_set_by']}; 1 worker kept "
            f"{r['summary']['cores_busy_1_worker']} cores busy)"
        ),
        lambda r: f"{r['summary']['ratio_to_bound']} of the bound",
        _none,
    ),
    "change_latency": Row(
        "Shop edit to hub row, webhooks, embedded serve",
        lambda r: f"p50 {r['summary']['p50_ms']} ms, p95 {r['summary']['p95_ms']} ms",
        lambda r: "none (a latency)",
        lambda r: "none",
        lambda r: (
            f"p95 ≤ {r['summary']['target_p95_ms']:,} ms "
            f"({_met(r['summary']['p95_ms'] <= r['summary']['target_p95_ms'])})"
        ),
    ),
    "webhook_intake": Row(
        "Webhook intake, 100 connections",
        lambda r: (
            f"{r['summary']['deliveries_per_second']:,}/s; "
            f"p99 {r['summary']['p99_ms_at_1000']} ms at 1,000/s"
        ),
        lambda r: f"a bare endpoint ({r['summary']['bare_per_second']:,}/s)",
        lambda r: f"{r['summary']['ratio_to_bare']} of its throughput",
        lambda r: (
            f"≥ {r['summary']['target_per_second']:,}/s, p99 ≤ {r['summary']['target_p99_ms']} "
            f"ms ({_met(_intake_met(r['summary']))})"
        ),
    ),
    "order_export": Row(
        "Export of 1,000 orders, standard plan",
        lambda r: f"{r['wall_seconds']} s",
        lambda r: f"rate limit: the creates' cost ({r['bound_seconds']} s)",
        lambda r: f"{r['summary']['wall_over_bound']}x the bound",
        lambda r: f"≤ {r['summary']['target']}x ({_met(r['summary']['met'])})",
    ),
    "stock_export": Row(
        "Push of 50,000 stock levels, standard plan",
        lambda r: f"{r['wall_seconds']} s ({r['summary']['levels_per_second']:,} levels/s)",
        lambda r: f"rate limit: cost beyond the first bucket ({r['bound_seconds']} s)",
        lambda r: f"{r['summary']['wall_over_bound']}x the bound",
        lambda r: f"≤ {r['summary']['target']}x ({_met(r['summary']['met'])})",
    ),
    "soak": Row(
        "Fault soak: 2 tenants, serve + 2 workers, PostgreSQL and Redis (`make soak`)",
        lambda r: (
            f"{r['soak_seconds']:,.0f} s, {r['worker_kills']} worker kills, "
            f"{r['orders_approved']:,} orders approved, {_faults(r):,} faults struck"
        ),
        lambda r: f"{len(r['comparisons'])} hub-versus-shop comparisons",
        lambda r: f"{sum(c['differences'] for c in r['comparisons'].values())} differences",
        lambda r: f"0 differences ({_met(_soak_clean(r))})",
    ),
}


def _faults(result: dict[str, Any]) -> int:
    return sum(sum(kinds.values()) for kinds in result["faults_struck"].values())


def _soak_clean(result: dict[str, Any]) -> bool:
    return all(c["differences"] == 0 for c in result["comparisons"].values())


def _import_targets(summary: dict[str, Any]) -> str:
    targets = summary["targets"]
    met = (
        summary["variants_per_second"] >= targets["variants_per_second"]
        and summary["peak_rss_mb"] <= targets["peak_rss_mb"]
        and summary["ratio_to_plain_insert"] >= targets["ratio"]
    )
    return (
        f"≥ {targets['variants_per_second']:,}/s, ≤ {targets['peak_rss_mb']} MB, "
        f"≥ {targets['ratio']} ({_met(met)})"
    )


def _intake_met(summary: dict[str, Any]) -> bool:
    return bool(
        summary["deliveries_per_second"] >= summary["target_per_second"]
        and summary["p99_ms_at_1000"] <= summary["target_p99_ms"]
    )


def _smaller_rss(result: dict[str, Any]) -> str:
    smaller = result["sizes"][0]
    per_variant = result["summary"]["peak_rss_kb_per_added_variant"]
    return f"{smaller['peak_rss_mb']} MB at {smaller['variants']:,}; +{per_variant} KB a variant"


def machine() -> str:
    """The processor, cores, memory and Python of this machine."""
    info = _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown CPU"
    memory = _proc_field("/proc/meminfo", "MemTotal")
    gib = f", {int(memory.split()[0]) / 2**20:.0f} GiB RAM" if memory else ""
    return (
        f"{info}, {os.cpu_count()} cores{gib}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def _proc_field(path: str, name: str) -> str | None:
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() == name:
            return value.strip()
    return None


def measured_on(path: Path, result: dict[str, Any]) -> str:
    """When the result was measured: recorded in it, else the date git last committed it."""
    if "measured_at" in result:
        load = result.get("load_average")
        during = f" (load {load[0]} to {load[1]})" if load else ""
        return str(result["measured_at"])[:10] + during
    committed = subprocess.run(
        ["git", "log", "-1", "--format=%cs", "--", path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return committed or "unknown"


def table(results: dict[str, tuple[Path, dict[str, Any]]]) -> str:
    lines = [
        "| Benchmark | Headline | Bound (same run) | Ratio | Target | Measured |",
        "|---|---|---|---|---|---|",
    ]
    for name, (path, result) in results.items():
        row = ROWS.get(name)
        if row is None:  # a benchmark without a row here: its summary as it stands
            figures = ", ".join(f"{k} {v}" for k, v in result.get("summary", {}).items())
            cells = [f"`{name}`", figures, "", "", ""]
        else:
            cells = [
                f"`{name}`: {row.what}",
                row.headline(result),
                row.bound(result),
                row.ratio(result),
                row.target(result),
            ]
        lines.append("| " + " | ".join([*cells, measured_on(path, result)]) + " |")
    return "\n".join(lines)


def load_results(folder: Path = RESULTS) -> dict[str, tuple[Path, dict[str, Any]]]:
    """Every result file, in the order of ROWS, then any others by name."""
    found = {path.stem: path for path in sorted(folder.glob("*.json"))}
    order = [name for name in ROWS if name in found] + sorted(set(found) - set(ROWS))
    return {name: (found[name], orjson.loads(found[name].read_bytes())) for name in order}


def write_readme(readme: Path = README, folder: Path = RESULTS) -> None:
    """Rewrite the table between the markers (the file and markers are created if missing)."""
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = (
        f"{START}\n{table(load_results(folder))}\n\n"
        f"Table written {generated} on {machine()}. Each row was measured on the date in its "
        f"last column; the full figures are in `bench/results/NAME.json`.\n{END}"
    )
    text = readme.read_text() if readme.exists() else HEADER
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    readme.write_text(text)
