"""POST /shipments end to end, on SQLite and PostgreSQL: an order exported to the simulated
store ships in two parts, each a Shopify fulfillment made by a worker; a repeated post is the
same shipment; and the refusals (unknown order, never exported, too many units, bad tracking)
are problem+json."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.web.api.conftest import SHIP_TO, Hub, new_order, problem
from tests.web.api.test_export import synced
from tests.web.harness import consuming
from wholesync.runtime.service import Runtime

# The export test's fixture; the database is the suite's, so this runs on SQLite and PostgreSQL.
__all__ = ["synced"]


def exported_order(client: httpx.Client) -> dict[str, Any]:
    stocked = client.get("/inventory", params={"bucket": "ats", "limit": 200}).json()["items"]
    level = max(stocked, key=lambda found: found["quantity"])
    assert level["quantity"] >= 3
    customer = client.get("/customers", params={"archived": False}).json()["items"][0]
    order = new_order(
        client,
        customer_id=customer["id"],
        shipping_address=SHIP_TO,
        lines=[{"variant_id": level["variant_id"], "quantity": 3}],
    )
    for status in ("pending", "approved"):
        assert client.post(f"/orders/{order['id']}/transitions", json={"to": status}).is_success
    response = client.post(f"/orders/{order['id']}/export", params={"wait": 45})
    exported: dict[str, Any] = response.json()["order"]
    assert exported["status"] == "processed", exported["error_message"]
    return exported


def test_a_partial_then_a_full_shipment_over_the_api(
    synced: httpx.Client, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    with consuming(runtime, monkeypatch):
        order = exported_order(synced)
        (line,) = order["lines"]
        first = {
            "order_id": order["id"],
            "external_id": "ERP-100",
            "carrier": "UPS",
            "tracking": [{"number": "1Z100", "url": "https://ups.example/1Z100"}],
            "lines": [{"order_line_id": line["id"], "quantity": 1}],
        }
        response = synced.post("/shipments", json=first, params={"wait": 45})
        assert response.status_code == 201, response.text
        shipped = response.json()
        assert shipped["status"] == "fulfilled", shipped["error_message"]
        assert shipped["shopify_fulfillment_gid"].startswith("gid://shopify/Fulfillment/")
        assert response.headers["Location"].endswith(f"/shipments/{shipped['id']}")
        assert synced.get(f"/orders/{order['id']}").json()["status"] == "partially_shipped"

        again = synced.post("/shipments", json=first)
        assert (
            again.status_code == 200
            and again.json() == synced.get(f"/shipments/{shipped['id']}").json()
        )
        changed = {**first, "tracking": [{"number": "1Z999"}]}
        body = problem(synced.post("/shipments", json=changed), 409, "SHIPMENT_CONFLICT")
        assert "ERP-100" in body["detail"]
        too_many = {
            **first,
            "external_id": "ERP-101",
            "lines": [{"upc": line["upc"], "quantity": 3}],
        }
        body = problem(synced.post("/shipments", json=too_many), 422, "QUANTITY_EXCEEDS_REMAINING")
        assert f"order line id {line['id']}" in body["detail"] and "only 2" in body["detail"]

        rest = {
            "shopify_order_name": order["shopify"]["name"],
            "external_id": "ERP-102",
            "tracking": [{"number": "1Z102"}],
        }
        response = synced.post("/shipments", json=rest, params={"wait": 45})
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "fulfilled", response.json()["error_message"]
        assert response.json()["lines"] == [{"order_line_id": line["id"], "quantity": 2}]
    assert synced.get(f"/orders/{order['id']}").json()["status"] == "shipped"
    listed = synced.get("/shipments", params={"order_id": order["id"]}).json()["items"]
    assert [s["external_id"] for s in listed] == ["ERP-100", "ERP-102"]
    gids = {s["shopify_fulfillment_gid"] for s in listed}
    assert len(gids) == 2
    body = problem(
        synced.post("/shipments", json={**rest, "external_id": "ERP-103"}), 422, "NOTHING_TO_SHIP"
    )


def test_refusals_name_the_order_and_how_to_fix_it(hub: Hub, client: httpx.Client) -> None:
    order = new_order(
        client, customer_id=hub.acme.ids["customer"], lines=[{"upc": "LS-S", "quantity": 2}]
    )
    post = {"order_id": order["id"], "external_id": "ERP-1", "tracking": [{"number": "1Z"}]}
    body = problem(client.post("/shipments", json=post), 409, "ORDER_NOT_EXPORTED")
    assert order["number"] in body["detail"] and "Export it first" in body["detail"]
    assert client.get("/shipments").json()["items"] == []

    missing = {**post, "order_id": None, "order_number": "WS999999"}
    body = problem(client.post("/shipments", json=missing), 404, "ORDER_NOT_FOUND")
    assert "WS999999" in body["detail"]
    with hub.client(hub.other.key) as other:
        problem(other.post("/shipments", json=post), 404, "ORDER_NOT_FOUND")

    half_linked = {
        **post,
        "tracking": [{"number": "1Z", "url": "https://t.example/1Z"}, {"number": "2Z"}],
    }
    body = problem(client.post("/shipments", json=half_linked), 422, "INVALID_REQUEST")
    assert "url for every tracking number" in body["detail"]
    no_tracking = {**post, "tracking": []}
    problem(client.post("/shipments", json=no_tracking), 422, "INVALID_REQUEST")
    problem(client.get("/shipments/12345"), 404, "SHIPMENT_NOT_FOUND")
