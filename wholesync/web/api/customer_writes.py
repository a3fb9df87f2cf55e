"""``POST /customers`` and ``PATCH /customers/{id}``: customers created and changed in the hub.

A saved customer is stamped as changed in the hub. When the tenant has two-way customers on
(flow ``customers_export``), saving requests that run, and ``?wait=`` waits for the customer
to reach Shopify (or be refused, with the code and message of the refusal)."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from wholesync.hub.customer_entry import save_customer
from wholesync.hub.models import AddressKind, Customer, SyncRecord, SyncRun
from wholesync.runtime.jobs import JobError, get_job
from wholesync.runtime.models import JobStatus
from wholesync.sync.customers_export import FLOW
from wholesync.sync.load_customers_export import ENTITY
from wholesync.sync.map_customers_export import customer_label
from wholesync.sync.matching import gids_of
from wholesync.sync.setting_types import is_email

from .access import Api, ApiContext
from .customers import CustomerOut
from .errors import problems
from .order_models import AddressIn, JobOut
from .types import MAX_ID, Text255

log = logging.getLogger(__name__)
router = APIRouter(prefix="/customers", tags=["customers"])
POLL_SECONDS: Final = 0.2
FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)
_PHONE = re.compile(r"^\+?[0-9][0-9 ().\-]*$")


def _email(value: str) -> str:
    if not is_email(value):
        raise ValueError(f"'{value}' is not an email address such as buyer@boutique.example")
    return value


def _phone(value: str) -> str:
    digits = sum(c.isdigit() for c in value)
    if not _PHONE.match(value) or not 7 <= digits <= 15:
        raise ValueError(
            f"'{value}' is not a phone number; give it in international format such as +16135550142"
        )
    return value


ContactEmail = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_email)]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=64), AfterValidator(_phone)
]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Wait = Annotated[
    float,
    Query(
        ge=0,
        le=60,
        description="Seconds (up to 60) to wait for the customer to reach Shopify, when "
        "two-way customers is on.",
    ),
]


class CustomerAddressIn(AddressIn):
    kind: AddressKind
    is_default: bool = False


class CustomerFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    company: Text255 | None = None
    first_name: Text255 | None = None
    last_name: Text255 | None = None
    email: ContactEmail | None = None
    phone: Phone | None = None
    tags: list[Tag] | None = Field(None, max_length=250)
    addresses: list[CustomerAddressIn] | None = Field(
        None, max_length=100, description="Replace the customer's addresses."
    )


class CustomerCreate(CustomerFields):
    customer_code: Code


class CustomerPatch(CustomerFields):
    customer_code: Code | None = None

    @model_validator(mode="after")
    def _code_is_not_cleared(self) -> CustomerPatch:
        if "customer_code" in self.model_fields_set and self.customer_code is None:
            raise ValueError("customer_code cannot be null: every customer keeps a code")
        return self


class PushOut(BaseModel):
    """Where the customer stands with Shopify."""

    status: Literal["disabled", "pending", "pushed", "failed"] = Field(
        description="disabled: two-way customers is off for the tenant (the hub keeps it); "
        "pending: not in Shopify yet; pushed: Shopify has this version; failed: refused."
    )
    shopify_gid: str | None = None
    job: JobOut | None = None
    error_code: str | None = None
    error_message: str | None = None


class CustomerSaved(BaseModel):
    customer: CustomerOut
    push: PushOut


LOCATION = {"Location": {"description": "The customer's URL.", "schema": {"type": "string"}}}


@router.post(
    "",
    status_code=201,
    response_model=CustomerSaved,
    responses={201: {"headers": LOCATION}, **problems(400, 409)},
)
async def create_customer(
    api: ApiContext, body: CustomerCreate, request: Request, response: Response, wait: Wait = 0
) -> CustomerSaved:
    """Create a customer in the hub (409 CUSTOMER_CODE_TAKEN when the code is taken). With
    two-way customers on, it is sent to Shopify: linked to a Shopify customer with its email,
    else created there."""
    saved = await _save(api, body.model_dump(exclude_unset=True), None, wait)
    response.headers["Location"] = str(
        request.url_for("read_customer", customer_id=saved.customer.id)
    )
    return saved


@router.patch("/{customer_id}", response_model=CustomerSaved, responses=problems(400, 404, 409))
async def edit_customer(
    api: ApiContext,
    customer_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: CustomerPatch,
    wait: Wait = 0,
) -> CustomerSaved:
    """Change the given fields (``addresses`` replaces them all); sent on to Shopify like a
    new customer."""
    return await _save(api, body.model_dump(exclude_unset=True), customer_id, wait)


async def _save(
    api: Api, values: dict[str, Any], customer_id: int | None, wait: float
) -> CustomerSaved:
    saved_id, active = await run_in_threadpool(_write, api, values, customer_id)
    job_id = await run_in_threadpool(_request, api) if active else None
    deadline = time.monotonic() + wait
    while True:
        saved = await run_in_threadpool(_read, api, saved_id, job_id, active)
        if saved.push.status != "pending" or time.monotonic() >= deadline:
            return saved
        await asyncio.sleep(POLL_SECONDS)


def _write(api: Api, values: dict[str, Any], customer_id: int | None) -> tuple[int, bool]:
    with api.writing() as session:
        current = None
        if customer_id is not None:
            current = api.owned(session, Customer, customer_id, "customer")
        customer = save_customer(session, api.tenant_id, values, current)
        session.flush()
        return customer.id, api.settings(session).flow_active(FLOW)


def _request(api: Api) -> int | None:
    try:
        return api.runtime.request_run(api.tenant_id, FLOW, trigger="customer").id
    except JobError as exc:
        # The customer stays due: the scheduled run sends it.
        log.warning("customers export not requested: %s", exc)
        return None


def _read(api: Api, customer_id: int, job_id: int | None, active: bool) -> CustomerSaved:
    job = get_job(api.runtime.sessions, job_id) if job_id is not None else None
    with api.reading() as session:
        customer = api.owned(session, Customer, customer_id, "customer")
        out = CustomerOut.model_validate(customer)
        gid = gids_of(session, api.tenant_id, ENTITY, [customer_id]).get(customer_id)
        push = PushOut(
            status="disabled" if not active else "pending",
            shopify_gid=gid,
            job=JobOut(id=job.id, status=job.status) if job is not None else None,
        )
        changed, pushed = customer.hub_modified_at, customer.pushed_at
        if active and changed is not None and pushed is not None and pushed >= changed:
            push.status = "pushed"
        elif active and job is not None and job.status in FINISHED:
            refusal = _refusal(session, customer)
            push.status = "failed" if refusal else "pending"
            if refusal is not None:
                push.error_code, push.error_message = refusal.code, refusal.message
    return CustomerSaved(customer=out, push=push)


def _refusal(session: Session, customer: Customer) -> SyncRecord | None:
    """The newest refusal of this customer by a customers export since it last changed."""
    return session.scalars(
        select(SyncRecord)
        .join(SyncRun, SyncRun.id == SyncRecord.run_id)
        .where(
            SyncRun.tenant_id == customer.tenant_id,
            SyncRun.flow == FLOW,
            SyncRun.preview.is_(False),
            SyncRun.started_at >= customer.hub_modified_at,
            SyncRecord.key == customer_label(customer),
            SyncRecord.action == "reject",
        )
        .order_by(SyncRecord.id.desc())
        .limit(1)
    ).first()
