"""The `wholesync` command: the simulator command serves a seeded shop (the demo is tested in
tests/test_demo.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from wholesync.simulator.server import free_port

WHOLESYNC = [sys.executable, "-m", "wholesync.cli"]


def test_simulator_command_serves_a_seeded_shop(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "simulator.log"
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                *WHOLESYNC,
                "simulator",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--shop",
                "cli",
                "--token",
                "shpat_cli",
                "--seed",
                "1",
                "--products",
                "20",
                "--customers",
                "5",
                "--locations",
                "2",
                "--plan",
                "plus",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        url = f"http://127.0.0.1:{port}/admin/api/2026-07/graphql.json"
        answer = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                answer = httpx.post(
                    url,
                    json={"query": "{ shop { myshopifyDomain } productsCount { count } }"},
                    headers={"X-Shopify-Access-Token": "shpat_cli"},
                )
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert answer is not None, log.read_text()
        data = answer.json()
        assert data["data"] == {
            "shop": {"myshopifyDomain": "cli.myshopify.com"},
            "productsCount": {"count": 20},
        }
        assert data["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] == 20000
        printed = log.read_text()
        secret = httpx.get(f"http://127.0.0.1:{port}/__sim/shops/cli").json()["webhook_secret"]
        for expected in ("cli.myshopify.com", "shpat_cli", secret):
            assert expected in printed
    finally:
        process.terminate()
        process.wait(timeout=20)
