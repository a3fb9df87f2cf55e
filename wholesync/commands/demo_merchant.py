"""The demo's busy merchant: while the integration center serves, someone keeps working in the
simulated store through its control API (``/__sim/``), as a merchant and shoppers would in
Shopify: prices change, stock is received and counted, online orders come in. Each action
makes the store send webhooks, so the hub and its dashboard keep moving. The soak test
(tests/soak) adds retitling, archiving and customer edits to the demo's round of actions."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from decimal import Decimal
from itertools import cycle
from typing import Any

import httpx

PRODUCT_EDIT, STOCK_CHANGE, ONLINE_ORDER = "product edit", "stock change", "online order"
TITLE_EDIT, STATUS_CHANGE, CUSTOMER_EDIT = "title edit", "status change", "customer edit"
# Stock moves most often; every kind comes within the first three actions.
ROUNDS = (STOCK_CHANGE, PRODUCT_EDIT, ONLINE_ORDER, STOCK_CHANGE, PRODUCT_EDIT, STOCK_CHANGE)
# Address fields an online checkout takes from a customer's address as the simulator lists it.
ADDRESS_KEYS = (
    *("firstName", "lastName", "company", "address1", "address2", "city"),
    *("province", "provinceCode", "country", "zip", "phone"),
)


class BusyMerchant:
    """Acts on one simulated shop every ``every`` seconds from a thread of its own, on the
    products and customers tagged ``tag`` (those the hub syncs). ``report(kind, what)`` hears
    of each action; ``done`` counts them by kind, ``refused`` counts what the store refused
    (an online order for stock that just sold out). ``rounds`` is the cycle of action kinds."""

    def __init__(
        self,
        control_url: str,
        *,
        every: float = 2.0,
        tag: str = "wholesync",
        seed: int = 7,
        report: Callable[[str, str], None] | None = None,
        rounds: Sequence[str] = ROUNDS,
    ) -> None:
        self.every = every
        self.rounds = tuple(rounds)
        self.report = report or (lambda kind, what: None)
        self.done: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self._client = httpx.Client(base_url=control_url, timeout=30)
        self._rng = random.Random(seed)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        products = self._get("/products")
        self._products = [p for p in products if tag in p["tags"] and p["variants"]]
        self._customers = [c for c in self._get("/customers") if tag in c["tags"]]
        self._locations = sorted({row["location"] for row in self._get("/inventory")})
        if not self._products or not self._customers or not self._locations:
            raise ValueError(f"the shop has no products, customers or locations tagged {tag!r}")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="busy-merchant", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=35)
        self._client.close()

    def act(self, kind: str) -> None:
        """One action of ``kind``; a refusal by the store is counted, not raised."""
        action = {
            PRODUCT_EDIT: self._edit_price,
            STOCK_CHANGE: self._change_stock,
            ONLINE_ORDER: self._place_order,
            TITLE_EDIT: self._retitle,
            STATUS_CHANGE: self._toggle_status,
            CUSTOMER_EDIT: self._rename_customer,
        }[kind]
        try:
            what = action()
        except httpx.HTTPStatusError as exc:
            self.refused[kind] += 1
            self.report(kind, f"refused by the store: {_problem(exc.response)}")
            return
        self.done[kind] += 1
        self.report(kind, what)

    def _run(self) -> None:
        for kind in cycle(self.rounds):
            if self._stop.wait(self.every):
                return
            try:
                self.act(kind)
            except httpx.TransportError as exc:  # the simulator stopping under us
                self.report(kind, f"could not reach the store: {exc}")

    def _edit_price(self) -> str:
        """The merchant reprices a product, every variant alike, by up to 10% either way."""
        product = self._rng.choice(self._products)
        old = Decimal(product["variants"][0]["price"])
        factor = Decimal(self._rng.choice((90, 95, 105, 110))) / 100
        new = max((old * factor).quantize(Decimal("1")), Decimal(1))
        changes = [{"id": v["id"], "price": f"{new:.2f}"} for v in product["variants"]]
        self._post(f"/products/{product['id'].rsplit('/', 1)[1]}", {"variants": changes})
        for variant in product["variants"]:
            variant["price"] = f"{new:.2f}"
        return f"{product['title']}: price {old:.2f} -> {new:.2f}"

    def _retitle(self) -> str:
        """The merchant renames a product (a numbered edition, so each title is new)."""
        product = self._rng.choice(self._products)
        old = product["title"]
        new = f"{old.split(' (edit ')[0]} (edit {sum(self.done.values()) + 1})"
        self._post(f"/products/{product['id'].rsplit('/', 1)[1]}", {"title": new})
        product["title"] = new
        return f"{old} -> {new}"

    def _toggle_status(self) -> str:
        """The merchant archives an active product, or brings an archived one back."""
        product = self._rng.choice(self._products)
        new = "ACTIVE" if product["status"] == "ARCHIVED" else "ARCHIVED"
        self._post(f"/products/{product['id'].rsplit('/', 1)[1]}", {"status": new})
        product["status"] = new
        return f"{product['title']}: {new.lower()}"

    def _rename_customer(self) -> str:
        """A buyer's contact changes: the customer gets a new first name."""
        customer = self._rng.choice(self._customers)
        new = f"Contact{sum(self.done.values()) + 1}"
        self._post(f"/customers/{customer['id']}", {"firstName": new})
        return f"{customer['displayName']}: first name {new}"

    def _change_stock(self) -> str:
        """A delivery received (most often) or a stock count that finds a few items short."""
        variant = self._rng.choice(self._rng.choice(self._products)["variants"])
        location = self._rng.choice(self._locations)
        received = self._rng.random() < 0.7
        delta = self._rng.randint(6, 24) if received else -self._rng.randint(1, 3)
        body = {"sku": variant["sku"], "location": location, "delta": delta}
        available = self._post("/inventory", body)["quantities"]["available"]
        why = "received" if received else "counted short"
        return f"{variant['sku']} at {location}: {delta:+d} ({why}), {available} available"

    def _place_order(self) -> str:
        """A shopper checks out one or two items online."""
        customer = self._rng.choice(self._customers)
        picks = self._rng.sample(self._products, 2)[: self._rng.randint(1, 2)]
        lines = [
            {"sku": self._rng.choice(p["variants"])["sku"], "quantity": self._rng.randint(1, 2)}
            for p in picks
        ]
        body: dict[str, Any] = {"lineItems": lines, "customerId": customer["id"]}
        if customer["addresses"]:
            given = customer["addresses"][0]
            address = {key: given[key] for key in ADDRESS_KEYS if given.get(key)}
            body["shippingAddress"] = {**address, "countryCode": given.get("countryCodeV2")}
        order = self._post("/orders", body)
        items = ", ".join(f"{line['quantity']} x {line['sku']}" for line in order["lineItems"])
        return f"{order['name']} by {customer['displayName']}: {items}"

    def _get(self, path: str) -> list[dict[str, Any]]:
        response = self._client.get(path)
        response.raise_for_status()
        rows: list[dict[str, Any]] = response.json()
        return rows

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self._client.post(path, json=body)
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer


def _problem(response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
        return f"{error['code']}: {error['message']}"
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code}"
