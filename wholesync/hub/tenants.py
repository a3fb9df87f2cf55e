"""Tenants: create, find, list, and store their settings. Secrets are only ever named."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .errors import INVALID_TENANT, TENANT_EXISTS, TENANT_NOT_FOUND, HubError
from .models import AuthMode, Tenant

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_ENV_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")
# Shopify token and secret prefixes (shpat_, shpss_, ...): a value, not a variable name.
_SECRET = re.compile(r"shp[a-z]{2}_", re.IGNORECASE)
_DOMAIN = re.compile(
    r"(?=.{1,255}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+"
)


def create_tenant(
    session: Session,
    name: str,
    shop_domain: str,
    *,
    auth_mode: str = AuthMode.TOKEN,
    token_env: str | None = None,
    client_id_env: str | None = None,
    secret_env: str | None = None,
    api_url: str | None = None,
    settings: Mapping[str, Any] | None = None,
) -> Tenant:
    """Add a tenant (flushed, not committed). ``*_env`` name environment variables."""
    _check(
        _NAME.fullmatch(name) is not None,
        f"Tenant name {name!r} is not allowed.",
        "Use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit.",
    )
    domain = shop_domain.strip().lower()
    _check(
        _DOMAIN.fullmatch(domain) is not None,
        f"{shop_domain!r} is not a shop domain.",
        "Give the store's domain, e.g. my-brand.myshopify.com (no https://, no path).",
    )
    _check(
        auth_mode in tuple(AuthMode),
        f"Unknown auth mode {auth_mode!r}.",
        "Use 'token' (Admin API access token) or 'client_credentials' (Dev Dashboard app).",
    )
    if auth_mode == AuthMode.TOKEN:
        _check(
            token_env is not None,
            "A token tenant needs the token's environment variable.",
            "Pass --token-env VAR naming the variable that holds the Admin API token.",
        )
    else:
        _check(
            client_id_env is not None and secret_env is not None,
            "A client-credentials tenant needs its client id and secret variables.",
            "Pass --client-id-env VAR and --secret-env VAR.",
        )
    for option, env in (
        ("token_env", token_env),
        ("client_id_env", client_id_env),
        ("secret_env", secret_env),
    ):
        # The value is not echoed: a mistake here may well be the secret itself.
        _check(
            env is None or (_ENV_VAR.fullmatch(env) is not None and not _SECRET.match(env)),
            f"{option} must be the name of an environment variable.",
            "Name the variable (e.g. SHOPIFY_TOKEN) holding the secret, never the secret itself.",
        )
    _check(
        api_url is None or api_url.startswith(("https://", "http://")),
        f"API URL {api_url!r} must start with https:// or http://.",
        "Give the base URL only, e.g. http://127.0.0.1:8765 for the simulator.",
    )
    if find_tenant(session, name) is not None:
        raise _exists(name)
    tenant = Tenant(
        name=name,
        shop_domain=domain,
        auth_mode=str(auth_mode),
        token_env=token_env,
        client_id_env=client_id_env,
        secret_env=secret_env,
        api_url=api_url.rstrip("/") if api_url else None,
        settings=dict(settings or {}),
        enabled=True,
    )
    try:
        # A savepoint, so losing a race to another writer leaves the caller's session usable.
        with session.begin_nested():
            session.add(tenant)
    except IntegrityError as exc:
        raise _exists(name) from exc
    return tenant


def find_tenant(session: Session, name: str) -> Tenant | None:
    return session.scalar(select(Tenant).where(Tenant.name == name))


def get_tenant(session: Session, name: str) -> Tenant:
    """The tenant called ``name``, or a TENANT_NOT_FOUND error listing the known ones."""
    tenant = find_tenant(session, name)
    if tenant is None:
        known = ", ".join(t.name for t in list_tenants(session)) or "none yet"
        raise HubError(
            TENANT_NOT_FOUND,
            f"No tenant named {name!r} (known: {known}).",
            "Check the name with `wholesync tenants list`, or add it with `wholesync tenants add`.",
        )
    return tenant


def list_tenants(session: Session) -> list[Tenant]:
    return list(session.scalars(select(Tenant).order_by(Tenant.name)))


def update_settings(tenant: Tenant, settings: Mapping[str, Any]) -> None:
    """Replace the tenant's settings; the sync layer validates them before calling this."""
    # A new dict object, so SQLAlchemy sees the change (it does not track in-place edits).
    tenant.settings = dict(settings)


def _check(ok: bool, message: str, fix: str) -> None:
    if not ok:
        raise HubError(INVALID_TENANT, message, fix)


def _exists(name: str) -> HubError:
    return HubError(
        TENANT_EXISTS,
        f"A tenant named {name!r} already exists.",
        "Pick another name, or change the existing one with `wholesync tenants set`.",
    )
