"""The simulated shops' state.

Records are plain dicts whose keys are the GraphQL field names of their type, so the schema's
default resolver serves scalars directly; relations are kept as ids and resolved by the
resolvers. Each shop has its own lock: one request mutates a shop at a time, as Shopify
serialises writes per shop.
"""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wholesync.simulator.api.throttle import PLANS, LeakyBucket, Plan
from wholesync.simulator.clock import Clock, iso, system_clock
from wholesync.simulator.faults import Faults
from wholesync.simulator.ids import gid, record_ids

Record = dict[str, Any]

LEGACY_TOKEN_TTL: float | None = None
DEFAULT_CC_TOKEN_TTL = 24 * 3600.0
QUANTITY_NAMES = (
    "available",
    "committed",
    "damaged",
    "incoming",
    "on_hand",
    "quality_control",
    "reserved",
    "safety_stock",
)


def add_record(table: dict[int, Record], type_name: str, number: int, fields: Record) -> Record:
    """Store a new ``type_name`` record under ``number``: its ids, then ``fields``."""
    record = record_ids(type_name, number)
    record.update(fields)
    table[number] = record
    return record


@dataclass
class AccessToken:
    token: str
    expires_at: float | None
    scope: str


@dataclass
class Shop:
    """One simulated store: its catalog, customers, orders and settings."""

    handle: str
    plan: Plan
    clock: Clock
    name: str = ""
    currency: str = "USD"
    webhook_secret: str = ""
    client_id: str = ""
    client_secret: str = ""
    token_ttl: float = DEFAULT_CC_TOKEN_TTL
    shop_id: int = 0
    faults: Faults = field(default_factory=Faults)
    # How often each fault struck: "errors", "resets", "lost_responses".
    fault_counts: Counter[str] = field(default_factory=Counter)
    lock: threading.RLock = field(default_factory=threading.RLock)
    products: dict[int, Record] = field(default_factory=dict)
    variants: dict[int, Record] = field(default_factory=dict)
    media: dict[int, Record] = field(default_factory=dict)
    collections: dict[int, Record] = field(default_factory=dict)
    inventory_items: dict[int, Record] = field(default_factory=dict)
    # (inventory item number, location number) -> {quantity name: int}
    inventory_levels: dict[tuple[int, int], dict[str, int]] = field(default_factory=dict)
    locations: dict[int, Record] = field(default_factory=dict)
    customers: dict[int, Record] = field(default_factory=dict)
    addresses: dict[int, Record] = field(default_factory=dict)
    orders: dict[int, Record] = field(default_factory=dict)
    draft_orders: dict[int, Record] = field(default_factory=dict)
    line_items: dict[int, Record] = field(default_factory=dict)
    fulfillment_orders: dict[int, Record] = field(default_factory=dict)
    fulfillments: dict[int, Record] = field(default_factory=dict)
    metafields: dict[int, Record] = field(default_factory=dict)
    webhook_subscriptions: dict[int, Record] = field(default_factory=dict)
    bulk_operations: dict[int, Record] = field(default_factory=dict)
    # @idempotent keys already used by inventorySetQuantities, with the answer given.
    idempotency_keys: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, AccessToken] = field(default_factory=dict)
    # Files served at /__sim/files/{shop}/{name}, such as bulk operation results.
    files: dict[str, Path] = field(default_factory=dict)
    # Every webhook delivery attempt's outcome, newest last (webhooks.py).
    webhook_deliveries: list[Record] = field(default_factory=list)
    # Per-shop bulk operation knobs set through the control API (bulk.py).
    bulk_settings: dict[str, Any] = field(default_factory=dict)
    _next_id: int = 1_000_001
    # owner gid -> metafield numbers; rebuilt whenever ``metafields`` changed size behind it.
    _metafield_index: dict[str, list[int]] = field(default_factory=dict, repr=False)
    _metafield_index_size: int = -1
    bucket: LeakyBucket = field(init=False)

    def __post_init__(self) -> None:
        self.bucket = LeakyBucket(self.plan, self.clock)
        self.name = self.name or self.handle.replace("-", " ").title()
        self.webhook_secret = self.webhook_secret or secrets.token_hex(16)
        self.client_secret = self.client_secret or self.webhook_secret
        self.client_id = self.client_id or secrets.token_hex(16)
        self.shop_id = self.shop_id or self.next_number()

    @property
    def domain(self) -> str:
        return f"{self.handle}.myshopify.com"

    @property
    def gid(self) -> str:
        return gid("Shop", self.shop_id)

    def next_number(self) -> int:
        number = self._next_id
        self._next_id += 1
        return number

    def now(self) -> str:
        return iso(self.clock())

    def add_token(self, token: str, ttl: float | None, scope: str = "") -> AccessToken:
        expires = None if ttl is None else self.clock() + ttl
        access = AccessToken(token=token, expires_at=expires, scope=scope)
        self.tokens[token] = access
        return access

    def token_valid(self, token: str) -> bool:
        access = self.tokens.get(token)
        if access is None:
            return False
        return access.expires_at is None or access.expires_at > self.clock()

    def quantities(self, item: int, location: int) -> dict[str, int] | None:
        return self.inventory_levels.get((item, location))

    def ensure_level(self, item: int, location: int) -> dict[str, int]:
        level = self.inventory_levels.get((item, location))
        if level is None:
            level = {name: 0 for name in QUANTITY_NAMES}
            self.inventory_levels[(item, location)] = level
        return level

    def metafields_of(self, owner_gid: str) -> list[Record]:
        if self._metafield_index_size != len(self.metafields):
            index: dict[str, list[int]] = {}
            for number, record in self.metafields.items():
                index.setdefault(record["_owner"], []).append(number)
            self._metafield_index, self._metafield_index_size = index, len(self.metafields)
        numbers = self._metafield_index.get(owner_gid, ())
        return [self.metafields[n] for n in numbers if n in self.metafields]

    def add_metafield(self, number: int, record: Record) -> None:
        """Store a new metafield and keep the owner index current without a rebuild."""
        current = self._metafield_index_size == len(self.metafields)
        self.metafields[number] = record
        if current:
            self._metafield_index.setdefault(record["_owner"], []).append(number)
            self._metafield_index_size += 1


class Store:
    """Every shop the simulator serves, looked up by handle, domain or access token."""

    def __init__(self, clock: Clock = system_clock) -> None:
        self.clock = clock
        self._shops: dict[str, Shop] = {}
        self._lock = threading.Lock()

    def create_shop(self, handle: str, plan: str = "standard", **options: Any) -> Shop:
        if plan not in PLANS:
            raise ValueError(f"unknown plan {plan!r}; choose one of {', '.join(PLANS)}")
        shop = Shop(handle=handle, plan=PLANS[plan], clock=self.clock, **options)
        with self._lock:
            self._shops[handle] = shop
        return shop

    def get(self, handle_or_domain: str) -> Shop | None:
        handle = handle_or_domain.removesuffix(".myshopify.com")
        return self._shops.get(handle)

    def delete(self, handle: str) -> bool:
        with self._lock:
            return self._shops.pop(handle, None) is not None

    def by_token(self, token: str) -> Shop | None:
        for shop in list(self._shops.values()):
            if token in shop.tokens:
                return shop
        return None

    def by_client_id(self, client_id: str) -> Shop | None:
        for shop in list(self._shops.values()):
            if shop.client_id == client_id:
                return shop
        return None

    def __iter__(self) -> Iterator[Shop]:
        return iter(list(self._shops.values()))
