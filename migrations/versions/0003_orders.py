"""Wholesale orders and their lines, API keys, alert events.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alert_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("order_id", ID, nullable=True),
        sa.Column("run_id", ID, nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("notified_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_alert_events_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_events")),
    )
    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_events_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_alert_events_tenant_id_notified_at"),
            ["tenant_id", "notified_at"],
            unique=False,
        )

    op.create_table(
        "api_keys",
        sa.Column("id", ID, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("last_used_at", TIMESTAMP, nullable=True),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_api_keys_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_keys_prefix")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "orders",
        sa.Column("id", ID, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("customer_id", ID, nullable=True),
        sa.Column("buyer_id", ID, nullable=True),
        sa.Column("new_customer_company", sa.String(length=255), nullable=True),
        sa.Column("new_customer_name", sa.String(length=255), nullable=True),
        sa.Column("new_customer_email", sa.String(length=320), nullable=True),
        sa.Column("po_number", sa.String(length=100), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("ship_start", sa.Date(), nullable=True),
        sa.Column("ship_complete", sa.Date(), nullable=True),
        sa.Column("payment_terms", sa.String(length=100), nullable=True),
        sa.Column("shipping_method", sa.String(length=100), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("sales_rep", sa.String(length=255), nullable=True),
        sa.Column("linesheet", sa.String(length=255), nullable=True),
        sa.Column("operator_comment", sa.Text(), nullable=True),
        sa.Column("shipping_address", sa.JSON(), nullable=True),
        sa.Column("billing_address", sa.JSON(), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("division", sa.String(length=100), nullable=True),
        sa.Column("order_type", sa.String(length=100), nullable=True),
        sa.Column("tax_schedule", sa.String(length=100), nullable=True),
        sa.Column("hold_code", sa.String(length=100), nullable=True),
        sa.Column("erp_status", sa.String(length=16), nullable=True),
        sa.Column("erp_message", sa.Text(), nullable=True),
        sa.Column("erp_updated_at", TIMESTAMP, nullable=True),
        sa.Column("export_key", sa.String(length=64), nullable=True),
        sa.Column("export_attempted_at", TIMESTAMP, nullable=True),
        sa.Column("exported_at", TIMESTAMP, nullable=True),
        sa.Column("shopify_kind", sa.String(length=16), nullable=True),
        sa.Column("shopify_order_gid", sa.String(length=255), nullable=True),
        sa.Column("shopify_order_name", sa.String(length=64), nullable=True),
        sa.Column("shopify_updated_at", TIMESTAMP, nullable=True),
        sa.Column("previous_exports", sa.JSON(), nullable=False),
        sa.Column("modified_after_export", sa.Boolean(), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("submitted_at", TIMESTAMP, nullable=True),
        sa.Column("approved_at", TIMESTAMP, nullable=True),
        sa.Column("cancelled_at", TIMESTAMP, nullable=True),
        sa.Column("cancel_reason", sa.String(length=255), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "erp_status IS NULL OR erp_status IN ('pending', 'imported', 'failed')",
            name=op.f("ck_orders_erp_status"),
        ),
        sa.CheckConstraint("origin IN ('hub', 'shopify')", name=op.f("ck_orders_origin")),
        sa.CheckConstraint(
            "status IN ('draft', 'pending', 'in_review', 'approved', 'processed', 'failed', "
            "'cancelled')",
            name=op.f("ck_orders_status"),
        ),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["buyers.id"], name=op.f("fk_orders_buyer_id_buyers"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_orders_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_orders_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("tenant_id", "export_key", name=op.f("uq_orders_tenant_id_export_key")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_orders_tenant_id_number")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_orders_buyer_id"), ["buyer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_orders_tenant_id_origin_erp_status"),
            ["tenant_id", "origin", "erp_status"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_orders_tenant_id_shopify_order_gid"),
            ["tenant_id", "shopify_order_gid"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_orders_tenant_id_status"), ["tenant_id", "status"], unique=False
        )

    op.create_table(
        "order_lines",
        sa.Column("id", ID, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("variant_id", ID, nullable=True),
        sa.Column("upc", sa.String(length=255), nullable=True),
        sa.Column("sku", sa.String(length=255), nullable=True),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("shopify_line_gid", sa.String(length=255), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_lines_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_order_lines_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["variant_id"],
            ["variants.id"],
            name=op.f("fk_order_lines_variant_id_variants"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_lines")),
    )
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_lines_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_lines_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_lines_variant_id"), ["variant_id"], unique=False)


def downgrade() -> None:
    for table in ("order_lines", "orders", "api_keys", "alert_events"):
        op.drop_table(table)
