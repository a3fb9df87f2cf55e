"""``wholesync sync`` against the simulator: the summary table, and the exact ``--json`` shape."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from wholesync.cli import app
from wholesync.hub import orders
from wholesync.hub.db import init_db, session_factory
from wholesync.hub.models import Customer, Variant
from wholesync.runtime.leases import LeaseManager
from wholesync.simulator.server import RunningSimulator
from wholesync.sync.tenants import get_tenant

RUN_KEYS = {
    "run_id",
    "tenant",
    "flow",
    "status",
    "preview",
    "counts",
    "api_cost",
    "duration_s",
}
ADDRESS = {"address1": "1 Main Street", "city": "Toronto", "country_code": "CA", "zip": "M5V 2T6"}
COUNT_KEYS = {"created", "updated", "unchanged", "archived", "rejected"}
_shops = itertools.count(1)


@pytest.fixture
def cli(
    simulator: RunningSimulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CliRunner]:
    shop = f"clisync{next(_shops)}"
    spec = {"shop": shop, "token": f"shpat_{shop}", "seed": 3, "plan": "plus"}
    counts = {"products": 8, "customers": 6, "locations": 2}
    created = httpx.post(f"{simulator.url}/__sim/shops", json={**spec, **counts}, timeout=60)
    assert created.status_code == 201, created.text
    monkeypatch.setenv("WHOLESYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("BRAND_TOKEN", f"shpat_{shop}")
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    for args in (
        ["init"],
        [
            "tenants",
            "add",
            "brand",
            "--shop",
            f"{shop}.myshopify.com",
            "--token-env",
            "BRAND_TOKEN",
            "--secret-env",
            "BRAND_SECRET",
            "--api-url",
            simulator.url,
        ],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    yield runner
    httpx.delete(f"{simulator.url}/__sim/shops/{shop}", timeout=30)


def sync(cli: CliRunner, *args: str) -> Result:
    return cli.invoke(app, ["sync", *args, "--tenant", "brand"])


def objects(result: Result) -> list[dict[str, object]]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def counts(run: dict[str, object]) -> dict[str, int]:
    """The ``counts`` object of a run line, checked to map each outcome to a number."""
    found = run["counts"]
    assert isinstance(found, dict) and all(isinstance(n, int) for n in found.values()), found
    return found


def test_sync_all_json_prints_one_object_per_flow(cli: CliRunner) -> None:
    result = sync(cli, "all", "--json")
    assert result.exit_code == 0, result.output
    runs = objects(result)
    assert [r["flow"] for r in runs] == ["products", "customers", "inventory", "orders_import"]
    for run in runs:
        assert set(run) == RUN_KEYS, run
        assert set(counts(run)) == COUNT_KEYS
        assert run["tenant"] == "brand" and run["preview"] is False
        assert run["status"] == "succeeded"
        assert isinstance(run["run_id"], int)
        assert isinstance(run["api_cost"], float) and isinstance(run["duration_s"], float)
    assert counts(runs[0])["created"] > 0


def test_preview_json_carries_the_records_and_writes_nothing(cli: CliRunner) -> None:
    preview = sync(cli, "products", "--preview", "--json")
    assert preview.exit_code == 0, preview.output
    (run,) = objects(preview)
    assert set(run) == RUN_KEYS | {"records"}
    assert run["preview"] is True
    records = run["records"]
    assert isinstance(records, list) and records
    assert {r["action"] for r in records} == {"create"}
    assert set(records[0]) == {"entity", "key", "shopify_gid", "action", "code", "message", "diff"}
    # Nothing was written: the real run still creates every product.
    (real,) = objects(sync(cli, "products", "--json"))
    assert counts(real)["created"] == counts(run)["created"]


def test_sync_prints_progress_and_a_summary_table(cli: CliRunner) -> None:
    result = sync(cli, "products", "--full")
    assert result.exit_code == 0, result.output
    assert "Sync summary" in result.output
    assert "products" in result.output and "succeeded" in result.output
    preview = sync(cli, "products", "--preview")
    assert preview.exit_code == 0, preview.output
    assert "Preview of products" in preview.output


def test_a_missing_secret_is_named_never_shown(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BRAND_TOKEN")
    result = sync(cli, "products", "--json")
    assert result.exit_code == 2
    assert "AUTH_FAILED" in result.output and "BRAND_TOKEN" in result.output
    assert "shpat_" not in result.output


def test_flows_the_settings_turn_off_do_not_run(cli: CliRunner) -> None:
    assert cli.invoke(app, ["tenants", "set", "brand", "stock_master", "hub"]).exit_code == 0
    refused = sync(cli, "inventory", "--json")
    assert refused.exit_code == 2
    assert "FLOW_DISABLED" in refused.output and "stock master" in refused.output
    everything = sync(cli, "all", "--json")
    assert everything.exit_code == 0, everything.output
    assert [r["flow"] for r in objects(everything)] == [
        "products",
        "customers",
        "orders_import",
    ]


def test_client_credentials_tenant_syncs(
    simulator: RunningSimulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Dev Dashboard app: client id and secret in the environment, a token fetched by the
    client-credentials grant."""
    shop = f"clisync{next(_shops)}"
    spec = {
        "shop": shop,
        "seed": 5,
        "plan": "plus",
        "products": 4,
        "customers": 2,
        "locations": 1,
        "client_id": f"id-{shop}",
        "client_secret": f"secret-{shop}",
    }
    assert httpx.post(f"{simulator.url}/__sim/shops", json=spec, timeout=60).status_code == 201
    monkeypatch.setenv("WHOLESYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'cc.db'}")
    monkeypatch.setenv("DEV_CLIENT_ID", f"id-{shop}")
    monkeypatch.setenv("DEV_SECRET", f"secret-{shop}")
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    added = runner.invoke(
        app,
        [
            "tenants",
            "add",
            "dev",
            "--shop",
            shop,
            "--client-id-env",
            "DEV_CLIENT_ID",
            "--secret-env",
            "DEV_SECRET",
            "--api-url",
            simulator.url,
        ],
    )
    assert added.exit_code == 0, added.output
    result = runner.invoke(app, ["sync", "products", "--tenant", "dev", "--json"])
    assert result.exit_code == 0, result.output
    (run,) = objects(result)
    assert run["status"] == "succeeded" and counts(run)["created"] > 0
    assert f"secret-{shop}" not in result.output


