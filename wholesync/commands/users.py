"""``wholesync users``: the people who sign in to the integration center."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table

from wholesync.commands.common import console, iso, print_json, session_scope
from wholesync.hub import users as service
from wholesync.hub.models import Tenant
from wholesync.sync.tenants import get_tenant

app = typer.Typer(help="Create and list integration center users.", no_args_is_help=True)

PASSWORD_ENV = "WHOLESYNC_NEW_PASSWORD"
PasswordOption = Annotated[
    bool,
    typer.Option(
        "--password-from-env",
        help=f"Take the password from ${PASSWORD_ENV} instead of generating one.",
    ),
]


@app.command("create")
def create(
    email: Annotated[str, typer.Argument(help="The sign-in e-mail.")],
    tenant: Annotated[str, typer.Option(help="The tenant (brand) the user works for.")],
    role: Annotated[
        str, typer.Option(help="admin (changes settings) or operator (runs and re-exports).")
    ] = "operator",
    password_from_env: PasswordOption = False,
    json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create a user; a generated password is printed once."""
    given = os.environ.get(PASSWORD_ENV) if password_from_env else None
    with session_scope() as sessions, sessions.begin() as session:
        user, password = service.create_user(
            session, get_tenant(session, tenant).id, email, role, given
        )
        described = {"email": user.email, "role": user.role, "tenant": tenant}
    if json:
        print_json({**described, "password": None if given else password})
        return
    console.print(f"User [bold]{user.email}[/] ({user.role}) of tenant {tenant} created.")
    if given is None:
        typer.echo(f"password: {password}")
        console.print("Store it now: it is not shown again.")


@app.command("list")
def list_(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's users.")] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List users (never their passwords)."""
    with session_scope() as sessions, sessions() as session:
        tenant_id = get_tenant(session, tenant).id if tenant else None
        names = dict(session.query(Tenant.id, Tenant.name).all())
        rows = [
            {
                "email": u.email,
                "role": u.role,
                "tenant": names[u.tenant_id],
                "last_login_at": iso(u.last_login_at),
                "disabled_at": iso(u.disabled_at),
            }
            for u in service.list_users(session, tenant_id)
        ]
    if json:
        print_json(rows)
        return
    table = Table(title="Users")
    for column in ("email", "role", "tenant", "last login"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["email"], row["role"], row["tenant"], row["last_login_at"] or "never")
    console.print(table)


@app.command("set-password")
def set_password(
    email: Annotated[str, typer.Argument(help="The user's sign-in e-mail.")],
    password_from_env: PasswordOption = False,
) -> None:
    """Replace a user's password and sign them out everywhere."""
    given = os.environ.get(PASSWORD_ENV) if password_from_env else None
    with session_scope() as sessions, sessions.begin() as session:
        password = service.set_password(session, email, given)
    console.print(f"Password of {email} replaced; their sessions are closed.")
    if given is None:
        typer.echo(f"password: {password}")
