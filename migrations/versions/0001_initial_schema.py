"""Initial hub schema: tenants, catalog, customers, inventory, external references, sync runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Written out here rather than imported from the models, so the revision stays as it was when
the models change; tests/hub/test_migrations.py proves it matches the models exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# BIGINT on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)
MONEY = sa.Numeric(precision=12, scale=2)

TABLES = (
    "tenants",
    "products",
    "variants",
    "product_images",
    "customers",
    "addresses",
    "buyers",
    "warehouses",
    "inventory_levels",
    "external_refs",
    "sync_runs",
    "sync_records",
)


def _id() -> sa.Column[int]:
    return sa.Column("id", ID, nullable=False)


def _tenant(table: str) -> tuple[sa.Column[int], sa.ForeignKeyConstraint]:
    column = sa.Column("tenant_id", ID, nullable=False)
    fk = sa.ForeignKeyConstraint(
        ["tenant_id"],
        ["tenants.id"],
        name=op.f(f"fk_{table}_tenant_id_tenants"),
        ondelete="CASCADE",
    )
    return column, fk


def _parent(
    table: str, column: str, parent: str, ondelete: str = "CASCADE", nullable: bool = False
) -> tuple[sa.Column[int], sa.ForeignKeyConstraint]:
    fk = sa.ForeignKeyConstraint(
        [column], [f"{parent}.id"], name=op.f(f"fk_{table}_{column}_{parent}"), ondelete=ondelete
    )
    return sa.Column(column, ID, nullable=nullable), fk


def _timestamps() -> tuple[sa.Column[Any], sa.Column[Any]]:
    return (
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
    )


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}"))


def _index(table: str, *columns: str) -> None:
    op.create_index(op.f(f"ix_{table}_{'_'.join(columns)}"), table, list(columns))


def _check(table: str, name: str, column: str, values: Sequence[str]) -> sa.CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({quoted})", name=op.f(f"ck_{table}_{name}"))


def _unique(table: str, *columns: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint(*columns, name=op.f(f"uq_{table}_{'_'.join(columns)}"))


def upgrade() -> None:
    op.create_table(
        "tenants",
        _id(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("shop_domain", sa.String(255), nullable=False),
        sa.Column("api_url", sa.String(2048), nullable=True),
        sa.Column("auth_mode", sa.String(32), nullable=False),
        sa.Column("token_env", sa.String(255), nullable=True),
        sa.Column("client_id_env", sa.String(255), nullable=True),
        sa.Column("secret_env", sa.String(255), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        *_timestamps(),
        _pk("tenants"),
        _check("tenants", "auth_mode", "auth_mode", ("token", "client_credentials")),
        _unique("tenants", "name"),
    )

    op.create_table(
        "products",
        _id(),
        *_tenant("products"),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("handle", sa.String(255), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=True),
        sa.Column("vendor", sa.String(255), nullable=True),
        sa.Column("product_type", sa.String(255), nullable=True),
        sa.Column("online_store_url", sa.String(2048), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("archived_at", TIMESTAMP, nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("collections", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("custom_fields", sa.JSON(), nullable=False),
        sa.Column("prebook", sa.Boolean(), nullable=False),
        sa.Column("available_from", sa.Date(), nullable=True),
        sa.Column("available_to", sa.Date(), nullable=True),
        *_timestamps(),
        _pk("products"),
        _check("products", "status", "status", ("active", "archived")),
    )
    _index("products", "tenant_id")

    op.create_table(
        "variants",
        _id(),
        *_tenant("variants"),
        *_parent("variants", "product_id", "products"),
        sa.Column("upc", sa.String(255), nullable=False),
        sa.Column("sku", sa.String(255), nullable=True),
        sa.Column("barcode", sa.String(255), nullable=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("option_values", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retail_price", MONEY, nullable=False),
        sa.Column("wholesale_price", MONEY, nullable=True),
        sa.Column("weight", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.Column("weight_unit", sa.String(16), nullable=True),
        sa.Column("image_url", sa.String(2048), nullable=True),
        sa.Column("custom_fields", sa.JSON(), nullable=False),
        sa.Column("archived_at", TIMESTAMP, nullable=True),
        *_timestamps(),
        _pk("variants"),
        _unique("variants", "tenant_id", "upc"),
    )
    _index("variants", "tenant_id")
    _index("variants", "product_id")

    op.create_table(
        "product_images",
        _id(),
        *_tenant("product_images"),
        *_parent("product_images", "product_id", "products"),
        *_parent("product_images", "variant_id", "variants", ondelete="SET NULL", nullable=True),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("alt", sa.String(512), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        *_timestamps(),
        _pk("product_images"),
    )
    _index("product_images", "tenant_id")
    _index("product_images", "product_id")
    _index("product_images", "variant_id")

    op.create_table(
        "customers",
        _id(),
        *_tenant("customers"),
        sa.Column("customer_code", sa.String(100), nullable=False),
        sa.Column("company", sa.String(255), nullable=True),
        sa.Column("first_name", sa.String(255), nullable=True),
        sa.Column("last_name", sa.String(255), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("phone", sa.String(64), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("custom_fields", sa.JSON(), nullable=False),
        sa.Column("archived_at", TIMESTAMP, nullable=True),
        *_timestamps(),
        _pk("customers"),
        _unique("customers", "tenant_id", "customer_code"),
    )
    _index("customers", "tenant_id")
    _index("customers", "tenant_id", "email")

    op.create_table(
        "addresses",
        _id(),
        *_tenant("addresses"),
        *_parent("addresses", "customer_id", "customers"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("company", sa.String(255), nullable=True),
        sa.Column("first_name", sa.String(255), nullable=True),
        sa.Column("last_name", sa.String(255), nullable=True),
        sa.Column("address1", sa.String(255), nullable=True),
        sa.Column("address2", sa.String(255), nullable=True),
        sa.Column("city", sa.String(255), nullable=True),
        sa.Column("province", sa.String(255), nullable=True),
        sa.Column("province_code", sa.String(16), nullable=True),
        sa.Column("country", sa.String(255), nullable=True),
        sa.Column("country_code", sa.String(16), nullable=True),
        sa.Column("zip", sa.String(32), nullable=True),
        sa.Column("phone", sa.String(64), nullable=True),
        *_timestamps(),
        _pk("addresses"),
        _check("addresses", "kind", "kind", ("billing", "shipping")),
    )
    _index("addresses", "tenant_id")
    _index("addresses", "customer_id")

    op.create_table(
        "buyers",
        _id(),
        *_tenant("buyers"),
        *_parent("buyers", "customer_id", "customers"),
        sa.Column("code", sa.String(100), nullable=False),
        sa.Column("first_name", sa.String(255), nullable=True),
        sa.Column("last_name", sa.String(255), nullable=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("archived_at", TIMESTAMP, nullable=True),
        *_timestamps(),
        _pk("buyers"),
        _unique("buyers", "tenant_id", "code"),
    )
    _index("buyers", "tenant_id")
    _index("buyers", "customer_id")
    _index("buyers", "tenant_id", "email")

    op.create_table(
        "warehouses",
        _id(),
        *_tenant("warehouses"),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("shopify_location_gid", sa.String(255), nullable=True),
        *_timestamps(),
        _pk("warehouses"),
        _unique("warehouses", "tenant_id", "code"),
    )
    _index("warehouses", "tenant_id")
    _index("warehouses", "tenant_id", "shopify_location_gid")

    op.create_table(
        "inventory_levels",
        _id(),
        *_tenant("inventory_levels"),
        *_parent("inventory_levels", "variant_id", "variants"),
        *_parent("inventory_levels", "warehouse_id", "warehouses"),
        sa.Column("bucket", sa.String(16), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        *_timestamps(),
        _pk("inventory_levels"),
        _check("inventory_levels", "bucket", "bucket", ("ats", "incoming", "prebook")),
        _unique("inventory_levels", "variant_id", "warehouse_id", "bucket"),
    )
    _index("inventory_levels", "tenant_id")
    _index("inventory_levels", "warehouse_id")

    op.create_table(
        "external_refs",
        _id(),
        *_tenant("external_refs"),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("hub_id", ID, nullable=False),
        sa.Column("shopify_gid", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=True),
        sa.Column("shopify_updated_at", TIMESTAMP, nullable=True),
        *_timestamps(),
        _pk("external_refs"),
        _unique("external_refs", "tenant_id", "entity", "shopify_gid"),
    )
    _index("external_refs", "tenant_id")
    _index("external_refs", "tenant_id", "entity", "hub_id")

    op.create_table(
        "sync_runs",
        _id(),
        *_tenant("sync_runs"),
        sa.Column("flow", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("preview", sa.Boolean(), nullable=False),
        sa.Column("full_sync", sa.Boolean(), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("api_cost", sa.Double(), nullable=False),
        sa.Column("duration_s", sa.Double(), nullable=True),
        sa.Column("cursor", sa.String(64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        _pk("sync_runs"),
    )
    _index("sync_runs", "tenant_id")
    _index("sync_runs", "tenant_id", "flow", "started_at")

    op.create_table(
        "sync_records",
        _id(),
        *_tenant("sync_records"),
        *_parent("sync_records", "run_id", "sync_runs"),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("key", sa.String(255), nullable=True),
        sa.Column("shopify_gid", sa.String(255), nullable=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("code", sa.String(64), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("diff", sa.JSON(), nullable=True),
        _pk("sync_records"),
        _check(
            "sync_records",
            "action",
            "action",
            ("create", "update", "archive", "unchanged", "reject"),
        ),
    )
    _index("sync_records", "tenant_id")
    _index("sync_records", "run_id")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
