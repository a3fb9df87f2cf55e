"""``PUT /inventory``: the ERP's stock in bulk, checked row by row, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from tests.web.api.conftest import Hub, problem
from wholesync.hub.models import InventoryLevel, Product, Variant, Warehouse
from wholesync.hub.stock_levels import MAX_ROWS
from wholesync.sync.tenants import set_setting


def levels(hub: Hub, tenant_id: int) -> dict[tuple[str, str, str], int]:
    with hub.runtime.sessions() as session:
        rows = session.execute(
            select(Variant.upc, Warehouse.code, InventoryLevel.bucket, InventoryLevel.quantity)
            .join(Variant, Variant.id == InventoryLevel.variant_id)
            .join(Warehouse, Warehouse.id == InventoryLevel.warehouse_id)
            .where(InventoryLevel.tenant_id == tenant_id)
        ).all()
    return {(upc, code, bucket): quantity for upc, code, bucket, quantity in rows}


def stock_jobs(hub: Hub) -> int:
    return sum(job.flow == "stock_export" for job in hub.runtime.jobs(hub.acme.id))


def put(client: httpx.Client, rows: Any) -> dict[str, Any]:
    response = client.put("/inventory", json=rows)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_each_bad_row_is_named_and_the_good_ones_apply(hub: Hub, client: httpx.Client) -> None:
    rows: list[Any] = [
        {"upc": "LS-S", "warehouse": "MAIN", "quantity": 12},  # was 7
        {"upc": "LS-M", "warehouse": "MAIN", "quantity": 3, "bucket": "incoming"},  # new
        {"upc": "LS-S", "warehouse": "MAIN", "quantity": 7, "bucket": "prebook"},  # new
        {"upc": "NOPE", "warehouse": "MAIN", "quantity": 1},
        {"upc": "LS-M", "warehouse": "NYC", "quantity": 1},
        {"upc": "LS-M", "warehouse": "MAIN", "quantity": -1},
        {"upc": "LS-M", "warehouse": "MAIN", "quantity": 2.5},
        {"upc": "LS-S", "warehouse": "MAIN", "quantity": 13},  # row 0 again
        {"variant_id": hub.other.ids["variant"], "warehouse": "MAIN", "quantity": 1},
        {"upc": "LS-M", "warehouse": "MAIN", "quantity": 1, "bucket": "onhand"},
        {"warehouse": "MAIN", "quantity": 1},
        {"upc": "LS-M", "warehouse": "MAIN", "qty": 1},
        "LS-M,MAIN,1",
        {"upc": "LS\u0000M", "warehouse": "MAIN", "quantity": 1},
    ]
    body = put(client, rows)
    assert (body["applied"], body["unchanged"], body["rejected"]) == (3, 0, 11)
    codes = {error["index"]: error["code"] for error in body["errors"]}
    assert codes == {
        3: "UNKNOWN_VARIANT",
        4: "UNKNOWN_WAREHOUSE",
        5: "INVALID_QUANTITY",
        6: "INVALID_QUANTITY",
        7: "DUPLICATE_ROW",
        8: "UNKNOWN_VARIANT",
        9: "INVALID_BUCKET",
        10: "VARIANT_KEY_REQUIRED",
        11: "UNKNOWN_FIELD",
        12: "INVALID_ROW",
        13: "INVALID_UPC",
    }
    messages = {error["index"]: error["message"] for error in body["errors"]}
    assert "MAIN" in messages[4] and "Row 0" in messages[7] and "qty" in messages[11]
    assert levels(hub, hub.acme.id) == {
        ("LS-S", "MAIN", "ats"): 12,
        ("LS-M", "MAIN", "incoming"): 3,
        ("LS-S", "MAIN", "prebook"): 7,
    }
    assert levels(hub, hub.other.id) == {("LS-S", "MAIN", "ats"): 7}
    again = put(client, rows[:3])
    assert (again["applied"], again["unchanged"], again["rejected"]) == (0, 3, 0)


def test_shopify_as_stock_master_stores_but_does_not_push(hub: Hub, client: httpx.Client) -> None:
    body = put(client, [{"upc": "LS-S", "warehouse": "MAIN", "quantity": 20}])
    assert body["applied"] == 1 and body["stock_master"] == "shopify"
    assert body["pushed_to_shopify"] is False and "not pushed" in body["detail"]
    assert stock_jobs(hub) == 0
    with hub.runtime.sessions.begin() as session:
        set_setting(session, "acme", "stock_master", "hub")
    body = put(client, [{"upc": "LS-S", "warehouse": "MAIN", "quantity": 21}])
    assert body["pushed_to_shopify"] is True and body["stock_master"] == "hub"
    assert stock_jobs(hub) == 1
    unchanged = put(client, [{"upc": "LS-S", "warehouse": "MAIN", "quantity": 21}])
    assert unchanged["unchanged"] == 1 and stock_jobs(hub) == 1


def test_ten_thousand_rows_with_bad_ones(hub: Hub, client: httpx.Client) -> None:
    with hub.runtime.sessions.begin() as session:
        product = Product(tenant_id=hub.acme.id, title="Socks", handle="socks")
        product.variants = [
            Variant(
                tenant_id=hub.acme.id,
                upc=f"SK-{n:05}",
                sku=f"SK-{n:05}",
                title=str(n),
                retail_price=5,
            )
            for n in range(2_500)
        ]
        session.add(product)
        session.add_all(
            Warehouse(tenant_id=hub.acme.id, code=code, name=code) for code in ("EU", "US", "UK")
        )
    codes = ("MAIN", "EU", "US", "UK")
    rows: list[dict[str, Any]] = [
        {"upc": f"SK-{n // 4:05}", "warehouse": codes[n % 4], "quantity": n}
        for n in range(MAX_ROWS)
    ]
    bad = {17: "UNKNOWN_VARIANT", 4_000: "INVALID_QUANTITY", 9_999: "UNKNOWN_WAREHOUSE"}
    rows[17]["upc"] = "SK-MISSING"
    rows[4_000]["quantity"] = -3
    rows[9_999]["warehouse"] = "XX"
    body = put(client, rows)
    assert (body["applied"], body["rejected"]) == (MAX_ROWS - len(bad), len(bad))
    assert {e["index"]: e["code"] for e in body["errors"]} == bad
    stored = levels(hub, hub.acme.id)
    assert stored[("SK-00001", "EU", "ats")] == 5
    assert stored[("SK-02499", "US", "ats")] == 9_998
    assert ("SK-01000", "MAIN", "ats") not in stored
    too_many = client.put("/inventory", json=[*rows, rows[0]])
    detail = problem(too_many, 413, "TOO_MANY_ROWS")["detail"]
    assert "10,000" in detail


def test_a_body_that_is_not_a_list_is_refused(client: httpx.Client) -> None:
    problem(client.put("/inventory", json={"upc": "LS-S"}), 422, "INVALID_REQUEST")
