"""The secrets scan itself: a run that logs, serves or stores a remembered secret fails, and
one that does not passes."""

from __future__ import annotations

import pytest

from tests.conftest import PROJECT_ROOT

pytest_plugins = ["pytester"]

LEAKY = """
import logging
from tests.secrets_scan import remember

def test_leaks(tmp_path):
    remember("tok_0123456789abcdef")
    logging.getLogger("wholesync.demo").warning("calling with tok_0123456789abcdef")
"""

STORED = """
from tests.secrets_scan import remember

def test_stores(tmp_path):
    remember("whsec-fedcba9876543210")
    (tmp_path / "hub.db").write_bytes(b"...whsec-fedcba9876543210...")
"""

CLEAN = """
import logging
from tests.secrets_scan import remember

def test_clean(tmp_path):
    remember("tok_0123456789abcdef")
    logging.getLogger("wholesync.demo").warning("calling with the token in $ACME_TOKEN")
"""


def _run(pytester: pytest.Pytester, source: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PYTHONPATH", str(PROJECT_ROOT))
    pytester.makepyfile(test_inner=source)
    result = pytester.runpytest_subprocess("-p", "tests.secrets_scan", "-q")
    return "\n".join(result.outlines) + f"\nexit={result.ret}"


@pytest.mark.parametrize("source", [LEAKY, STORED], ids=["logged", "stored"])
def test_a_written_secret_fails_the_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    output = _run(pytester, source, monkeypatch)
    assert "secrets written out" in output and "exit=1" in output
    # The report names the file and only the secret's first characters.
    assert "0123456789abcdef" not in output and "fedcba9876543210" not in output


def test_a_clean_run_passes(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    output = _run(pytester, CLEAN, monkeypatch)
    assert "no hit" in output and "exit=0" in output
