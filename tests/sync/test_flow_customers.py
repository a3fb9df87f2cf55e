"""F2 end to end: customers, their addresses and buyers, against the simulator over HTTP, on
SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.sync.conftest import Harness, metafield, number, tagged
from wholesync.hub.models import Address, Buyer, Customer, SyncRecord


def synced(customer: dict[str, Any]) -> bool:
    return tagged(customer) and metafield(customer, "wholesync", "active") != "false"


def code_of(customer: dict[str, Any]) -> str:
    return metafield(customer, "wholesync", "customer_code") or number(customer["id"])


def hub_customer(harness: Harness, gid: str) -> tuple[Customer, list[Address], list[Buyer]]:
    customer_id = harness.hub_id("customer", gid)
    assert customer_id is not None, f"{gid} is not in the hub"
    with harness.sessions() as session:
        customer = session.get_one(Customer, customer_id)
        addresses = list(
            session.scalars(
                select(Address).where(Address.customer_id == customer_id).order_by(Address.id)
            )
        )
        buyers = list(session.scalars(select(Buyer).where(Buyer.customer_id == customer_id)))
    return customer, addresses, buyers


def assert_hub_matches(harness: Harness) -> None:
    for customer in harness.listing("customers"):
        if not synced(customer):
            hub_id = harness.hub_id("customer", customer["id"])
            if hub_id is not None:
                with harness.sessions() as session:
                    assert session.get_one(Customer, hub_id).archived_at is not None
            continue
        row, addresses, buyers = hub_customer(harness, customer["id"])
        assert (row.customer_code, row.email, row.first_name, row.last_name, row.phone) == (
            code_of(customer),
            customer["email"],
            customer["firstName"],
            customer["lastName"],
            customer["phone"],
        )
        assert row.tags == customer["tags"]
        assert row.active and row.archived_at is None
        default = 1 if customer["defaultAddressId"] else 0
        assert len(addresses) == default + len(customer["addresses"])
        assert sorted(a.address1 or "" for a in addresses if a.kind == "shipping") == sorted(
            a["address1"] or "" for a in customer["addresses"]
        )
        live = [b for b in buyers if b.archived_at is None]
        if tagged(customer, "wholesale-buyer") and customer["email"]:
            assert [(b.code, b.email) for b in live] == [(code_of(customer), customer["email"])]
        else:
            assert live == []


def test_first_full_sync_loads_customers_addresses_and_buyers(harness: Harness) -> None:
    result = harness.sync("customers")
    expected = [c for c in harness.listing("customers") if synced(c)]
    assert result.status == "succeeded", result
    assert result.counts["created"] == len(expected) > 0
    assert_hub_matches(harness)
    with harness.sessions() as session:
        assert session.scalars(select(Buyer)).first() is not None, "the seed has buyers"


def test_incremental_sync_picks_up_merchant_edits(harness: Harness) -> None:
    harness.sync("customers")
    customer = next(c for c in harness.listing("customers") if synced(c))
    harness.control(
        "POST", f"/customers/{number(customer['id'])}", {"firstName": "Zora", "company": "Zed Co"}
    )
    result = harness.sync("customers")
    assert result.counts["updated"] == 1, result
    assert_hub_matches(harness)
    row, _, _ = hub_customer(harness, customer["id"])
    assert (row.first_name, row.company) == ("Zora", "Zed Co")
    with harness.sessions() as session:
        record = session.scalars(
            select(SyncRecord).where(
                SyncRecord.run_id == result.run_id, SyncRecord.action == "update"
            )
        ).one()
    assert record.diff is not None and record.diff["first_name"][1] == "Zora"


def test_untag_and_active_false_archive(harness: Harness) -> None:
    harness.sync("customers")
    first, second = [c for c in harness.listing("customers") if synced(c)][:2]
    others = [t for t in first["tags"] if t.lower() != "wholesync"]
    harness.control("POST", f"/customers/{number(first['id'])}", {"tags": others})
    harness.control(
        "POST",
        f"/customers/{number(second['id'])}",
        {
            "metafields": [
                {"namespace": "wholesync", "key": "active", "type": "boolean", "value": "false"}
            ]
        },
    )
    result = harness.sync("customers")
    assert result.counts["archived"] == 2, result
    for gid in (first["id"], second["id"]):
        row, _, buyers = hub_customer(harness, gid)
        assert row.archived_at is not None and not row.active
        assert all(b.archived_at is not None for b in buyers)
    assert_hub_matches(harness)


def test_customer_without_email_syncs_without_a_buyer(harness: Harness) -> None:
    created = harness.control(
        "POST",
        "/customers",
        {
            "firstName": "Nomail",
            "lastName": "Buyer",
            "phone": "+16135550199",
            "tags": ["wholesync", "wholesale-buyer"],
        },
    )
    result = harness.sync("customers")
    assert result.counts["rejected"] == 0, result
    row, _, buyers = hub_customer(harness, created["customer"]["id"])
    assert row.email is None and buyers == []
    assert_hub_matches(harness)


def test_duplicate_customer_code_is_rejected(harness: Harness) -> None:
    taken = next(
        c
        for c in harness.listing("customers")
        if synced(c) and metafield(c, "wholesync", "customer_code")
    )
    code = code_of(taken)
    harness.control(
        "POST",
        "/customers",
        {
            "email": "twin@example.com",
            "firstName": "Twin",
            "tags": ["wholesync"],
            "metafields": [
                {
                    "namespace": "wholesync",
                    "key": "customer_code",
                    "type": "single_line_text_field",
                    "value": code,
                }
            ],
        },
    )
    result = harness.sync("customers")
    assert result.status == "partial"
    assert result.counts["rejected"] == 1, result
    with harness.sessions() as session:
        rejection = session.scalars(
            select(SyncRecord).where(
                SyncRecord.run_id == result.run_id, SyncRecord.action == "reject"
            )
        ).one()
    assert rejection.code == "DUPLICATE_CUSTOMER"
    assert code in (rejection.message or "")


def test_preview_writes_nothing(harness: Harness) -> None:
    empty = harness.snapshot()
    preview = harness.sync("customers", preview=True)
    assert harness.snapshot() == empty
    assert preview.counts["created"] > 0
    harness.sync("customers")
    loaded = harness.snapshot()
    customer = next(c for c in harness.listing("customers") if synced(c))
    harness.control("POST", f"/customers/{number(customer['id'])}", {"lastName": "Changed"})
    preview = harness.sync("customers", preview=True)
    assert harness.snapshot() == loaded
    (update,) = [r for r in preview.records if r["action"] == "update"]
    assert update["diff"]["last_name"] == [customer["lastName"], "Changed"]
