"""Helpers shared by all tests: locating the Shopify reference material in ``../shared``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from graphql import GraphQLSchema, build_schema

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_ROOT = PROJECT_ROOT.parent / "shared"
REQUIRE_SHARED_ENV = "WHOLESYNC_REQUIRE_SHARED"


def shared_path(*parts: str) -> Path:
    """Return ``<project root>/../shared/<parts>``, skipping the test when it is absent.

    With ``WHOLESYNC_REQUIRE_SHARED=1`` (CI) a missing path fails the test instead.
    """
    path = SHARED_ROOT.joinpath(*parts)
    if not path.exists():
        reason = f"Shopify reference material not found: {path}"
        if os.environ.get(REQUIRE_SHARED_ENV) == "1":
            pytest.fail(f"{reason} ({REQUIRE_SHARED_ENV}=1 requires it)", pytrace=False)
        # allow_module_level so that helpers may also call this while a module is collected.
        pytest.skip(f"{reason} (../shared is only present in CI)", allow_module_level=True)
    return path


@pytest.fixture(scope="session")
def real_schema() -> GraphQLSchema:
    """Shopify's real Admin API 2026-07 schema, built once per session."""
    sdl = shared_path("shopify", "schema", "admin-2026-07.graphql").read_text()
    # Shopify's own SDL is not guaranteed to pass graphql-core's full validation.
    return build_schema(sdl, assume_valid=True)
