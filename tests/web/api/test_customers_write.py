"""Customers created and changed over the REST API: validation, and two-way customers off by
default (the hub keeps the customer, nothing is sent)."""

from __future__ import annotations

import httpx

from tests.web.api.conftest import Hub, problem

NEW = {
    "customer_code": "API-1",
    "company": "Harbour Goods",
    "first_name": "Hal",
    "last_name": "Harbour",
    "email": "hal@harbour.example",
    "phone": "+16135550177",
    "tags": ["wholesale"],
    "addresses": [
        {
            "kind": "billing",
            "is_default": True,
            "address1": "4 Quay St",
            "address2": "Unit 3",
            "city": "Halifax",
            "province_code": "NS",
            "country_code": "CA",
            "zip": "B3J 1A1",
        }
    ],
}


def test_bad_input_is_refused_with_the_field_named(client: httpx.Client) -> None:
    for field, value in (("email", "not-an-email"), ("phone", "call me")):
        body = problem(
            client.post("/customers", json={**NEW, field: value}), 422, "INVALID_REQUEST"
        )
        assert [e["field"] for e in body["errors"]] == [f"body.{field}"]
        assert value in body["detail"]
    taken = problem(
        client.post("/customers", json={**NEW, "customer_code": "C1"}), 409, "CUSTOMER_CODE_TAKEN"
    )
    assert "PATCH /customers/" in taken["detail"]
    missing = problem(client.post("/customers", json={"company": "X"}), 422, "INVALID_REQUEST")
    assert missing["errors"][0]["field"] == "body.customer_code"
    bad_kind = {**NEW, "addresses": [{"kind": "office", "address1": "1 A St"}]}
    problem(client.post("/customers", json=bad_kind), 422, "INVALID_REQUEST")
    created = client.post("/customers", json=NEW)
    assert created.status_code == 201, created.text
    url = f"/customers/{created.json()['customer']['id']}"
    cleared = problem(client.patch(url, json={"customer_code": None}), 422, "INVALID_REQUEST")
    assert "cannot be null" in cleared["detail"]


def test_two_way_customers_is_off_by_default_and_the_hub_keeps_the_customer(
    hub: Hub, client: httpx.Client
) -> None:
    response = client.post("/customers", json=NEW, params={"wait": 5})
    assert response.status_code == 201, response.text
    saved = response.json()
    assert saved["push"] == {
        "status": "disabled",
        "shopify_gid": None,
        "job": None,
        "error_code": None,
        "error_message": None,
    }
    customer = saved["customer"]
    assert response.headers["Location"].endswith(f"/customers/{customer['id']}")
    assert customer["hub_modified_at"] is not None and customer["pushed_at"] is None
    assert customer["addresses"][0]["address2"] == "Unit 3"
    assert hub.runtime.jobs(hub.acme.id) == []
    edited = client.patch(f"/customers/{customer['id']}", json={"first_name": "Hank"})
    assert edited.status_code == 200, edited.text
    assert edited.json()["customer"]["first_name"] == "Hank"
    assert edited.json()["customer"]["addresses"] == customer["addresses"]  # not given: kept
    cleared = client.patch(f"/customers/{customer['id']}", json={"addresses": None, "tags": None})
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["customer"]["addresses"], cleared.json()["customer"]["tags"]) == ([], [])
    moved = client.patch(f"/customers/{customer['id']}", json={"customer_code": "C1"})
    problem(moved, 409, "CUSTOMER_CODE_TAKEN")
