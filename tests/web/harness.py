"""Helpers for webhook tests: a Runtime on a real database and SQLite queue, the web app
served by uvicorn on loopback, a Huey consumer in threads, and a simulated shop whose
webhooks are delivered to the app."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from tests.secrets_scan import remember
from wholesync.hub.db import init_db, session_factory
from wholesync.hub.models import (
    Customer,
    ExternalRef,
    InventoryLevel,
    Product,
    Tenant,
    Variant,
    Warehouse,
)
from wholesync.hub.models.types import utcnow
from wholesync.runtime import inbox
from wholesync.runtime.inbox import Delivery
from wholesync.runtime.models import InboxEntry, Job
from wholesync.runtime.service import Runtime
from wholesync.settings import Settings
from wholesync.shopify import ShopifyClient
from wholesync.shopify.webhooks import sign, subscribe
from wholesync.simulator.server import RunningSimulator
from wholesync.sync.flows import run_for_tenant
from wholesync.sync.registry import FLOW_SPECS
from wholesync.sync.tenants import add_tenant, build_client

TOPICS = (
    "PRODUCTS_CREATE",
    "PRODUCTS_UPDATE",
    "PRODUCTS_DELETE",
    "CUSTOMERS_CREATE",
    "CUSTOMERS_UPDATE",
    "CUSTOMERS_DELETE",
    "INVENTORY_LEVELS_UPDATE",
    "ORDERS_CREATE",
    "APP_UNINSTALLED",
)
_numbers = itertools.count(1)


def make_runtime(database_url: str, tmp_path: Path, **settings: Any) -> Runtime:
    """A Runtime on a migrated database and a SQLite queue in ``tmp_path``."""
    init_db(database_url).dispose()
    chosen = Settings(
        database_url=database_url,
        queue_url=f"sqlite:///{tmp_path / 'queue.sqlite3'}",
        **settings,
    )
    return Runtime(
        database_url,
        chosen.queue_url,
        settings=chosen,
        client_options={"max_retries": 2},
    )


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port; yields its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def consuming(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, workers: int = 2
) -> Iterator[None]:
    """Run a Huey consumer of ``runtime`` in threads (no signal handlers: not the main loop)."""
    consumer = runtime.consumer(workers=workers, periodic=False)
    monkeypatch.setattr(consumer, "_set_signal_handlers", lambda: None)
    consumer.start()
    try:
        yield
    finally:
        consumer.stop(graceful=True)
        for worker in consumer.worker_threads:
            worker[1].join(10)


def eventually(check: Callable[[], bool], timeout: float = 20, what: str = "condition") -> None:
    """Poll ``check`` until true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@dataclass
