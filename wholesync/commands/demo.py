"""``wholesync demo``: the product end to end against the bundled Shopify simulator.

It seeds a simulated store, brings its catalog, customers and stock into a demo hub, then acts
as the merchant (untags a product) and syncs again, so every step shows a run. Last, it takes
a few wholesale orders in the hub and exports them to the store.
"""

from __future__ import annotations

import os
import time
from typing import Annotated

import httpx
import typer

from wholesync.commands.common import console, session_scope
from wholesync.commands.database import init
from wholesync.commands.demo_orders import show_orders, take_orders
from wholesync.commands.sync import ALL, sync
from wholesync.simulator.control import ShopSpec, create_shop
from wholesync.simulator.server import RunningSimulator, start_in_thread
from wholesync.sync import tenants as service

TOKEN_ENV = "WHOLESYNC_DEMO_TOKEN"
SECRET_ENV = "WHOLESYNC_DEMO_SECRET"
DEMO_DATABASE = "sqlite:///wholesync-demo.db"


def demo(
    once: Annotated[bool, typer.Option(help="Run the walkthrough and exit.")] = False,
    port: Annotated[int, typer.Option(help="Simulator port (0: any free port).")] = 8765,
) -> None:
    """Sync a simulated store into a demo hub, edit it as the merchant, and sync again."""
    # The demo keeps its own database unless the user names one.
    os.environ.setdefault("WHOLESYNC_DATABASE_URL", DEMO_DATABASE)
    running = start_in_thread(port=0 if once else port, allow_http_callbacks=True, seed=1)
    try:
        _walkthrough(running)
        if once:
            return
        console.print(
            f"\nThe simulator keeps serving on {running.url} (token shpat_demo); try "
            "`wholesync sync all --tenant demo` in another shell after setting "
            f"{TOKEN_ENV}=shpat_demo and {SECRET_ENV}. Ctrl-C to stop."
        )
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()


def _walkthrough(running: RunningSimulator) -> None:
    spec = ShopSpec(
        shop="demo", token="shpat_demo", seed=1, products=300, customers=100, locations=3
    )
    shop = create_shop(running.sim, spec)
    os.environ[TOKEN_ENV] = "shpat_demo"
    os.environ[SECRET_ENV] = shop.webhook_secret
    console.rule(f"Simulated store {shop.domain}: 300 products, 100 customers, 3 locations")
    init()
    with session_scope() as sessions, sessions.begin() as session:
        if service.find_tenant(session, "demo") is None:
            service.add_tenant(
                session,
                "demo",
                shop=shop.domain,
                token_env=TOKEN_ENV,
                secret_env=SECRET_ENV,
                api_url=running.url,
            )
        else:
            service.get_tenant(session, "demo").api_url = running.url
    console.rule("First sync: everything, by bulk operation")
    _sync(full=True)
    product = _merchant_untags_a_product(running)
    console.rule(f"The merchant removed the sync tag from {product!r}; incremental sync")
    _sync(full=False)
    console.rule("Wholesale orders: taken and approved in the hub, exported to Shopify")
    with session_scope() as sessions:
        with sessions.begin() as session:
            taken = take_orders(session, "demo")
        _sync(target="orders_export", full=False)
        with sessions() as session:
            show_orders(session, taken)


def _merchant_untags_a_product(running: RunningSimulator) -> str:
    control = f"{running.url}/__sim/shops/demo"
    products = httpx.get(f"{control}/products", timeout=30).json()
    tagged = next(p for p in products if "wholesync" in p["tags"])
    tags = [t for t in tagged["tags"] if t != "wholesync"]
    httpx.post(f"{control}/products/{tagged['id']}", json={"tags": tags}, timeout=30)
    title: str = tagged["title"]
    return title


def _sync(*, full: bool, target: str = ALL) -> None:
    try:
        sync(target, tenant="demo", full=full, preview=False, json=False)
    except typer.Exit as exit_:
        if exit_.exit_code:
            raise
