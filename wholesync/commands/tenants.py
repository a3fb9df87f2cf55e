"""``wholesync tenants``: add, list, show and configure tenants (brands with their store),
export and import their settings as TOML, connect their webhooks and rotate their secret."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.table import Table

from wholesync.commands.common import console, fail, print_json, session_scope
from wholesync.shopify import ShopifyError
from wholesync.sync import settings_toml, subscriptions
from wholesync.sync import tenants as service
from wholesync.sync.settings_check import SettingsProblems, replace_settings

app = typer.Typer(help="Add, list and configure tenants.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="A short name for the brand.")],
    shop: Annotated[str, typer.Option(help="The store, e.g. acme.myshopify.com.")],
    secret_env: Annotated[
        str,
        typer.Option(help="Variable holding the app's secret (client secret / webhook secret)."),
    ],
    token_env: Annotated[
        str | None, typer.Option(help="Variable holding a custom app's Admin API token.")
    ] = None,
    client_id_env: Annotated[
        str | None, typer.Option(help="Variable holding a Dev Dashboard app's client id.")
    ] = None,
    api_url: Annotated[
        str | None, typer.Option(help="Base URL instead of https://SHOP (e.g. the simulator).")
    ] = None,
    previous_secret_env: Annotated[
        str | None,
        typer.Option(help="Variable holding a rotated-out secret, still accepted on webhooks."),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Add a tenant. Secrets are named by environment variable, never given in clear."""
    with session_scope() as sessions, sessions.begin() as session:
        tenant = service.add_tenant(
            session,
            name,
            shop=shop,
            secret_env=secret_env,
            token_env=token_env,
            client_id_env=client_id_env,
            api_url=api_url,
            previous_secret_env=previous_secret_env,
        )
        described = service.describe(tenant)
    if json:
        print_json(described)
    else:
        console.print(
            f"Added tenant [bold]{name}[/] for {described['shop_domain']} "
            f"({described['auth_mode']}). Run `wholesync sync all --tenant {name} --full` next."
        )


@app.command("list")
def list_(json: JsonOption = False) -> None:
    """List the tenants."""
    with session_scope() as sessions, sessions() as session:
        rows = [service.describe(t) for t in service.list_tenants(session)]
    if json:
        print_json([{k: v for k, v in row.items() if k != "settings"} for row in rows])
        return
    table = Table(title="Tenants")
    for column in ("name", "shop", "auth", "credentials from", "enabled"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["name"],
            row["shop_domain"],
            row["auth_mode"],
            ", ".join(_variables(row)),
            "yes" if row["enabled"] else "no",
        )
    console.print(table)


@app.command("show")
def show(name: str, json: JsonOption = False) -> None:
    """Show a tenant and all of its settings."""
    with session_scope() as sessions, sessions() as session:
        tenant = service.get_tenant(session, name)
        row = service.describe(tenant)
        flat = service.tenant_settings(tenant).as_flat_dict()
    if json:
        print_json(row)
        return
    table = Table(title=f"Tenant {name}", show_header=False)
    for key in ("shop_domain", "api_url", "auth_mode", "enabled", "callback_url"):
        table.add_row(key, str(row[key]))
    table.add_row("credentials from", ", ".join(_variables(row)))
    for key, value in flat.items():
        table.add_row(key, orjson.dumps(value).decode() if not isinstance(value, str) else value)
    console.print(table)


@app.command("set")
def set_(
    name: str,
    key: Annotated[str, typer.Argument(help="Setting, dotted for nested ones: image_mode.")],
    value: Annotated[str, typer.Argument(help="New value; JSON for lists, maps, numbers.")],
    json: JsonOption = False,
) -> None:
    """Change one setting; an invalid value is refused and nothing changes."""
    with session_scope() as sessions, sessions.begin() as session:
        settings = service.set_setting(session, name, key, value)
    if json:
        print_json(settings.model_dump(mode="json"))
    else:
        console.print(f"{name}: {key} = {value}")