class Shop:
    """A simulated shop with a tenant on the runtime's database."""

    sim: RunningSimulator
    handle: str
    secret: str
    runtime: Runtime
    tenant_id: int
    tenant: str = "brand"

    @property
    def domain(self) -> str:
        return f"{self.handle}.myshopify.com"

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self.sim.url}/__sim/shops/{self.handle}{path}"
        response = httpx.request(method, url, json=body, timeout=60)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def client(self) -> ShopifyClient:
        with self.runtime.sessions() as session:
            return build_client(session.get_one(Tenant, self.tenant_id))

    def subscribe(self, url: str, topics: tuple[str, ...] = TOPICS) -> None:
        with self.client() as client:
            for topic in topics:
                subscribe(client, topic, f"{url}/webhooks/shopify")

    def faults(self, **knobs: Any) -> None:
        self.control("PUT", "/faults", knobs)

    def deliveries(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.control("GET", "/webhook_deliveries")
        return result

    def settled(self, count: int, timeout: float = 20) -> list[dict[str, Any]]:
        """Wait until at least ``count`` deliveries exist and none is in flight."""
        pending = ("pending", "sending", "held", "retrying")

        def done() -> bool:
            found = self.deliveries()
            return len(found) >= count and not any(d["status"] in pending for d in found)

        eventually(done, timeout, f"{count} settled deliveries")
        return self.deliveries()

    def inbox(self) -> list[InboxEntry]:
        with self.runtime.sessions() as session:
            return list(
                session.scalars(
                    select(InboxEntry)
                    .where(InboxEntry.tenant_id == self.tenant_id)
                    .order_by(InboxEntry.id)
                )
            )

    def jobs(self, flow: str = "webhooks") -> list[Job]:
        with self.runtime.sessions() as session:
            return list(
                session.scalars(
                    select(Job).where(Job.tenant_id == self.tenant_id, Job.flow == flow)
                )
            )

    def signed_post(
        self,
        url: str,
        body: bytes,
        *,
        topic: str = "products/update",
        webhook_id: str | None = None,
        secret: str | None = None,
        **headers: str,
    ) -> httpx.Response:
        """POST ``body`` to the intake as Shopify would, signed with ``secret``."""
        sent = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": sign(body, secret or self.secret),
            "X-Shopify-Shop-Domain": self.domain,
            "X-Shopify-API-Version": "2026-07",
            "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
            "X-Shopify-Event-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": "2026-11-23T10:00:00.000000Z",
            **headers,
        }
        return httpx.post(f"{url}/webhooks/shopify", content=body, headers=sent, timeout=30)


def open_shop(
    sim: RunningSimulator,
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
    *,
    previous_secret: str | None = None,
    **counts: int,
) -> Shop:
    """A fresh simulated shop and a tenant for it; its secrets in this test's environment."""
    number = next(_numbers)
    handle = f"hooks{number}-{uuid.uuid4().hex[:6]}"
    secret = f"whsec-{uuid.uuid4().hex}"
    remember(secret, f"shpat_{handle}", previous_secret)
    spec = {
        "shop": handle,
        "token": f"shpat_{handle}",
        "seed": 1,
        "plan": "plus",
        "webhook_secret": secret,
        **counts,
    }
    response = httpx.post(f"{sim.url}/__sim/shops", json=spec, timeout=120)
    assert response.status_code == 201, response.text
    prefix = f"HOOKS{number}"
    monkeypatch.setenv(f"{prefix}_TOKEN", f"shpat_{handle}")
    monkeypatch.setenv(f"{prefix}_SECRET", secret)
    with runtime.sessions.begin() as session:
        tenant = add_tenant(
            session,
            f"brand{number}",
            shop=f"{handle}.myshopify.com",
            token_env=f"{prefix}_TOKEN",
            secret_env=f"{prefix}_SECRET",
            api_url=sim.url,
        )
        if previous_secret is not None:
            monkeypatch.setenv(f"{prefix}_OLD_SECRET", previous_secret)
            tenant.previous_secret_env = f"{prefix}_OLD_SECRET"
        tenant_id = tenant.id
    return Shop(sim, handle, secret, runtime, tenant_id, f"brand{number}")


def store_rows(
    sessions: sessionmaker[Session],
    tenant_id: int,
    rows: Sequence[tuple[str, bytes | dict[str, Any]]],
    *,
    received_at: datetime | None = None,
) -> list[str]:
    """Put deliveries straight into the inbox, as the intake would; their webhook ids."""
    moment = received_at or utcnow()
    deliveries = [
        Delivery(
            tenant_id=tenant_id,
            webhook_id=str(uuid.uuid4()),
            topic=topic,
            body=body if isinstance(body, bytes) else orjson.dumps(body),
            received_at=moment,
        )
        for topic, body in rows
    ]
    with sessions.begin() as session:
        inbox.store(session, deliveries)
    return [d.webhook_id for d in deliveries]


def listing(sim: RunningSimulator, handle: str, kind: str) -> list[dict[str, Any]]:
    """The simulator's own view of a shop's records (the merchant's truth)."""
    response = httpx.get(f"{sim.url}/__sim/shops/{handle}/{kind}", timeout=60)
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


