"""F8 end to end against the simulator, on SQLite and PostgreSQL: hub customers created and
changed in Shopify, linked by email instead of duplicated, refusals with their codes, never
imported back as new ones by customers sync (F2), and a preview that sends nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tests.conftest import shared_path
from tests.simulator.parity_replay import pointer
from tests.sync.conftest import Harness, metafield, tenant_id
from wholesync.hub.customer_entry import save_customer
from wholesync.hub.models import AlertEvent, Customer, ExternalRef, SyncRecord
from wholesync.sync.customers_export import ALERT_KIND, export_customers
from wholesync.sync.map_customers_export import customer_problem
from wholesync.sync.runs import RunResult
from wholesync.sync.tenants import build_client, get_tenant

ADDRESSES: list[dict[str, Any]] = [
    {
        "kind": "billing",
        "is_default": True,
        "company": "Corner Boutique",
        "address1": "1 Main Street",
        "address2": "Suite 5",
        "city": "Toronto",
        "province_code": "ON",
        "country_code": "CA",
        "zip": "M5V 2T6",
    },
    {
        "kind": "shipping",
        "address1": "9 Dock Road",
        "address2": "Bay 2",
        "city": "Montreal",
        "province_code": "QC",
        "country_code": "CA",
        "zip": "H2X 1Y4",
    },
]


def push(harness: Harness, *, preview: bool = False) -> RunResult:
    with harness.sessions() as session:
        tenant = get_tenant(session, harness.tenant)
        with build_client(tenant, max_retries=1, sleep=lambda _: None) as client:
            return export_customers(session, tenant, client, preview=preview)


def save(harness: Harness, values: dict[str, Any], customer_id: int | None = None) -> int:
    with harness.sessions.begin() as session:
        current = session.get(Customer, customer_id) if customer_id else None
        saved = save_customer(session, tenant_id(harness), values, current)
        session.flush()
        return saved.id


def hub_customer(harness: Harness, customer_id: int) -> Customer:
    with harness.sessions() as session:
        query = select(Customer).where(Customer.id == customer_id)
        return session.scalars(query.options(selectinload(Customer.addresses))).one()


def hub_count(harness: Harness) -> int:
    with harness.sessions() as session:
        return session.scalar(select(func.count()).select_from(Customer)) or 0


def gid_of(harness: Harness, customer_id: int) -> str | None:
    with harness.sessions() as session:
        return session.scalar(
            select(ExternalRef.shopify_gid).where(
                ExternalRef.entity == "customer", ExternalRef.hub_id == customer_id
            )
        )


def in_shopify(harness: Harness, email: str) -> list[dict[str, Any]]:
    return [c for c in harness.listing("customers") if (c.get("email") or "") == email]


def records(harness: Harness, result: RunResult) -> list[dict[str, Any]]:
    with harness.sessions() as session:
        rows = session.scalars(
            select(SyncRecord).where(SyncRecord.run_id == result.run_id).order_by(SyncRecord.id)
        )
        return [{"code": r.code, "message": r.message, "action": r.action} for r in rows]


def changed(result: RunResult) -> tuple[int, int, int]:
    return (result.counts["created"], result.counts["updated"], result.counts["rejected"])


def test_created_then_updated_and_never_imported_back(harness: Harness) -> None:
    assert harness.sync("customers").status == "succeeded"
    assert changed(push(harness)) == (0, 0, 0)  # F2 stamps nothing as changed in the hub
    before = hub_count(harness)
    new = {
        "customer_code": "HUB-1",
        "company": "Corner Boutique",
        "first_name": "Nia",
        "last_name": "North",
        "email": "nia@corner.example",
        "phone": "+16135550199",
        "tags": ["vip"],
        "addresses": ADDRESSES,
    }
    customer_id = save(harness, new)
    assert changed(push(harness)) == (1, 0, 0)
    (made,) = in_shopify(harness, "nia@corner.example")
    assert gid_of(harness, customer_id) == made["id"]
    assert metafield(made, "wholesync", "customer_code") == "HUB-1"
    assert {"vip", "wholesync"} <= set(made["tags"])
    stored = hub_customer(harness, customer_id)
    assert stored.pushed_at == stored.hub_modified_at is not None
    assert changed(push(harness)) == (0, 0, 0)

    assert harness.sync("customers").status == "succeeded"
    assert hub_count(harness) == before + 1
    synced = hub_customer(harness, customer_id)
    assert (synced.customer_code, synced.first_name) == ("HUB-1", "Nia")
    assert {a.address2 for a in synced.addresses} >= {"Suite 5", "Bay 2"}
    assert synced.hub_modified_at == stored.hub_modified_at  # F2 did not stamp it
    assert changed(push(harness)) == (0, 0, 0)

    save(harness, {"first_name": "Nina", "tags": ["vip", "gold"]}, customer_id)
    assert changed(push(harness)) == (0, 1, 0)
    (updated,) = in_shopify(harness, "nia@corner.example")
    assert updated["id"] == made["id"] and updated["firstName"] == "Nina"
    assert "gold" in updated["tags"]
    assert harness.sync("customers").status == "succeeded"
    assert hub_count(harness) == before + 1


def test_an_email_shopify_has_is_linked_and_a_taken_phone_is_refused(harness: Harness) -> None:
    listed = harness.listing("customers")
    untagged = next(c for c in listed if c.get("email") and "wholesync" not in c["tags"])
    customer_id = save(harness, {"customer_code": "HUB-2", "email": untagged["email"]})
    result = push(harness)
    assert changed(result) == (0, 1, 0)
    assert "same email; not created again" in (records(harness, result)[0]["message"] or "")
    assert len(harness.listing("customers")) == len(listed)
    assert gid_of(harness, customer_id) == untagged["id"]

    phone = next(c["phone"] for c in listed if c.get("phone") and c["id"] != untagged["id"])
    taken = save(harness, {"customer_code": "HUB-3", "email": "x3@b.example", "phone": phone})
    result = push(harness)
    assert changed(result) == (0, 0, 1)
    (record,) = records(harness, result)
    assert record["code"] == "DUPLICATE_CUSTOMER"
    assert "Phone has already been taken" in record["message"] and phone in record["message"]
    assert hub_customer(harness, taken).pushed_at is None  # still due: retried next run
    with harness.sessions() as session:
        alert = session.scalars(select(AlertEvent).where(AlertEvent.kind == ALERT_KIND)).one()
    assert alert.code == "DUPLICATE_CUSTOMER" and alert.details == {"customer_id": taken}


def test_an_email_linked_to_another_hub_customer_is_a_duplicate(harness: Harness) -> None:
    assert harness.sync("customers").status == "succeeded"
    with harness.sessions() as session:
        synced = session.scalars(
            select(Customer).where(Customer.email.is_not(None)).order_by(Customer.id)
        ).first()
    assert synced is not None
    save(harness, {"customer_code": "HUB-4", "email": synced.email})
    (record,) = records(harness, push(harness))
    assert record["code"] == "DUPLICATE_CUSTOMER"
    assert synced.customer_code in record["message"] and "HUB-4" in record["message"]


def test_a_bad_address_is_address_incomplete(harness: Harness) -> None:
    address = {**ADDRESSES[0], "country_code": "US", "province_code": "ON"}
    save(harness, {"customer_code": "HUB-5", "email": "x5@b.example", "addresses": [address]})
    (record,) = records(harness, push(harness))
    assert record["code"] == "ADDRESS_INCOMPLETE"
    assert "addresses.0.province: Province is invalid" in record["message"]
    # A country code Shopify's schema does not know is refused before the mutation runs.
    unknown = {**ADDRESSES[0], "country_code": "XX", "province_code": None}
    save(harness, {"customer_code": "HUB-7", "email": "x7@b.example", "addresses": [unknown]})
    (_, record) = records(harness, push(harness))
    assert record["code"] == "ADDRESS_INCOMPLETE" and "addresses.0.countryCode" in record["message"]


def test_a_preview_sends_and_writes_nothing(harness: Harness) -> None:
    customer_id = save(harness, {"customer_code": "HUB-6", "email": "x6@b.example"})
    before = len(harness.listing("customers"))
    result = push(harness, preview=True)
    assert changed(result) == (1, 0, 0)
    assert result.records[0]["diff"]["email"] == [None, "x6@b.example"]
    assert len(harness.listing("customers")) == before
    assert gid_of(harness, customer_id) is None
    assert hub_customer(harness, customer_id).pushed_at is None


@pytest.mark.parametrize("flow", ["customers_export"])
def test_the_flow_is_registered_and_off_by_default(harness: Harness, flow: str) -> None:
    from wholesync.sync.registry import FLOWS
    from wholesync.sync.tenants import tenant_settings

    assert FLOWS[flow].name == flow
    with harness.sessions() as session:
        settings = tenant_settings(get_tenant(session, harness.tenant))
    assert not settings.flow_active(flow)


# Captured refusals whose input a hub customer can carry: (capture, scenario, the precondition
# customer Shopify held, the hub customer's fields). Sent through F8 to the simulator, each
# must come back with the code and the messages of the real capture.
REPLAYED = [
    (
        "customer-input-validation-parity.json",
        "/createScenarios/invalidEmail",
        None,
        {"email": "not-an-email"},
    ),
    (
        "customer-input-validation-parity.json",
        "/createScenarios/invalidPhone",
        None,
        {"email": None, "phone": "abc"},
    ),
    (
        "customer-input-validation-parity.json",
        "/createScenarios/duplicatePhone",
        {"phone": "+14155551001", "firstName": "Primary"},
        {"email": None, "phone": "+14155551001", "first_name": "Duplicate"},
    ),
    (
        "customer-email-normalization.json",
        "/cases/invalidDoubleAt",
        None,
        {"email": "a@@b.example"},
    ),
]


@pytest.mark.parametrize(("name", "scenario", "existing", "fields"), REPLAYED)
def test_captured_refusals_come_back_the_same_through_the_simulator(
    harness: Harness,
    name: str,
    scenario: str,
    existing: dict[str, Any] | None,
    fields: dict[str, Any],
) -> None:
    capture = json.loads(shared_path("shopify", "graphql", "customers", name).read_text())
    captured = pointer(capture, scenario)["response"]["data"]["customerCreate"]["userErrors"]
    if existing is not None:
        harness.control("POST", "/customers", existing)
    values = {"customer_code": "REPLAY-1", "email": "replay@b.example", **fields}
    customer_id = save(harness, values)
    (record,) = records(harness, push(harness))
    customer = hub_customer(harness, customer_id)
    expected = customer_problem(captured, customer, {})
    assert record["code"] == expected.code, record["message"]
    for error in captured:
        assert error["message"] in record["message"]
