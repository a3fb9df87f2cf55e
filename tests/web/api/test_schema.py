"""Property tests of the REST API from its own OpenAPI document (schemathesis), on SQLite
and PostgreSQL: whatever a client sends that the document allows, the API answers without a
server error, with a documented status, content type, headers and body. Requests the
document forbids (negative cases) get a documented 4xx just the same."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks
from schemathesis.core.result import Ok
from schemathesis.openapi import from_url

from tests.web.api.conftest import seed
from tests.web.harness import make_runtime, serving
from wholesync.web.app import create_app

# Enough to reach every operation many times while the test stays within a minute.
MAX_EXAMPLES = 400
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@dataclass(frozen=True)
class Served:
    base_url: str
    key: str


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[Served]:
    runtime = make_runtime(database_url, tmp_path)
    with runtime.sessions.begin() as session:
        key = seed(session, "acme").key
    with serving(create_app(runtime)) as url:
        yield Served(f"{url}/api/v1", key)
    runtime.close()


def test_the_api_keeps_its_document(served: Served) -> None:
    schema = from_url(f"{served.base_url}/openapi.json")
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), "the document does not load"
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) >= 20

    strategies = [
        operation.as_strategy(generation_mode=mode)
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    ]

    @given(case=st.one_of(*strategies))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case[Any]) -> None:
        if case.query and "wait" in case.query:
            case.query["wait"] = 0  # nothing exports here, so any wait would run to its end
        case.call_and_validate(
            base_url=served.base_url,
            headers={"Authorization": f"Bearer {served.key}"},
            checks=CHECKS,
        )

    check()