def hub_product_title(sessions: sessionmaker[Session], tenant_id: int, gid: str) -> str | None:
    """The hub's title of the product synced from ``gid`` (None if it never arrived)."""
    return _hub_product_column(sessions, tenant_id, gid, Product.title)


def hub_product_status(sessions: sessionmaker[Session], tenant_id: int, gid: str) -> str | None:
    return _hub_product_column(sessions, tenant_id, gid, Product.status)


def _hub_product_column(
    sessions: sessionmaker[Session], tenant_id: int, gid: str, column: InstrumentedAttribute[str]
) -> str | None:
    with sessions() as session:
        return session.scalar(
            select(column)
            .join(ExternalRef, ExternalRef.hub_id == Product.id)
            .where(
                ExternalRef.tenant_id == tenant_id,
                ExternalRef.entity == "product",
                ExternalRef.shopify_gid == gid,
            )
        )


def hub_view(sessions: sessionmaker[Session], tenant_id: int) -> dict[str, dict[Any, Any]]:
    """The tenant's synced data keyed by Shopify identity (GID, UPC, warehouse code), free of
    hub row ids and timestamps, so two hubs synced from one shop can be compared."""

    def by_ref(entity: str, model: Any, *columns: Any) -> dict[Any, Any]:
        with sessions() as session:
            found = session.execute(
                select(ExternalRef.shopify_gid, *columns)
                .join(model, model.id == ExternalRef.hub_id)
                .where(ExternalRef.tenant_id == tenant_id, ExternalRef.entity == entity)
            )
            return {row[0]: tuple(row[1:]) for row in found}

    with sessions() as session:
        variants = {
            row[0]: tuple(row[1:])
            for row in session.execute(
                select(
                    Variant.upc,
                    Variant.title,
                    Variant.retail_price,
                    Variant.barcode,
                    Variant.archived_at.is_(None),
                ).where(Variant.tenant_id == tenant_id)
            )
        }
        stock = {
            (upc, code, bucket): quantity
            for upc, code, bucket, quantity in session.execute(
                select(Variant.upc, Warehouse.code, InventoryLevel.bucket, InventoryLevel.quantity)
                .join(Variant, Variant.id == InventoryLevel.variant_id)
                .join(Warehouse, Warehouse.id == InventoryLevel.warehouse_id)
                .where(InventoryLevel.tenant_id == tenant_id)
            )
        }
    return {
        "products": by_ref(
            "product",
            Product,
            Product.title,
            Product.handle,
            Product.status,
            Product.vendor,
            Product.tags,
        ),
        "variants": variants,
        "customers": by_ref(
            "customer",
            Customer,
            Customer.email,
            Customer.first_name,
            Customer.last_name,
            Customer.tags,
            Customer.archived_at.is_(None),
        ),
        "stock": stock,
    }


def reference_view(
    sessions: sessionmaker[Session], tenant_id: int, tmp_path: Path
) -> dict[str, dict[Any, Any]]:
    """What a hub holds after one full sync of the tenant's shop as it is now (a ``hub_view``
    of a fresh SQLite hub in ``tmp_path``)."""
    with sessions() as session:
        tenant = session.get_one(Tenant, tenant_id)
    engine = init_db(f"sqlite:///{tmp_path / f'reference-{tenant.name}.db'}")
    reference = session_factory(engine)
    with reference.begin() as session:
        copy = add_tenant(
            session,
            tenant.name,
            shop=tenant.shop_domain,
            token_env=tenant.token_env,
            secret_env=tenant.secret_env or "",
            api_url=tenant.api_url,
        )
        copy_id = copy.id
    for result in run_for_tenant(reference, tenant.name, list(FLOW_SPECS.values())):
        assert result.status == "succeeded", result.error
    view = hub_view(reference, copy_id)
    engine.dispose()
    return view
