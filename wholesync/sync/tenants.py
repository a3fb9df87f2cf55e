"""Tenant configuration: add, list and change tenants, and build a Shopify client for one.

Secrets never touch the database: a tenant row names the environment variables that hold its
access token or client id and its secret, and they are read only when a client is built.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from wholesync.hub.models import AuthMode, Tenant
from wholesync.shopify import Bucket, ClientCredentials, CostThrottle, ShopifyClient, StaticToken
from wholesync.sync.settings import SettingsError, TenantSettings, load_settings

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")


class TenantError(Exception):
    """A tenant cannot be found, added or used; ``code`` names the problem, the message the fix."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _check_env_name(option: str, value: str | None) -> None:
    if value is not None and not _ENV_NAME.match(value):
        raise TenantError(
            "INVALID_TENANT",
            f"{option} takes the NAME of an environment variable (letters, digits and _), "
            f"not {value!r}; put the secret itself in that variable.",
        )


def normalise_shop(shop: str) -> str:
    """``acme``, ``acme.myshopify.com`` or ``https://acme.myshopify.com/`` -> the shop domain."""
    domain = shop.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    if "." not in domain:
        domain = f"{domain}.myshopify.com"
    if not _DOMAIN.match(domain):
        raise TenantError(
            "INVALID_TENANT",
            f"{shop!r} is not a shop domain; give the store's HANDLE.myshopify.com address.",
        )
    return domain


def add_tenant(
    session: Session,
    name: str,
    *,
    shop: str,
    secret_env: str,
    token_env: str | None = None,
    client_id_env: str | None = None,
    api_url: str | None = None,
    previous_secret_env: str | None = None,
) -> Tenant:
    """Create a tenant with default settings; exactly one of the two auth modes is named.
    ``previous_secret_env`` names a rotated-out secret still accepted on webhooks."""
    if not _NAME.match(name):
        raise TenantError(
            "INVALID_TENANT",
            f"Tenant name {name!r} must start with a letter or digit and hold only letters, "
            "digits, '_', '.' and '-' (at most 100).",
        )
    if (token_env is None) == (client_id_env is None):
        raise TenantError(
            "INVALID_TENANT",
            "Give exactly one of --token-env (a custom app's Admin API token) or "
            "--client-id-env (a Dev Dashboard app's client id).",
        )
    for option, value in (
        ("--token-env", token_env),
        ("--client-id-env", client_id_env),
        ("--secret-env", secret_env),
        ("--previous-secret-env", previous_secret_env),
    ):
        _check_env_name(option, value)
    if api_url is not None and not re.match(r"^https?://[^\s/]+", api_url):
        raise TenantError(
            "INVALID_TENANT", f"--api-url {api_url!r} must be an http(s) URL such as https://host."
        )
    if find_tenant(session, name) is not None:
        raise TenantError(
            "TENANT_EXISTS", f"A tenant named {name!r} exists already; pick another name."
        )
    tenant = Tenant(
        name=name,
        shop_domain=normalise_shop(shop),
        api_url=api_url.rstrip("/") if api_url else None,
        auth_mode=AuthMode.TOKEN if token_env else AuthMode.CLIENT_CREDENTIALS,
        token_env=token_env,
        client_id_env=client_id_env,
        secret_env=secret_env,
        previous_secret_env=previous_secret_env,
        settings=TenantSettings().model_dump(mode="json"),
        enabled=True,
    )
    session.add(tenant)
    session.flush()
    return tenant


def find_tenant(session: Session, name: str) -> Tenant | None:
    return session.scalars(select(Tenant).where(Tenant.name == name)).one_or_none()


def get_tenant(session: Session, name: str) -> Tenant:
    tenant = find_tenant(session, name)
    if tenant is None:
        known = ", ".join(session.scalars(select(Tenant.name).order_by(Tenant.name))) or "none"
        raise TenantError(
            "TENANT_NOT_FOUND",
            f"No tenant named {name!r} (known: {known}); add it with `wholesync tenants add`.",
        )
    return tenant


def list_tenants(session: Session) -> Sequence[Tenant]:
    return session.scalars(select(Tenant).order_by(Tenant.name)).all()


