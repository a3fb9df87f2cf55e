"""The ``wholesync`` command line."""

from __future__ import annotations

import time
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from .commands import apikeys, database, demo, sync, tenants, users
from .commands import jobs as jobs_command
from .commands import notify as notify_command
from .commands import serve as serve_command
from .commands import worker as worker_command
from .simulator.app import Simulator, create_app
from .simulator.control import ShopSpec, create_shop

app = typer.Typer(help="Wholesync: Shopify <-> B2B wholesale sync.", no_args_is_help=True)
app.command("init")(database.init)
app.add_typer(tenants.app, name="tenants")
app.add_typer(apikeys.app, name="apikeys")
app.add_typer(users.app, name="users")
app.command("sync")(sync.sync)
app.command("demo")(demo.demo)
app.command("serve")(serve_command.serve)
app.command("worker")(worker_command.worker)
app.command("jobs")(jobs_command.jobs)
app.add_typer(notify_command.app, name="notify")
console = Console()

PLANS_HELP = "Rate-limit preset: standard (100/s, 2,000 bucket) or plus (1,000/s, 20,000)."


@app.callback()
def main() -> None:
    """Wholesync command line."""


@app.command()
def simulator(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    shop: Annotated[
        str, typer.Option(help="Shop handle; the domain is HANDLE.myshopify.com.")
    ] = "demo",
    token: Annotated[str, typer.Option(help="Admin API access token for the shop.")] = "shpat_demo",
    seed: Annotated[int, typer.Option(help="Seed; the same seed gives the same shop.")] = 1,
    products: Annotated[int, typer.Option(min=0)] = 300,
    customers: Annotated[int, typer.Option(min=0)] = 100,
    locations: Annotated[int, typer.Option(min=1)] = 3,
    plan: Annotated[str, typer.Option(help=PLANS_HELP)] = "standard",
    allow_http_callbacks: Annotated[
        bool, typer.Option(help="Deliver webhooks to plain-http loopback URLs (tests, demo).")
    ] = False,
) -> None:
    """Serve a seeded Shopify store simulator until stopped."""
    sim = Simulator(
        allow_http_callbacks=allow_http_callbacks, seed=seed, base_url=f"http://{host}:{port}"
    )
    spec = ShopSpec(
        shop=shop,
        token=token,
        seed=seed,
        products=products,
        customers=customers,
        locations=locations,
        plan=plan,
    )
    started = time.perf_counter()
    created = create_shop(sim, spec)
    elapsed = time.perf_counter() - started
    table = Table(title=f"Shopify simulator on http://{host}:{port}", show_header=False)
    table.add_row("shop domain", created.domain)
    table.add_row("access token", token)
    table.add_row("webhook secret", created.webhook_secret)
    table.add_row("client id", created.client_id)
    table.add_row("Admin GraphQL", f"http://{host}:{port}/admin/api/2026-07/graphql.json")
    table.add_row(
        "seeded",
        f"{products} products, {customers} customers, {locations} locations in {elapsed:.1f} s",
    )
    console.print(table)
    uvicorn.run(create_app(sim), host=host, port=port, log_level="warning")


if __name__ == "__main__":
    app()
