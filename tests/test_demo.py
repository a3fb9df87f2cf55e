"""`wholesync demo` as a newcomer runs it: the tour with its order summary and sign-in check
(--exit-after-sync, as CI runs it), and the integration center served while a busy merchant
works in the simulated store, until Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from tests.secrets_scan import remember
from tests.web.harness import eventually
from wholesync.hub.models import Order, OrderOrigin, Product, SyncRun, Variant
from wholesync.simulator.server import free_port

WHOLESYNC = [sys.executable, "-m", "wholesync.cli"]
ADMIN = "admin@demo.example"
FIXES = {
    "CUSTOMER_NOT_FOUND": "Customer 'NORTHWIND-01' was not found in Shopify",
    "VARIANT_NOT_FOUND": "No Shopify variant has the SKU 'FW24-0042-XL'. Create it in Shopify",
    "INSUFFICIENT_INVENTORY": "are available at all locations, but",
}


def demo_env(tmp_path: Path) -> dict[str, str]:
    """A wide terminal (no wrapped rows) and a database and queue of the test's own."""
    return {
        **os.environ,
        "COLUMNS": "400",
        "NO_COLOR": "1",
        "PYTHONUNBUFFERED": "1",
        "WHOLESYNC_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "WHOLESYNC_QUEUE_URL": f"sqlite:///{tmp_path / 'queue.sqlite3'}",
    }


def test_exit_after_sync_tours_exports_the_orders_and_checks_sign_in(tmp_path: Path) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [*WHOLESYNC, "demo", "--exit-after-sync", "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=120,
        env=demo_env(tmp_path),
        cwd=tmp_path,
    )
    took = time.monotonic() - started
    printed = result.stdout
    assert result.returncode == 0, printed + result.stderr
    assert "demo.myshopify.com: 300 products, 100 customers, 3 locations" in printed
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in printed.splitlines()]
    orders = [row for row in rows if row and row[0].startswith("WS")]
    assert len(orders) == 20, printed
    processed = [row for row in orders if row[3] == "processed"]
    assert len(processed) == 17
    assert all(re.fullmatch(r"#\d{4}", row[4]) for row in processed), processed
    assert len({row[4] for row in processed}) == 17, "each order is its own Shopify order"
    failed = {row[4].split(":")[0]: row for row in orders if row[3] == "failed"}
    assert set(failed) == set(FIXES), orders
    for code, fix in FIXES.items():
        assert fix in failed[code][4], failed[code]
    assert failed["CUSTOMER_NOT_FOUND"][2] == "Northwind Boutique"
    password = re.search(r"^password: (\S{12,})$", printed, re.MULTILINE)
    assert password is not None, printed
    remember(password.group(1))  # the database keeps its hash only
    assert "Sign-in checked" in printed
    tour = re.search(r"The tour took ([\d.]+) s from start to summary", printed)
    assert tour is not None and float(tour.group(1)) < 60, "a newcomer waits well under 2 minutes"
    assert took < 90


def test_demo_refuses_a_port_in_use_before_doing_anything(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*WHOLESYNC, "demo", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            env=demo_env(tmp_path),
            cwd=tmp_path,
        )
    assert result.returncode == 2
    assert f"PORT_IN_USE: Port {port} on 127.0.0.1 is in use" in result.stderr
    assert f"--port {port + 1}" in result.stderr
    assert not (tmp_path / "demo.db").exists(), "nothing was started or written"


