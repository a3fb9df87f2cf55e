"""Structured logs: one JSON object per line, with the tenant, flow, job and run bound by the
code that runs them, and nothing left bound once a job is over."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from structlog.contextvars import bind_contextvars, clear_contextvars, get_contextvars

from wholesync import logs


@pytest.fixture
def configured() -> Iterator[None]:
    """Logging as the service configures it, and no fields left bound by earlier tests' runs;
    both put back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    bound = get_contextvars()
    clear_contextvars()
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    clear_contextvars()
    bind_contextvars(**bound)


def _lines(err: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def test_json_lines_carry_the_bound_context(
    configured: None, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.configure("INFO", "json")
    log = logging.getLogger("wholesync.test")
    with logs.context(tenant_id=3, flow="products", job_id=17):
        logs.bind(run_id=42)
        log.warning("fetched %d products", 5)
    log.info("after the job")
    inside, after = _lines(capsys.readouterr().err)
    assert inside["event"] == "fetched 5 products" and inside["level"] == "warning"
    assert inside["logger"] == "wholesync.test" and str(inside["timestamp"]).endswith("Z")
    assert (inside["tenant_id"], inside["flow"], inside["job_id"], inside["run_id"]) == (
        3,
        "products",
        17,
        42,
    )
    assert not {"tenant_id", "flow", "job_id", "run_id"} & set(after)


def test_exceptions_are_one_json_line_with_the_traceback(
    configured: None, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.configure("INFO", "json")
    try:
        raise ValueError("bad payload")
    except ValueError:
        logging.getLogger("wholesync.test").exception("job failed")
    (line,) = _lines(capsys.readouterr().err)
    assert line["event"] == "job failed" and "ValueError: bad payload" in str(line["exception"])


def test_text_format_for_people(configured: None, capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("INFO", "text")
    with logs.context(flow="inventory"):
        logging.getLogger("wholesync.test").info("hello")
    err = capsys.readouterr().err
    assert "hello" in err and "flow=inventory" in err and not err.startswith("{")
