"""``/customers`` and ``/buyers``: wholesale customers with addresses and buyers, read-only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func

from wholesync.hub import browse
from wholesync.hub.filters import where_equal, where_since
from wholesync.hub.models import AddressKind, Buyer, Customer

from .access import ApiContext
from .errors import problems
from .order_models import Address
from .paging import LISTED, Page, Paging
from .types import MAX_ID, SearchText, Since, query_id, query_text

router = APIRouter(tags=["customers"])
Exact = Annotated[str | None, query_text(320)]


class AddressOut(Address):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: AddressKind
    is_default: bool


class BuyerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    code: str
    first_name: str | None
    last_name: str | None
    email: str
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_code: str
    company: str | None
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    tags: list[str]
    active: bool
    custom_fields: dict[str, Any]
    archived_at: datetime | None
    hub_modified_at: datetime | None = Field(
        description="When the hub (not a sync from Shopify) last changed the customer."
    )
    pushed_at: datetime | None = Field(
        description="The hub change that last reached Shopify (two-way customers)."
    )
    created_at: datetime
    updated_at: datetime
    addresses: list[AddressOut]
    buyers: list[BuyerOut]


class CustomerPage(Page[CustomerOut]):
    pass


class BuyerPage(Page[BuyerOut]):
    pass


@router.get("/customers", response_model=CustomerPage, responses=LISTED)
def list_customers(
    api: ApiContext,
    paging: Paging,
    customer_code: Exact = None,
    email: Exact = None,
    archived: Annotated[bool | None, Query(description="Only archived (or active) ones.")] = None,
    updated_since: Since = None,
    q: SearchText = None,
) -> CustomerPage:
    """Customers with their addresses and buyers; ``q`` matches the company, a name, the
    e-mail or the customer code."""
    query = browse.customers(
        api.tenant_id,
        code=customer_code,
        email=email,
        archived=archived,
        updated_since=updated_since,
        text=q,
    )
    return paging.page(
        api, query, Customer.id, "customers", CustomerPage, CustomerOut.model_validate
    )


@router.get("/customers/{customer_id}", response_model=CustomerOut, responses=problems(404))
def read_customer(
    api: ApiContext, customer_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> CustomerOut:
    with api.reading() as session:
        return CustomerOut.model_validate(api.owned(session, Customer, customer_id, "customer"))


@router.get("/buyers", response_model=BuyerPage, responses=LISTED)
def list_buyers(
    api: ApiContext,
    paging: Paging,
    customer_id: Annotated[int | None, query_id("Buyers of this customer.")] = None,
    code: Exact = None,
    email: Exact = None,
    updated_since: Since = None,
) -> BuyerPage:
    query = where_equal(
        Buyer.for_tenant(api.tenant_id), (Buyer.customer_id, customer_id), (Buyer.code, code)
    )
    if email is not None:
        query = query.where(func.lower(Buyer.email) == email.lower())
    query = where_since(query, Buyer.updated_at, updated_since)
    return paging.page(api, query, Buyer.id, "buyers", BuyerPage, BuyerOut.model_validate)


@router.get("/buyers/{buyer_id}", response_model=BuyerOut, responses=problems(404))
def read_buyer(api: ApiContext, buyer_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> BuyerOut:
    with api.reading() as session:
        return BuyerOut.model_validate(api.owned(session, Buyer, buyer_id, "buyer"))
