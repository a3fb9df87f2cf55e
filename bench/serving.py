"""Servers the benchmarks start as subprocesses: ``wholesync serve`` or a bare uvicorn app."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

HOST = "127.0.0.1"
WHOLESYNC = [sys.executable, "-m", "wholesync.cli"]


@contextmanager
def server(command: list[str], env: dict[str, str], port: int, log: Path) -> Iterator[None]:
    """Run ``command`` until the block ends, once ``/healthz`` on ``port`` answers."""
    with log.open("ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://{HOST}:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start:\n{log.read_text()}") from None
                time.sleep(0.1)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
