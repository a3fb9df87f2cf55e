"""``wholesync tenants export|import``: settings to a TOML file and back, exactly; an invalid
file is refused whole, naming each key, and nothing changes."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from typer.testing import CliRunner

from tests.test_cli_tenants import SECRET_VALUE, add_acme, cli, run

__all__ = ["cli"]  # the fixture, shared with the other tenants commands' tests


def _initialised(cli: CliRunner) -> None:
    assert run(cli, "init").exit_code == 0
    assert add_acme(cli).exit_code == 0


def _settings(cli: CliRunner) -> dict[str, object]:
    shown = run(cli, "tenants", "show", "acme", "--json")
    assert shown.exit_code == 0, shown.output
    settings: dict[str, object] = json.loads(shown.stdout)["settings"]
    return settings


def test_export_import_export_is_identical(cli: CliRunner, tmp_path: Path) -> None:
    _initialised(cli)
    assert run(cli, "tenants", "set", "acme", "sync_tag", "null").exit_code == 0
    assert run(cli, "tenants", "set", "acme", "upc_key", "barcode").exit_code == 0
    first = tmp_path / "acme.toml"

    exported = run(cli, "tenants", "export", "acme", "--output", str(first))
    assert exported.exit_code == 0, exported.output
    assert f"written to {first}" in exported.output
    text = first.read_text()
    assert tomllib.loads(text)["upc_key"] == "barcode"
    assert SECRET_VALUE not in text and "ACME_TOKEN" not in text

    # Changed in between, so the import visibly restores the file's values.
    assert run(cli, "tenants", "set", "acme", "upc_key", "sku").exit_code == 0
    imported = run(cli, "tenants", "import", "acme", str(first))
    assert imported.exit_code == 0, imported.output

    printed = run(cli, "tenants", "export", "acme")
    assert printed.exit_code == 0
    assert printed.stdout == text
    assert _settings(cli)["sync_tag"] is None


def test_an_invalid_file_changes_nothing_and_names_each_key(cli: CliRunner, tmp_path: Path) -> None:
    _initialised(cli)
    before = _settings(cli)
    text = run(cli, "tenants", "export", "acme").stdout
    bad = tmp_path / "bad.toml"
    bad.write_text(
        text.replace('buyer_tag = "wholesale-buyer"', 'buyer_tag = "changed"')
        .replace('upc_key = "sku"', 'upc_key = "ean"')
        .replace("digest_hour = 8", "digest_hour = 24")
    )

    result = run(cli, "tenants", "import", "acme", str(bad))

    assert result.exit_code == 2
    assert "INVALID_SETTING" in result.output and "nothing changed" in result.output
    assert "upc_key: Input should be 'sku', 'barcode' or 'variant_id'" in result.output
    assert "notifications.digest_hour: Input should be less than or equal to 23" in result.output
    assert _settings(cli) == before


def test_import_refuses_a_missing_file_or_tenant(cli: CliRunner, tmp_path: Path) -> None:
    _initialised(cli)
    good = tmp_path / "good.toml"
    assert run(cli, "tenants", "export", "acme", "-o", str(good)).exit_code == 0

    missing = run(cli, "tenants", "import", "acme", str(tmp_path / "nope.toml"))
    unknown = run(cli, "tenants", "import", "nobody", str(good))
    unwritable = run(cli, "tenants", "export", "acme", "-o", str(tmp_path / "no" / "x.toml"))

    assert missing.exit_code == 2 and "CANNOT_READ" in missing.output
    assert unknown.exit_code == 2 and "TENANT_NOT_FOUND" in unknown.output
    assert unwritable.exit_code == 2 and "CANNOT_WRITE" in unwritable.output