def tenant_settings(tenant: Tenant) -> TenantSettings:
    """The tenant's validated settings (defaults for anything not stored)."""
    try:
        return load_settings(tenant.settings)
    except SettingsError as exc:
        raise TenantError(
            SettingsError.code,
            f"Stored settings of tenant {tenant.name!r} are invalid: {exc} "
            "Fix them with `wholesync tenants set`.",
        ) from exc


def set_setting(session: Session, name: str, key: str, raw_value: str) -> TenantSettings:
    """Change one setting (dotted ``key``) after validating the whole settings model."""
    tenant = get_tenant(session, name)
    current = tenant_settings(tenant)
    try:
        updated = current.set_path(key, raw_value)
    except SettingsError as exc:
        raise TenantError(SettingsError.code, str(exc)) from exc
    tenant.settings = updated.model_dump(mode="json")
    session.flush()
    return updated


def rotate_secret(
    session: Session, name: str, *, secret_env: str | None, drop_previous: bool = False
) -> Tenant:
    """Name a new secret variable (the current one becomes the previous one, still accepted on
    webhooks while Shopify signs with it), or drop the previous one once it is retired."""
    tenant = get_tenant(session, name)
    if secret_env is None and not drop_previous:
        raise TenantError(
            "INVALID_TENANT",
            "Give --secret-env NEW_VARIABLE to rotate, or --drop-previous to retire the old one.",
        )
    if secret_env is not None:
        _check_env_name("--secret-env", secret_env)
        if secret_env == tenant.secret_env:
            raise TenantError(
                "INVALID_TENANT",
                f"{secret_env} is already the secret of tenant {name!r}; put the new secret in "
                "another variable and name that one.",
            )
        tenant.previous_secret_env, tenant.secret_env = tenant.secret_env, secret_env
    if drop_previous:
        tenant.previous_secret_env = None
    session.flush()
    return tenant


def describe(tenant: Tenant) -> dict[str, Any]:
    """What ``tenants show`` prints: everything but secret values (only their variable names)."""
    return {
        "name": tenant.name,
        "shop_domain": tenant.shop_domain,
        "api_url": tenant.api_url,
        "auth_mode": str(tenant.auth_mode),
        "token_env": tenant.token_env,
        "client_id_env": tenant.client_id_env,
        "secret_env": tenant.secret_env,
        "previous_secret_env": tenant.previous_secret_env,
        "callback_url": tenant.callback_url,
        "enabled": tenant.enabled,
        "disabled_reason": tenant.disabled_reason,
        "settings": tenant_settings(tenant).model_dump(mode="json"),
    }


def _secret(tenant: Tenant, variable: str | None, what: str, environ: Mapping[str, str]) -> str:
    value = environ.get(variable or "", "")
    if not variable or not value:
        raise TenantError(
            "AUTH_FAILED",
            f"Environment variable {variable or '(none)'} ({what} of tenant {tenant.name!r}) "
            "is not set; export it before syncing.",
        )
    return value


def build_client(
    tenant: Tenant,
    *,
    environ: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
    bucket_for: Callable[[str], Bucket] | None = None,
    **options: Any,
) -> ShopifyClient:
    """A Shopify client for the tenant, authenticated as its row says, secrets from ``environ``.

    ``bucket_for`` (shop domain -> bucket) puts the client's throttle on a bucket shared with
    other workers, such as ``RedisBucket.factory(...)``; by default it keeps its own."""
    env = os.environ if environ is None else environ
    if bucket_for is not None:
        sleep = options.get("sleep", time.sleep)
        options["throttle"] = CostThrottle(bucket_for(tenant.shop_domain), sleep=sleep)
    if tenant.auth_mode == AuthMode.CLIENT_CREDENTIALS:
        auth: StaticToken | ClientCredentials = ClientCredentials(
            _secret(tenant, tenant.client_id_env, "the client id", env),
            _secret(tenant, tenant.secret_env, "the client secret", env),
        )
    else:
        auth = StaticToken(_secret(tenant, tenant.token_env, "the Admin API token", env))
    return ShopifyClient(
        tenant.shop_domain, auth, base_url=tenant.api_url, transport=transport, **options
    )
