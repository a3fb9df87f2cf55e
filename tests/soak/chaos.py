"""The soak's bad day: both shops fail, stall, reset and throttle calls and drop, duplicate and
reorder webhooks, a job worker is SIGKILLed and restarted every ``kill_every`` seconds, while
each shop's busy merchant edits, moves stock and sells online and wholesale buyers order
through the hub's REST API, their orders approved there (and so exported)."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select

from tests.soak.deployment import Brand, Soak
from wholesync.commands.demo_merchant import (
    CUSTOMER_EDIT,
    ONLINE_ORDER,
    PRODUCT_EDIT,
    STATUS_CHANGE,
    STOCK_CHANGE,
    TITLE_EDIT,
    BusyMerchant,
)
from wholesync.hub.models import Variant

FAULTS = {
    "error_rate": 0.10,
    "latency_spike_rate": 0.03,
    "latency_spike": 2.0,
    "reset_rate": 0.03,
    "lost_response_rate": 0.02,  # resets after the call ran: a write Wholesync never hears of
    "webhook_drop_rate": 0.20,
    "webhook_duplicate_rate": 0.30,
    "webhook_reorder_rate": 0.30,
}
THROTTLE_EVERY, THROTTLE_FOR = 30.0, 5.0  # forced THROTTLED answers come in bursts
RECONCILE_EVERY = 60.0  # requested reconciles of every flow, as schedules would
MERCHANT_ROUNDS = (
    *(STOCK_CHANGE, PRODUCT_EDIT, ONLINE_ORDER, STOCK_CHANGE, TITLE_EDIT),
    *(STOCK_CHANGE, PRODUCT_EDIT, STATUS_CHANGE, CUSTOMER_EDIT),
)
SHIP_TO = {"address1": "1 Main St", "city": "Brooklyn", "country_code": "US"}


@dataclass
class Buyer:
    """Places wholesale orders for one brand through ``/api/v1`` and approves them."""

    brand: Brand
    client: httpx.Client
    upcs: list[str]
    rng: random.Random
    approved: list[int] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)

    def order(self) -> None:
        lines = [
            {"upc": upc, "quantity": self.rng.randint(1, 4)}
            for upc in self.rng.sample(self.upcs, self.rng.randint(1, 3))
        ]
        body = {
            "customer_id": self.rng.choice(self.brand.customers),
            "lines": lines,
            "shipping_address": SHIP_TO,
            "po_number": f"PO-{self.rng.randrange(10**6)}",
        }
        created = self.client.post("/orders", json=body)
        if created.status_code == 400:  # a line's variant was just archived by the merchant
            self.outcomes["refused at entry"] += 1
            return
        assert created.status_code == 201, created.text
        order_id = created.json()["id"]
        for status in ("pending", "approved"):
            moved = self.client.post(f"/orders/{order_id}/transitions", json={"to": status})
            assert moved.is_success, moved.text
        self.approved.append(order_id)
        self.outcomes["approved"] += 1


@dataclass
class Chaos:
    """Runs the bad day for ``seconds`` and counts what it did."""

    soak: Soak
    seconds: float
    kill_every: float = 30.0
    rng: random.Random = field(default_factory=lambda: random.Random(20261203))
    counts: Counter[str] = field(default_factory=Counter)
    merchants: list[BusyMerchant] = field(default_factory=list)
    buyers: list[Buyer] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        soak = self.soak
        self.merchants = [
            BusyMerchant(
                f"{soak.sim.url}{brand.control}",
                every=0.4,
                seed=number,
                rounds=MERCHANT_ROUNDS,
            )
            for number, brand in enumerate(soak.brands)
        ]
        self.buyers = [self._buyer(brand, number) for number, brand in enumerate(soak.brands)]
        self._faults(FAULTS)
        threads = [threading.Thread(target=self._buy, args=(b,), daemon=True) for b in self.buyers]
        for merchant in self.merchants:
            merchant.start()
        for thread in threads:
            thread.start()
        try:
            self._drive()
        finally:
            self._stop.set()
            for merchant in self.merchants:
                merchant.stop()
            for thread in threads:
                thread.join(timeout=60)
            for buyer in self.buyers:
                buyer.client.close()
            self._faults({})
        assert self.errors == [], self.errors

    def _drive(self) -> None:
        """Throttle bursts, worker kills and reconcile requests, each on its own beat."""
        started = time.monotonic()
        next_throttle, next_kill, next_reconcile = THROTTLE_EVERY, self.kill_every, 20.0
        throttled_until = 0.0
        while (now := time.monotonic() - started) < self.seconds:
            if throttled_until and now >= throttled_until:
                self._faults(FAULTS)
                throttled_until = 0.0
            if now >= next_throttle:
                self._faults({**FAULTS, "force_throttle": True})
                self.counts["throttle bursts"] += 1
                throttled_until, next_throttle = now + THROTTLE_FOR, next_throttle + THROTTLE_EVERY
            if now >= next_kill:
                self.soak.kill_worker(self.counts["worker kills"] % len(self.soak.workers))
                self.counts["worker kills"] += 1
                next_kill += self.kill_every
            if now >= next_reconcile:
                self.soak.request_all()
                self.counts["reconcile requests"] += 1
                next_reconcile += RECONCILE_EVERY
            assert self.soak.serve is not None and self.soak.serve.poll() is None, "serve died"
            time.sleep(0.1)

    def _buy(self, buyer: Buyer) -> None:
        while not self._stop.wait(self.rng.uniform(0.5, 1.5)):
            try:
                buyer.order()
            except (AssertionError, httpx.HTTPError) as exc:
                self.errors.append(f"{buyer.brand.name}: {exc}")
                return

    def _buyer(self, brand: Brand, number: int) -> Buyer:
        with self.soak.runtime.sessions() as session:
            upcs = [
                upc
                for upc in session.scalars(
                    select(Variant.upc).where(
                        Variant.tenant_id == brand.tenant_id, Variant.archived_at.is_(None)
                    )
                )
                if upc
            ]
        headers = {"Authorization": f"Bearer {brand.api_key}"}
        client = httpx.Client(base_url=f"{self.soak.url}/api/v1", headers=headers, timeout=60)
        return Buyer(brand, client, upcs, random.Random(number))

    def _faults(self, faults: dict[str, Any]) -> None:
        for brand in self.soak.brands:
            self.soak.control(brand, "PUT", "/faults", faults)

    def report(self) -> dict[str, Any]:
        """What the chaos did: faults per kind and shop, kills, merchant and buyer actions."""
        shops = {b.name: self.soak.control(b, "GET") for b in self.soak.brands}
        merchant: Counter[str] = Counter()
        refused: Counter[str] = Counter()
        for each in self.merchants:
            merchant.update(each.done)
            refused.update(each.refused)
        return {
            "api_calls": {name: shop["api_calls"] for name, shop in shops.items()},
            "faults_struck": {name: shop["faults_struck"] for name, shop in shops.items()},
            "throttle_bursts": self.counts["throttle bursts"],
            "worker_kills": self.counts["worker kills"],
            "worker_starts": sum(
                count for name, count in self.soak.started.items() if name.startswith("worker")
            ),
            "reconcile_requests": self.counts["reconcile requests"],
            "merchant_actions": dict(merchant),
            "merchant_refused": dict(refused),
            "wholesale_orders": {buyer.brand.name: dict(buyer.outcomes) for buyer in self.buyers},
        }
