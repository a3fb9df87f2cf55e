"""The vendored browser assets are the npm packages the lock file pins, byte for byte."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import wholesync.web.ui as ui

ASSETS = Path(ui.__file__).parent / "assets"
VENDOR = Path(ui.__file__).parent / "static" / "vendor"


def test_vendored_files_match_their_recorded_sums() -> None:
    sums = {}
    for line in (VENDOR / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        sums[name] = digest
    assert set(sums) == {"htmx.min.js", "pico.min.css"}
    for name, digest in sums.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_the_lock_file_pins_exact_versions_with_integrity() -> None:
    declared = json.loads((ASSETS / "package.json").read_text())["dependencies"]
    locked = json.loads((ASSETS / "package-lock.json").read_text())["packages"]
    for name, version in declared.items():
        entry = locked[f"node_modules/{name}"]
        assert entry["version"] == version and entry["integrity"].startswith("sha512-")
