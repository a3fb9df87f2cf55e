"""``wholesync tenants connect`` against the simulator: the table of topics, the ``--json``
report, repeating it, and refusals with their codes."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from wholesync.cli import app
from wholesync.hub.db import make_engine, session_factory
from wholesync.runtime.leases import LeaseManager
from wholesync.shopify import ShopifyClient, subscribed_topics
from wholesync.simulator.server import RunningSimulator
from wholesync.sync import subscriptions
from wholesync.sync.subscriptions import SubscriptionReport

URL = "http://127.0.0.1:9/webhooks/shopify"
_shops = itertools.count(1)


@pytest.fixture
def cli(
    simulator: RunningSimulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CliRunner]:
    shop = f"cliconnect{next(_shops)}"
    spec = {"shop": shop, "token": f"shpat_{shop}", "products": 1}
    created = httpx.post(f"{simulator.url}/__sim/shops", json=spec, timeout=60)
    assert created.status_code == 201, created.text
    monkeypatch.setenv("WHOLESYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("BRAND_TOKEN", f"shpat_{shop}")
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    for args in (
        ["init"],
        [
            *("tenants", "add", "brand", "--shop", shop, "--token-env", "BRAND_TOKEN"),
            *("--secret-env", "BRAND_SECRET", "--api-url", simulator.url),
        ],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    yield runner
    httpx.delete(f"{simulator.url}/__sim/shops/{shop}", timeout=30)


def connect(cli: CliRunner, *args: str) -> Result:
    return cli.invoke(app, ["tenants", "connect", "brand", *args])


def test_connect_prints_every_topic_and_is_repeatable(cli: CliRunner) -> None:
    first = connect(cli, "--callback-url", URL)
    assert first.exit_code == 0, first.output
    for topic in subscribed_topics():
        assert topic in first.output
    assert f"{len(subscribed_topics())} created, 0 kept, 0 replaced" in first.output
    again = connect(cli, "--callback-url", URL, "--json")
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    assert report == {
        "callback_url": URL,
        "created": [],
        "kept": list(subscribed_topics()),
        "removed": [],
    }
    shown = json.loads(cli.invoke(app, ["tenants", "show", "brand", "--json"]).stdout)
    assert shown["callback_url"] == URL


def test_an_origin_is_completed_with_the_webhook_path(cli: CliRunner) -> None:
    result = connect(cli, "--callback-url", "http://127.0.0.1:9", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["callback_url"] == URL


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("http://sync.example.com/hooks", "https://"),
        ("sync.example.com", "https://"),
        ("https://brand.myshopify.com/hooks", "Shopify refused"),
    ],
)
def test_connect_refuses_an_address_that_cannot_work(cli: CliRunner, url: str, hint: str) -> None:
    result = connect(cli, "--callback-url", url)
    assert result.exit_code == 2, result.output
    assert "INVALID_CALLBACK_URL" in result.output and hint in result.output
    shown = json.loads(cli.invoke(app, ["tenants", "show", "brand", "--json"]).stdout)
    assert shown["callback_url"] is None


def test_connect_without_credentials_says_which_variable(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BRAND_TOKEN")
    result = connect(cli, "--callback-url", URL)
    assert result.exit_code == 2
    assert "AUTH_FAILED" in result.output and "BRAND_TOKEN" in result.output


def test_connect_an_unknown_tenant(cli: CliRunner) -> None:
    result = cli.invoke(app, ["tenants", "connect", "nobody", "--callback-url", URL])
    assert result.exit_code == 2
    assert "TENANT_NOT_FOUND" in result.output


def test_connect_succeeds_while_a_running_service_writes(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a transaction that read before another process committed cannot write after
    it; `wholesync serve` commits all the time while connect waits on Shopify."""
    engine = make_engine(os.environ["WHOLESYNC_DATABASE_URL"])
    leases = LeaseManager(session_factory(engine))
    repair = subscriptions.repair_subscriptions

    def service_commits_meanwhile(client: ShopifyClient, url: str) -> SubscriptionReport:
        assert leases.acquire(1, "products", "a worker of the service")
        return repair(client, url)

    monkeypatch.setattr(subscriptions, "repair_subscriptions", service_commits_meanwhile)
    result = connect(cli, "--callback-url", URL)
    engine.dispose()
    assert result.exit_code == 0, result.output
    shown = json.loads(cli.invoke(app, ["tenants", "show", "brand", "--json"]).stdout)
    assert shown["callback_url"] == URL
