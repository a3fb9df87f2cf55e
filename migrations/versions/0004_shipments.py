"""Shipments and their lines; shipped quantities and the shipped order statuses; what the
hub last pushed of stock and customers (the hub-to-Shopify flows).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)
BEFORE = ("draft", "pending", "in_review", "approved", "processed", "failed", "cancelled")
AFTER = (*BEFORE[:-1], "partially_shipped", "shipped", "cancelled")


def _order_statuses(statuses: Sequence[str]) -> None:
    quoted = ", ".join(f"'{s}'" for s in statuses)
    with op.batch_alter_table("orders") as batch:
        batch.drop_constraint(op.f("ck_orders_status"), type_="check")
        batch.create_check_constraint(op.f("ck_orders_status"), f"status IN ({quoted})")


def upgrade() -> None:
    op.create_table(
        "shipments",
        sa.Column("id", ID, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("carrier", sa.String(length=255), nullable=True),
        sa.Column("tracking", sa.JSON(), nullable=False),
        sa.Column("notify_customer", sa.Boolean(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("attempted_at", TIMESTAMP, nullable=True),
        sa.Column("shopify_fulfillment_gid", sa.String(length=255), nullable=True),
        sa.Column("fulfilled_at", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'fulfilled', 'failed')", name=op.f("ck_shipments_status")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_shipments_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_shipments_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
        sa.UniqueConstraint(
            "tenant_id", "external_id", name=op.f("uq_shipments_tenant_id_external_id")
        ),
    )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipments_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipments_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "shipment_lines",
        sa.Column("id", ID, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("shipment_id", ID, nullable=False),
        sa.Column("order_line_id", ID, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_shipment_lines_order_line_id_order_lines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_shipment_lines_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_shipment_lines_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_lines")),
    )
    with op.batch_alter_table("shipment_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shipment_lines_order_line_id"), ["order_line_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_shipment_lines_shipment_id"), ["shipment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_shipment_lines_tenant_id"), ["tenant_id"], unique=False
        )

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hub_modified_at", TIMESTAMP, nullable=True))
        batch_op.add_column(sa.Column("pushed_at", TIMESTAMP, nullable=True))

    with op.batch_alter_table("inventory_levels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pushed_quantity", sa.Integer(), nullable=True))

    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shipped_quantity", sa.Integer(), server_default="0", nullable=False)
        )
    _order_statuses(AFTER)


def downgrade() -> None:
    op.execute("UPDATE orders SET status = 'processed' WHERE status LIKE '%shipped'")
    _order_statuses(BEFORE)
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_column("shipped_quantity")

    with op.batch_alter_table("inventory_levels", schema=None) as batch_op:
        batch_op.drop_column("pushed_quantity")

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("pushed_at")
        batch_op.drop_column("hub_modified_at")

    with op.batch_alter_table("shipment_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipment_lines_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_shipment_lines_shipment_id"))
        batch_op.drop_index(batch_op.f("ix_shipment_lines_order_line_id"))

    op.drop_table("shipment_lines")
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipments_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_shipments_order_id"))

    op.drop_table("shipments")
