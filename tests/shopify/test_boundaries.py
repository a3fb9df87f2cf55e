"""The client knows nothing of the hub, the sync flows or the simulator (DESIGN.md section 3)."""

from __future__ import annotations

import ast

from tests.conftest import PROJECT_ROOT

FORBIDDEN = ("wholesync.hub", "wholesync.sync", "wholesync.simulator", "wholesync.cli")


def test_the_client_imports_only_itself_and_libraries() -> None:
    package = PROJECT_ROOT / "wholesync" / "shopify"
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"
