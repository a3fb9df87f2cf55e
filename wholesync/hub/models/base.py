"""The declarative base, constraint naming, and the mixins every hub table uses."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Self

from sqlalchemy import JSON, Date, ForeignKey, MetaData, Numeric, Select, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .types import IdType, UTCDateTime, utcnow

# Deterministic constraint names, so migrations can name what they alter or drop.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Money is Numeric(12, 2); weights use their own precision (see Variant.weight).
MONEY = Numeric(12, 2)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        date: Date(),
        Decimal: MONEY,
        dict[str, Any]: JSON(),
        dict[str, str]: JSON(),
        list[str]: JSON(),
        list[dict[str, Any]]: JSON(),
    }


class IdMixin:
    # sort_order puts id and tenant_id first and timestamps last in CREATE TABLE.
    id: Mapped[int] = mapped_column(IdType, primary_key=True, sort_order=-2)


class TenantMixin:
    """Every hub row belongs to one tenant; deleting the tenant deletes its rows."""

    tenant_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("tenants.id", ondelete="CASCADE"), index=True, sort_order=-1
    )

    @classmethod
    def for_tenant(cls, tenant_id: int) -> Select[Self]:
        """``SELECT`` this model's rows of one tenant; add filters with ``.where(...)``."""
        return select(cls).where(cls.tenant_id == tenant_id)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow, sort_order=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, sort_order=1)


def one_of(column: str, values: tuple[str, ...]) -> str:
    """SQL for a CHECK that ``column`` holds one of ``values`` (portable, unlike native enums)."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"