@app.command("export")
def export(
    name: str,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE instead of printing.")
    ] = None,
) -> None:
    """Export all of a tenant's settings as TOML (secrets are never part of them)."""
    with session_scope() as sessions, sessions() as session:
        settings = service.tenant_settings(service.get_tenant(session, name))
    text = settings_toml.to_toml(name, settings)
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail("CANNOT_WRITE", f"Cannot write {output}: {exc.strerror}; choose another --output.")
    console.print(f"Settings of {name} written to {output}.", highlight=False)


@app.command("import")
def import_(
    name: str,
    file: Annotated[Path, typer.Argument(help="A TOML file made by `tenants export`.")],
) -> None:
    """Replace a tenant's settings with FILE's; nothing changes when any value is invalid."""
    try:
        settings = settings_toml.from_toml(file.read_text(encoding="utf-8"))
    except OSError as exc:
        fail("CANNOT_READ", f"Cannot read {file}: {exc.strerror}; give the path of a TOML file.")
    except UnicodeDecodeError:
        fail("INVALID_SETTING", f"{file} is not UTF-8 text; give the TOML file as exported.")
    except SettingsProblems as exc:
        fail(
            exc.code,
            f"{file} was not imported; nothing changed. Fix these and retry:\n"
            + "\n".join(f"  {problem}" for problem in exc.problems),
        )
    with session_scope() as sessions, sessions.begin() as session:
        replace_settings(service.get_tenant(session, name), settings.model_dump(mode="json"))
    console.print(f"Settings of {name} imported from {file}.", highlight=False)


@app.command("connect")
def connect(
    name: str,
    callback_url: Annotated[
        str,
        typer.Option(
            help="Where Shopify delivers webhooks: the public https address of `wholesync "
            "serve`, e.g. https://sync.example.com/webhooks/shopify (an origin alone gets "
            "that path)."
        ),
    ],
    json: JsonOption = False,
) -> None:
    """Subscribe the store's webhooks to CALLBACK_URL; safe to repeat (what exists is kept)."""
    with session_scope() as sessions, sessions() as session:
        tenant = service.get_tenant(session, name)
        # No transaction stays open while Shopify is called: on SQLite one that read before a
        # running service committed could not write the callback URL afterwards.
        session.commit()
        try:
            with service.build_client(tenant) as client:
                report = subscriptions.connect(session, tenant, client, callback_url)
        except ShopifyError as exc:
            fail(exc.code, str(exc))
        session.commit()
    if json:
        print_json(report.as_dict())
        return
    table = Table(title=f"Webhooks of {name} -> {report.callback_url}")
    for column in ("topic", "subscription"):
        table.add_column(column)
    for topic, status, _ in report.rows():
        table.add_row(topic, status)
    console.print(table)
    console.print(
        f"{len(report.created)} created, {len(report.kept)} kept, "
        f"{len(report.removed)} replaced. Each scheduled reconcile repairs them."
    )


@app.command("rotate-secret")
def rotate_secret(
    name: str,
    secret_env: Annotated[
        str | None,
        typer.Option(help="Variable holding the new secret; the current one becomes previous."),
    ] = None,
    drop_previous: Annotated[
        bool,
        typer.Option(
            "--drop-previous", help="Stop accepting the previous secret (once Shopify has)."
        ),
    ] = False,
    json: JsonOption = False,
) -> None:
    """Rotate the app secret: webhooks signed with either secret are accepted until the
    previous one is dropped."""
    with session_scope() as sessions, sessions.begin() as session:
        tenant = service.rotate_secret(
            session, name, secret_env=secret_env, drop_previous=drop_previous
        )
        row = service.describe(tenant)
    if json:
        print_json({k: v for k, v in row.items() if k != "settings"})
        return
    previous = row["previous_secret_env"]
    console.print(
        f"{name}: secret from ${row['secret_env']}"
        + (f", previous secret from ${previous} still accepted." if previous else ".")
    )


def _variables(row: dict[str, Any]) -> list[str]:
    keys = ("token_env", "client_id_env", "secret_env", "previous_secret_env")
    return [f"${row[key]}" for key in keys if row.get(key)]
