"""``wholesync init`` and ``wholesync tenants``: add, list, show and set, with clear refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from wholesync.cli import app

SECRET_VALUE = "shpss_do-not-print-me"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("WHOLESYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("ACME_TOKEN", SECRET_VALUE)
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


def run(cli: CliRunner, *args: str) -> Result:
    return cli.invoke(app, list(args))


def add_acme(cli: CliRunner) -> Result:
    return run(
        cli,
        "tenants",
        "add",
        "acme",
        "--shop",
        "acme.myshopify.com",
        "--token-env",
        "ACME_TOKEN",
        "--secret-env",
        "ACME_SECRET",
    )


def test_commands_need_an_initialised_database(cli: CliRunner) -> None:
    result = run(cli, "tenants", "list")
    assert result.exit_code == 2
    assert "DATABASE_NOT_INITIALIZED" in result.output
    assert "wholesync init" in result.output


def test_init_is_repeatable(cli: CliRunner, tmp_path: Path) -> None:
    for _ in range(2):
        result = run(cli, "init")
        assert result.exit_code == 0, result.output
        assert "Database ready" in result.output
    assert (tmp_path / "cli.db").exists()


def test_add_list_and_show(cli: CliRunner) -> None:
    run(cli, "init")
    added = add_acme(cli)
    assert added.exit_code == 0, added.output
    listed = run(cli, "tenants", "list", "--json")
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.output)
    assert row["name"] == "acme"
    assert row["shop_domain"] == "acme.myshopify.com"
    assert (row["auth_mode"], row["token_env"], row["secret_env"]) == (
        "token",
        "ACME_TOKEN",
        "ACME_SECRET",
    )
    table = run(cli, "tenants", "list")
    assert "acme" in table.output and "$ACME_TOKEN" in table.output
    shown = run(cli, "tenants", "show", "acme", "--json")
    settings = json.loads(shown.output)["settings"]
    assert settings["sync_tag"] == "wholesync" and settings["image_mode"] == "product"
    human = run(cli, "tenants", "show", "acme")
    assert "wholesale_price.formula" in human.output
    for output in (added.output, listed.output, table.output, shown.output, human.output):
        assert SECRET_VALUE not in output


def test_client_credentials_tenant(cli: CliRunner) -> None:
    run(cli, "init")
    result = run(
        cli,
        "tenants",
        "add",
        "dev",
        "--shop",
        "dev-brand",
        "--client-id-env",
        "DEV_CLIENT_ID",
        "--secret-env",
        "DEV_SECRET",
        "--api-url",
        "http://127.0.0.1:8765",
        "--json",
    )
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    assert (row["auth_mode"], row["shop_domain"], row["api_url"]) == (
        "client_credentials",
        "dev-brand.myshopify.com",
        "http://127.0.0.1:8765",
    )


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--token-env", "A", "--client-id-env", "B", "--secret-env", "C"], "INVALID_TENANT"),
        (["--secret-env", "C"], "INVALID_TENANT"),
        (["--token-env", "shpat 123", "--secret-env", "C"], "INVALID_TENANT"),
        (["--token-env", "A", "--secret-env", "C", "--api-url", "ftp://x"], "INVALID_TENANT"),
    ],
)
def test_add_refuses_bad_options(cli: CliRunner, args: list[str], code: str) -> None:
    run(cli, "init")
    result = run(cli, "tenants", "add", "acme", "--shop", "acme", *args)
    assert result.exit_code == 2
    assert code in result.output


def test_add_refuses_a_second_tenant_of_the_same_name(cli: CliRunner) -> None:
    run(cli, "init")
    add_acme(cli)
    again = add_acme(cli)
    assert again.exit_code == 2
    assert "TENANT_EXISTS" in again.output


def test_set_changes_one_setting(cli: CliRunner) -> None:
    run(cli, "init")
    add_acme(cli)
    for key, value in (
        ("image_mode", "variant"),
        ("wholesale_price.source", "formula"),
        ("wholesale_price.formula", "price * 0.45"),
        ("warehouse_map", '{"Shop location": "MAIN"}'),
        ("sync_tag", "NuORDER Sync: True"),
    ):
        result = run(cli, "tenants", "set", "acme", key, value)
        assert result.exit_code == 0, result.output
    settings = json.loads(run(cli, "tenants", "show", "acme", "--json").output)["settings"]
    assert settings["image_mode"] == "variant"
    assert settings["wholesale_price"]["source"] == "formula"
    assert settings["wholesale_price"]["formula"] == "price * 0.45"
    assert settings["warehouse_map"] == {"Shop location": "MAIN"}
    assert settings["sync_tag"] == "NuORDER Sync: True"


@pytest.mark.parametrize(
    ("key", "value", "hint"),
    [
        ("image_mode", "banana", "product, variant"),
        ("upc_key", "color", "sku"),
        ("wholesale_price.formula", "import os", "formula"),
        ("no_such_setting", "1", "Unknown setting"),
    ],
)
def test_set_refuses_invalid_values(cli: CliRunner, key: str, value: str, hint: str) -> None:
    run(cli, "init")
    add_acme(cli)
    before = run(cli, "tenants", "show", "acme", "--json").output
    result = run(cli, "tenants", "set", "acme", key, value)
    assert result.exit_code == 2, result.output
    assert "INVALID_SETTING" in result.output
    assert hint in result.output
    assert run(cli, "tenants", "show", "acme", "--json").output == before


def test_unknown_tenant(cli: CliRunner) -> None:
    run(cli, "init")
    result = run(cli, "tenants", "show", "nobody")
    assert result.exit_code == 2
    assert "TENANT_NOT_FOUND" in result.output


def test_a_rotated_secret_stays_accepted_until_dropped(cli: CliRunner) -> None:
    run(cli, "init")
    added = run(
        cli,
        "tenants",
        "add",
        "acme",
        "--shop",
        "acme",
        "--token-env",
        "ACME_TOKEN",
        "--secret-env",
        "ACME_SECRET_2",
        "--previous-secret-env",
        "ACME_SECRET_1",
        "--json",
    )
    assert added.exit_code == 0, added.output
    assert json.loads(added.output)["previous_secret_env"] == "ACME_SECRET_1"
    rotated = run(cli, "tenants", "rotate-secret", "acme", "--secret-env", "ACME_SECRET_3")
    assert rotated.exit_code == 0, rotated.output
    assert "$ACME_SECRET_3" in rotated.output and "$ACME_SECRET_2 still accepted" in rotated.output
    (row,) = json.loads(run(cli, "tenants", "list", "--json").output)
    assert (row["secret_env"], row["previous_secret_env"]) == ("ACME_SECRET_3", "ACME_SECRET_2")
    assert "$ACME_SECRET_2" in run(cli, "tenants", "list").output
    dropped = run(cli, "tenants", "rotate-secret", "acme", "--drop-previous", "--json")
    assert dropped.exit_code == 0, dropped.output
    shown = json.loads(dropped.output)
    assert (shown["secret_env"], shown["previous_secret_env"]) == ("ACME_SECRET_3", None)


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        ([], "--secret-env NEW_VARIABLE"),
        (["--secret-env", "ACME_SECRET"], "already the secret"),
        (["--secret-env", "shpss_123 456"], "NAME of an environment variable"),
    ],
)
def test_rotate_secret_refuses_what_cannot_rotate(
    cli: CliRunner, args: list[str], hint: str
) -> None:
    run(cli, "init")
    add_acme(cli)
    result = run(cli, "tenants", "rotate-secret", "acme", *args)
    assert result.exit_code == 2
    assert "INVALID_TENANT" in result.output and hint in result.output
    (row,) = json.loads(run(cli, "tenants", "list", "--json").output)
    assert (row["secret_env"], row["previous_secret_env"]) == ("ACME_SECRET", None)


def test_add_refuses_a_bad_previous_secret_variable(cli: CliRunner) -> None:
    run(cli, "init")
    result = run(
        cli,
        "tenants",
        "add",
        "acme",
        "--shop",
        "acme",
        "--token-env",
        "A",
        "--secret-env",
        "B",
        "--previous-secret-env",
        "not a name",
    )
    assert result.exit_code == 2
    assert "INVALID_TENANT" in result.output and "--previous-secret-env" in result.output
