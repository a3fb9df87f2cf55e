"""``wholesync demo``: the whole product in one command, against the bundled Shopify simulator.

It seeds a simulated apparel store, connects a demo tenant to it (an admin user, webhooks
delivered to the integration center the demo serves), brings everything into a demo hub, takes
twenty wholesale orders (three with a problem) and exports them, then serves the integration
center while a busy merchant keeps changing the store, until Ctrl-C.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import make_url

from wholesync.commands.common import EXIT_FAILED, console, errors, session_scope
from wholesync.commands.database import init
from wholesync.commands.demo_orders import show_orders, take_orders, unexpected
from wholesync.commands.demo_serve import check_port, check_sign_in, keep_serving, serving
from wholesync.commands.sync import ALL, sync
from wholesync.commands.tenants import connect
from wholesync.commands.worker import runtime_scope
from wholesync.hub import users
from wholesync.settings import Settings
from wholesync.simulator.control import ShopSpec, create_shop
from wholesync.simulator.server import RunningSimulator, start_in_thread
from wholesync.sync import tenants as service
from wholesync.web.app import create_app

TENANT, TOKEN, ADMIN = "demo", "shpat_demo", "admin@demo.example"
TOKEN_ENV = "WHOLESYNC_DEMO_TOKEN"
SECRET_ENV = "WHOLESYNC_DEMO_SECRET"
# The demo keeps its own database and queue, made afresh on each run, unless the user names
# others in WHOLESYNC_DATABASE_URL and WHOLESYNC_QUEUE_URL.
DEMO_DATABASE = "sqlite:///wholesync-demo.db"
DEMO_QUEUE = "sqlite:///wholesync-demo-queue.sqlite3"
STORE = ShopSpec(shop=TENANT, token=TOKEN, seed=1, products=300, customers=100, locations=3)


def demo(
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Integration center port (0: any free port).")
    ] = 8000,
    simulator_port: Annotated[
        int, typer.Option(min=0, max=65535, help="Shopify simulator port (0: any free port).")
    ] = 8765,
    exit_after_sync: Annotated[
        bool,
        typer.Option(
            "--exit-after-sync",
            help="Stop after the order summary and a sign-in check; exit 1 if anything but the "
            "three intended order problems failed (for CI).",
        ),
    ] = False,
    busy_every: Annotated[
        float, typer.Option(min=0.1, help="Seconds between the busy merchant's actions.")
    ] = 2.0,
) -> None:
    """Sync a simulated store into a demo hub, export wholesale orders, and serve the
    integration center while the merchant keeps busy."""
    started = time.perf_counter()
    simulator_port = 0 if exit_after_sync else simulator_port
    check_port(port, "--port")
    check_port(simulator_port, "--simulator-port")
    _use_demo_files()
    running = start_in_thread(port=simulator_port, allow_http_callbacks=True, seed=1)
    try:
        _open_store(running)
        init()
        password = _add_tenant_and_admin(running)
        with runtime_scope(Settings()) as runtime, serving(create_app(runtime), port) as url:
            connect(TENANT, callback_url=url, json=False)
            problems = _tour()
            console.print(
                f"The tour took {time.perf_counter() - started:.1f} s from start to summary.",
                highlight=False,
            )
            failed_sign_in = check_sign_in(url, ADMIN, password)
            if failed_sign_in is not None:
                problems.append(failed_sign_in)
            for problem in problems:
                errors.print(f"[bold red]DEMO_FAILED[/]: {problem}", highlight=False)
            _sign_in_at(url, password)
            if exit_after_sync:
                _finish(problems, started)
                return
            console.print(
                f"A busy merchant now edits prices, moves stock and takes online orders in the "
                f"simulated store ({running.url}, token {TOKEN}); its webhooks reach the hub "
                "and the dashboard moves. Ctrl-C stops the demo.",
                highlight=False,
            )
            keep_serving(runtime, f"{running.url}/__sim/shops/{TENANT}", busy_every)
    finally:
        running.stop()
    console.print("Stopped.")


def _use_demo_files() -> None:
    """Point the settings at the demo's own database and queue, removing the last run's."""
    for variable, default in (
        ("WHOLESYNC_DATABASE_URL", DEMO_DATABASE),
        ("WHOLESYNC_QUEUE_URL", DEMO_QUEUE),
    ):
        if variable in os.environ:
            continue
        os.environ[variable] = default
        database = make_url(default).database
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    # Worker chatter would bury the walkthrough; WHOLESYNC_LOG_LEVEL=INFO brings it back.
    os.environ.setdefault("WHOLESYNC_LOG_LEVEL", "WARNING")


def _open_store(running: RunningSimulator) -> None:
    shop = create_shop(running.sim, STORE)
    os.environ[TOKEN_ENV] = TOKEN
    os.environ[SECRET_ENV] = shop.webhook_secret
    console.rule(
        f"Simulated apparel store {shop.domain}: {STORE.products} products, "
        f"{STORE.customers} customers, {STORE.locations} locations"
    )


def _add_tenant_and_admin(running: RunningSimulator) -> str:
    """The demo tenant on the simulated store and its admin's new password."""
    with session_scope() as sessions, sessions.begin() as session:
        tenant = service.find_tenant(session, TENANT)
        if tenant is None:
            tenant = service.add_tenant(
                session,
                TENANT,
                shop=f"{TENANT}.myshopify.com",
                token_env=TOKEN_ENV,
                secret_env=SECRET_ENV,
                api_url=running.url,
            )
        tenant.api_url = running.url
        session.flush()
        if any(user.email == ADMIN for user in users.list_users(session, tenant.id)):
            password = users.set_password(session, ADMIN)
        else:
            _, password = users.create_user(session, tenant.id, ADMIN, "admin")
    console.print(f"Tenant [bold]{TENANT}[/] with admin user {ADMIN} ready.", highlight=False)
    return password


def _tour() -> list[str]:
    """The first sync and the wholesale orders; what went wrong that was not meant to."""
    console.rule("First sync: everything, by bulk operation")
    _sync(ALL, full=True)
    console.rule("Wholesale orders: twenty taken and approved in the hub, exported to Shopify")
    with session_scope() as sessions:
        with sessions.begin() as session:
            planned = take_orders(session, TENANT)
        _sync("orders_export", full=False)
        with sessions() as session:
            show_orders(session, planned)
            problems = unexpected(session, planned)
    failing = sum(code is not None for code in planned.values())
    console.print(
        f"{len(planned) - failing} orders are in Shopify; {failing} failed as meant, each "
        "with the fix: correct it and re-export it from the Orders page.",
        highlight=False,
    )
    return problems


def _sync(target: str, *, full: bool) -> None:
    try:
        sync(target, tenant=TENANT, full=full, preview=False, json=False)
    except typer.Exit as exit_:
        if exit_.exit_code:
            raise


def _sign_in_at(url: str, password: str) -> None:
    console.rule("The integration center")
    console.print(f"Open {url} and sign in as {ADMIN}", highlight=False, soft_wrap=True)
    console.print(f"password: {password}", highlight=False, soft_wrap=True)


def _finish(problems: list[str], started: float) -> None:
    """End of ``--exit-after-sync``: exit 1 when anything but the intended problems failed."""
    if problems:
        raise typer.Exit(EXIT_FAILED)
    took = time.perf_counter() - started
    console.print(f"Sign-in checked; the demo ran in {took:.1f} s in all.", highlight=False)