class Output:
    """The lines a running process prints, collected from a thread."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        assert process.stdout is not None
        stream = process.stdout
        self.thread = threading.Thread(target=lambda: self.lines.extend(stream), daemon=True)
        self.thread.start()

    @property
    def text(self) -> str:
        return "".join(list(self.lines))

    def wait_for(self, pattern: str, timeout: float = 90) -> re.Match[str]:
        found: list[re.Match[str]] = []

        def seen() -> bool:
            match = re.search(pattern, self.text, re.MULTILINE)
            found.extend([match] if match else [])
            if match is None and self.process.poll() is not None:
                self.thread.join(timeout=10)
                raise AssertionError(f"the demo exited before {pattern!r}:\n{self.text}")
            return match is not None

        try:
            eventually(seen, timeout, f"{pattern!r} in the demo's output")
        except AssertionError as missing:
            raise AssertionError(f"{missing}; it printed:\n{self.text}") from None
        return found[0]

    def actions(self, pattern: str) -> list[tuple[str, ...]]:
        return [m.groups() for m in re.finditer(pattern, self.text, re.MULTILINE)]


def test_demo_serves_while_the_busy_merchant_works_until_ctrl_c(tmp_path: Path) -> None:
    env = demo_env(tmp_path)
    command = [*WHOLESYNC, "demo", "--port", str(free_port())]
    command += ["--simulator-port", str(free_port()), "--busy-every", "0.2"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path
    )
    output = Output(process)
    try:
        url = output.wait_for(r"^Open (http://\S+) and sign in as").group(1)
        password = output.wait_for(r"^password: (\S+)$").group(1)
        remember(password)
        store = output.wait_for(r"simulated store \((http://[\d.:]+), token").group(1)
        _sign_in(url, password)
        control = f"{store}/__sim/shops/demo"
        eventually(lambda: _store_saw_the_merchant(control), 30, "the merchant's changes")
        titles = Counter(product["title"] for product in _get(control, "/products"))
        unique = {title for title, count in titles.items() if count == 1}
        engine = create_engine(env["WHOLESYNC_DATABASE_URL"])
        with Session(engine) as session:
            eventually(
                lambda: _hub_caught_up(session, output, unique), 45, "the webhooks in the hub"
            )
        engine.dispose()
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=60)
        output.thread.join(timeout=10)
    assert code == 0, output.text
    assert "Stopping: the merchant first" in output.text
    assert re.search(r"The merchant made .*online orders?.*product edits?", output.text)
    assert output.text.rstrip().endswith("Stopped.")


def _sign_in(url: str, password: str) -> None:
    """Sign in with the printed password, as a browser does; the dashboard answers."""
    with httpx.Client(base_url=url, timeout=30) as browser:
        assert browser.get("/login").status_code == 200
        token = browser.cookies["wholesync_login_csrf"]
        fields = {"email": ADMIN, "password": password, "csrf_token": token}
        signed_in = browser.post("/login", data=fields)
        assert signed_in.status_code == 303, signed_in.text
        assert browser.get(signed_in.headers["location"]).status_code == 200


def _store_saw_the_merchant(control: str) -> bool:
    """Online orders placed, and the edits' and stock changes' webhooks delivered."""
    online = [o for o in _get(control, "/orders") if o["sourceName"] == "web"]
    deliveries = _get(control, "/webhook_deliveries")
    topics = {d["topic"] for d in deliveries if d["status"] == "delivered"}
    return bool(online) and {"products/update", "inventory_levels/update"} <= topics


def _hub_caught_up(session: Session, output: Output, unique: set[str]) -> bool:
    """Webhook-triggered runs of every flow the merchant touched; the first online order in the
    hub; the first repriced product (of a title no other product has) at its latest price."""
    session.expire_all()
    flows = set(session.scalars(select(SyncRun.flow).where(SyncRun.trigger == "webhook")))
    orders = output.actions(r"online order: (#\d+) by ")
    prices = output.actions(r"product edit: (.+): price [\d.]+ -> ([\d.]+)$")
    titles = [title for title, _ in prices if title in unique]
    if not ({"products", "inventory", "orders_import"} <= flows and orders and titles):
        return False
    imported = session.scalar(select(Order.origin).where(Order.shopify_order_name == orders[0][0]))
    latest = [price for title, price in prices if title == titles[0]][-1]
    hub_prices = session.scalars(
        select(Variant.retail_price).join(Product).where(Product.title == titles[0])
    )
    return imported == OrderOrigin.SHOPIFY and {f"{p:.2f}" for p in hub_prices} == {latest}


def _get(control: str, path: str) -> Any:
    response = httpx.get(f"{control}{path}", timeout=30)
    response.raise_for_status()
    return response.json()
