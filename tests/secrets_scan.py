"""Secrets never appear in what Wholesync writes: a pytest plugin that scans everything a test
run wrote for every secret the tests handed the product.

Fixtures :func:`remember` the tokens, webhook secrets, passwords and API keys they create.
During the session every log record (any logger, any level) and every HTTP response body the
test clients read from our web app are appended to files under the session's temporary folder;
the databases, queue files, exports and subprocess logs the tests make are there too. When the
session ends, every file under that folder is searched for every remembered secret, and a hit
fails the run (printed with the file and the secret's first characters only).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import httpx
import pytest

# Shorter values (a port number, "admin") would match by accident.
MIN_LENGTH = 10

_secrets: set[str] = set()
_lock = threading.Lock()
_folder: Path | None = None


def remember(*values: str | None) -> None:
    """Values the product must never write out in the clear."""
    with _lock:
        _secrets.update(v for v in values if v and len(v) >= MIN_LENGTH)


def record(kind: str, data: bytes) -> None:
    """Keep ``data`` (a page, an API answer) among what this run wrote, to be scanned."""
    if _folder is None:
        return
    with _lock, (_folder / f"{kind}.txt").open("ab") as out:
        out.write(data + b"\n")


def read_response(response: httpx.Response) -> None:
    """An httpx response hook: record the body of every answer from the app under test."""
    response.read()
    record("http", response.content)


class _LogCapture(logging.Handler):
    def emit(self, entry: logging.LogRecord) -> None:
        try:
            text = self.format(entry)
        except Exception:  # a record whose arguments do not format is still scanned raw
            text = f"{entry.msg!r} {entry.args!r}"
        record("logs", text.encode("utf-8", "replace"))


_handler = _LogCapture(level=logging.INFO)
_handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))


def pytest_sessionstart(session: pytest.Session) -> None:
    global _folder
    factory = session.config._tmp_path_factory  # type: ignore[attr-defined]
    _folder = factory.mktemp("written", numbered=False)
    root = logging.getLogger()
    root.addHandler(_handler)
    # What the service logs in production (INFO and up) must reach the capture.
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    logging.getLogger().removeHandler(_handler)
    if _folder is None or not _secrets:
        return
    base = _folder.parent
    hits = _scan(base, sorted(_secrets))
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if hits and reporter is not None:
        reporter.write_sep("=", "secrets written out", red=True)
        for path, secret in hits:
            reporter.write_line(f"{path.relative_to(base)}: contains {secret[:6]}...")
    if hits:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif reporter is not None:
        files = sum(1 for p in base.rglob("*") if p.is_file())
        reporter.write_line(
            f"secrets scan: {len(_secrets)} secrets, {files} files written by the run, no hit"
        )


def _scan(base: Path, secrets: list[str]) -> list[tuple[Path, str]]:
    needles = [(secret, secret.encode()) for secret in secrets]
    hits: list[tuple[Path, str]] = []
    for path in sorted(base.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        hits.extend((path, secret) for secret, needle in needles if needle in data)
    return hits
