"""``wholesync apikeys``: create, list and revoke the API keys of a tenant."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from wholesync.commands.common import console, iso, print_json, session_scope, when
from wholesync.hub import apikeys as service
from wholesync.hub.models import ApiKey
from wholesync.sync.tenants import get_tenant

app = typer.Typer(help="Create, list and revoke REST API keys.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
TenantOption = Annotated[str, typer.Option(help="The tenant the key reads and writes.")]


@app.command("create")
def create(
    tenant: TenantOption,
    name: Annotated[str, typer.Option(help="A label saying who uses the key.")] = "default",
    json: JsonOption = False,
) -> None:
    """Create a key; it is printed once and only its hash is kept."""
    with session_scope() as sessions, sessions.begin() as session:
        row, key = service.create_key(session, get_tenant(session, tenant).id, name)
        described = {**_describe(row, tenant), "key": key}
    if json:
        print_json(described)
        return
    console.print(f"API key [bold]{row.prefix}[/] ({described['name']}) for tenant {tenant}:")
    # Plain output, so the key can be copied or piped without markup.
    typer.echo(key)
    console.print("Store it now: it is not shown again. Send it as 'Authorization: Bearer KEY'.")


@app.command("list")
def list_(tenant: TenantOption, json: JsonOption = False) -> None:
    """List the tenant's keys (prefixes only; keys are never shown again)."""
    with session_scope() as sessions, sessions() as session:
        keys = service.list_keys(session, get_tenant(session, tenant).id)
    if json:
        print_json([_describe(key, tenant) for key in keys])
        return
    table = Table(title=f"API keys of {tenant}")
    for column in ("prefix", "name", "created", "last used", "revoked"):
        table.add_column(column)
    for key in keys:
        table.add_row(
            key.prefix, key.name, when(key.created_at), when(key.last_used_at), when(key.revoked_at)
        )
    console.print(table)


@app.command("revoke")
def revoke(
    prefix: Annotated[str, typer.Argument(help="The key's prefix, as `apikeys list` shows.")],
    json: JsonOption = False,
) -> None:
    """Revoke a key: requests with it get 401 from now on."""
    with session_scope() as sessions, sessions.begin() as session:
        row = service.revoke_key(session, prefix)
        described = _describe(row, None)
    if json:
        print_json(described)
    else:
        console.print(f"API key {row.prefix} ({row.name}) revoked.")


def _describe(row: ApiKey, tenant: str | None) -> dict[str, Any]:
    described: dict[str, Any] = {
        "prefix": row.prefix,
        "name": row.name,
        "created_at": iso(row.created_at),
        "last_used_at": iso(row.last_used_at),
        "revoked_at": iso(row.revoked_at),
    }
    if tenant is not None:
        described["tenant"] = tenant
    return described
