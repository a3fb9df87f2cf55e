"""List routes: cursor pages with a Link header, filters, and 4xx (never 5xx) for a bad
cursor, limit, date or enum value."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import orjson
import pytest

from tests.web.api.conftest import Hub, new_order, problem
from wholesync.web.api.paging import encode


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hub.db'}"


def test_cursor_pages_cover_every_order_once(client: httpx.Client) -> None:
    created = [new_order(client, po_number=f"PO-{n}")["id"] for n in range(5)]
    seen: list[int] = []
    links = 0
    response = client.get("/orders", params={"limit": 2})
    while True:
        page = response.json()
        seen += [order["id"] for order in page["items"]]
        if page["next_cursor"] is None:
            assert "link" not in response.headers
            break
        link = response.headers["link"]
        assert link.endswith('>; rel="next"') and page["next_cursor"] in link
        links += 1
        # The Link header is the whole next request.
        response = client.get(link[1 : link.index(">")])
    assert seen == created and links == 2


def test_bad_paging_is_refused(client: httpx.Client) -> None:
    new_order(client)
    unfit = {
        "not-a-cursor": "not base64 JSON",
        _b64({"r": "orders"}): "no position",
        _b64({"r": "orders", "after": -1}): "a position before the first",
        _b64({"r": "orders", "after": "1"}): "a position that is no id",
        encode("products", 1): "another list's cursor",
    }
    for cursor, why in unfit.items():
        response = client.get("/orders", params={"cursor": cursor})
        assert response.status_code == 400, why
        problem(response, 400, "INVALID_CURSOR")
    for limit in ("0", "201", "99999999999999999999", "ten"):
        problem(client.get("/orders", params={"limit": limit}), 422, "INVALID_REQUEST")


def _b64(data: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(data)).rstrip(b"=").decode()


def test_order_filters(hub: Hub, client: httpx.Client) -> None:
    customer = hub.acme.ids["customer"]
    linked = new_order(client, customer_id=customer, po_number="Spring 100%")
    loose = new_order(client, po_number="Fall")
    assert client.post(f"/orders/{loose['id']}/transitions", json={"to": "cancelled"}).is_success

    def ids(**params: str | list[str] | int) -> list[int]:
        response = client.get("/orders", params=params)
        assert response.status_code == 200, response.text
        return [order["id"] for order in response.json()["items"]]

    assert ids(status="draft") == [linked["id"]]
    assert ids(status=["draft", "cancelled"]) == [linked["id"], loose["id"]]
    assert ids(customer_id=customer) == [linked["id"]]
    assert ids(q="spring") == [linked["id"]]
    assert ids(q="100%") == [linked["id"]]
    assert ids(q="%") == [linked["id"]]  # a wildcard matches itself only
    assert ids(q=linked["number"]) == [linked["id"]]
    assert ids(origin="shopify") == []
    assert ids(status="shipped") == []
    assert ids(updated_since="2000-01-01T00:00:00") == [linked["id"], loose["id"]]
    assert ids(updated_since="2999-01-01T00:00:00+02:00") == []
    for params in (
        {"status": "delivered"},
        {"origin": "pos"},
        {"erp_status": "done"},
        {"updated_since": "yesterday"},
        {"updated_since": "0001-01-01T00:00:00+05:00"},
        {"customer_id": "0"},
        {"q": ""},
    ):
        problem(client.get("/orders", params=params), 422, "INVALID_REQUEST")


def test_catalog_customers_stock_and_runs(hub: Hub, client: httpx.Client) -> None:
    ids = hub.acme.ids
    [product] = client.get("/products", params={"q": "LINEN"}).json()["items"]
    assert [v["upc"] for v in product["variants"]] == ["LS-S", "LS-M"]
    by_sku = client.get("/products", params={"q": "ls-m"}).json()["items"]
    assert [p["id"] for p in by_sku] == [ids["product"]]
    assert client.get("/products", params={"status": "archived"}).json()["items"] == []
    [variant] = client.get("/variants", params={"upc": "LS-M"}).json()["items"]
    assert (variant["id"], variant["wholesale_price"]) == (ids["variant_m"], "20.00")
    assert (
        client.get("/variants", params={"sku": "LS-S"}).json()["items"][0]["id"] == ids["variant"]
    )

    [customer] = client.get("/customers", params={"email": "BUY@one.example"}).json()["items"]
    assert [a["kind"] for a in customer["addresses"]] == ["shipping", "billing"]
    assert customer["addresses"][0]["address2"] == "Suite 4"
    assert [b["code"] for b in customer["buyers"]] == ["B1"]
    assert client.get("/customers", params={"archived": True}).json()["items"] == []
    by_code = client.get("/customers", params={"q": "c1"}).json()["items"]
    assert [c["id"] for c in by_code] == [ids["customer"]]
    buyers = client.get("/buyers", params={"customer_id": ids["customer"]}).json()["items"]
    assert [b["id"] for b in buyers] == [ids["buyer"]]

    [level] = client.get("/inventory", params={"upc": "LS-S", "bucket": "ats"}).json()["items"]
    assert (level["warehouse_code"], level["quantity"], level["variant_id"]) == (
        "MAIN",
        7,
        ids["variant"],
    )
    assert client.get("/inventory", params={"warehouse_code": "NOPE"}).json()["items"] == []
    problem(client.get("/inventory", params={"bucket": "floor"}), 422, "INVALID_REQUEST")
    [warehouse] = client.get("/warehouses", params={"code": "MAIN"}).json()["items"]
    assert warehouse["id"] == ids["warehouse"]

    [run] = client.get("/runs", params={"flow": "products"}).json()["items"]
    assert client.get("/runs", params={"status": "failed"}).json()["items"] == []
    detail = client.get(f"/runs/{run['id']}").json()
    assert [(r["action"], r["code"]) for r in detail["records"]] == [
        ("reject", "MISSING_REQUIRED_FIELD")
    ]
    rejected = client.get(f"/runs/{run['id']}/records", params={"action": "reject"}).json()
    assert [r["message"] for r in rejected["items"]] == ["Give the variant a SKU."]
    problem(client.get("/runs/99999"), 404, "RUN_NOT_FOUND")
    problem(client.get("/variants/0"), 422, "INVALID_REQUEST")