def test_a_flow_a_worker_is_running_is_refused_and_the_others_run(
    cli: CliRunner, tmp_path: Path
) -> None:
    engine = init_db(f"sqlite:///{tmp_path / 'cli.db'}")
    sessions = session_factory(engine)
    with sessions() as session:
        tenant_id = get_tenant(session, "brand").id
    leases = LeaseManager(sessions, ttl=60)
    with leases.held(tenant_id, "customers", "job:1") as held:
        assert held
        result = cli.invoke(app, ["sync", "all", "--tenant", "brand", "--json"])
        preview = cli.invoke(app, ["sync", "customers", "--tenant", "brand", "--preview"])
    engine.dispose()
    assert result.exit_code == 1
    assert "FLOW_BUSY" in result.stderr and "customers" in result.stderr
    assert [r["flow"] for r in objects(result)] == ["products", "inventory", "orders_import"]
    assert preview.exit_code == 0, preview.output  # a dry run writes nothing: no lease needed
    again = cli.invoke(app, ["sync", "customers", "--tenant", "brand"])
    assert again.exit_code == 0, again.output


def test_sync_runs_the_order_export_by_name(cli: CliRunner) -> None:
    result = sync(cli, "orders_export", "--json")
    assert result.exit_code == 0, result.output
    (run,) = objects(result)
    assert (run["flow"], run["status"]) == ("orders_export", "succeeded")
    assert counts(run)["created"] == 0  # the hub has no approved orders yet
    unknown = sync(cli, "order_export")
    assert unknown.exit_code == 2
    assert "UNKNOWN_FLOW" in unknown.output and "orders_export" in unknown.output


def test_a_slow_export_from_the_command_line_writes_while_its_lease_is_renewed(
    cli: CliRunner, simulator: RunningSimulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 1 s lease is renewed every 0.25 s by another thread, while every Shopify call of the
    # export takes 0.2 s: on SQLite the run's writes must wait for those commits, not fail.
    monkeypatch.setenv("WHOLESYNC_LEASE_TTL_SECONDS", "1")
    for flow in ("products", "customers"):
        assert sync(cli, flow).exit_code == 0
    engine = init_db(f"sqlite:///{tmp_path / 'cli.db'}")
    with session_factory(engine).begin() as session:
        tenant = get_tenant(session, "brand")
        customer = session.scalars(select(Customer).order_by(Customer.id)).first()
        variant = session.scalars(select(Variant).order_by(Variant.id)).first()
        assert customer is not None and variant is not None
        tenant.settings = {**tenant.settings, "orders": {"bypass_stock_check": True}}
        shop = tenant.shop_domain.removesuffix(".myshopify.com")
        for _ in range(4):
            order = orders.create_order(
                session, tenant.id, customer_id=customer.id, shipping_address=ADDRESS
            )
            orders.set_lines(order, [orders.LineInput(1, None, variant=variant)])
            for status in ("pending", "approved"):
                orders.transition(order, status, exportable={"approved"})
    engine.dispose()
    faults = httpx.put(f"{simulator.url}/__sim/shops/{shop}/faults", json={"latency": 0.2})
    assert faults.status_code < 300, faults.text
    result = sync(cli, "orders_export", "--json")
    assert result.exit_code == 0, result.output
    (run,) = objects(result)
    assert run["status"] == "succeeded" and counts(run)["created"] == 4, run
