"""Stock from the ERP to Shopify end to end on PostgreSQL: ``PUT /inventory`` over HTTP, a
worker runs ``stock_export``, and the simulated store shows the ERP's quantities."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.web.harness import consuming, open_shop, serving
from wholesync.hub.apikeys import create_key
from wholesync.runtime.service import Runtime
from wholesync.simulator.server import RunningSimulator
from wholesync.sync.flows import run_for_tenant
from wholesync.sync.inventory import INVENTORY
from wholesync.sync.products import PRODUCTS
from wholesync.sync.tenants import set_setting
from wholesync.web.app import create_app


@pytest.fixture
def database_url(postgres_url: str) -> str:
    return postgres_url


def test_put_then_a_worker_pushes_to_shopify(
    simulator: RunningSimulator, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = open_shop(simulator, runtime, monkeypatch, products=4, customers=1, locations=2)
    for result in run_for_tenant(runtime.sessions, shop.tenant, [PRODUCTS, INVENTORY]):
        assert result.status == "succeeded", result.error
    with runtime.sessions.begin() as session:
        set_setting(session, shop.tenant, "stock_master", "hub")
        _, key = create_key(session, shop.tenant_id, "erp")
    sim = f"{simulator.url}/__sim/shops/{shop.handle}/inventory"
    with serving(create_app(runtime)) as url:
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=f"{url}/api/v1", headers=headers, timeout=60) as api:
            levels = api.get("/inventory", params={"bucket": "ats", "limit": 6}).json()["items"]
            rows = [
                {"upc": level["upc"], "warehouse": level["warehouse_code"], "quantity": 500 + i}
                for i, level in enumerate(levels)
            ]
            answer = api.put("/inventory", json=rows).json()
            assert answer["applied"] == len(rows) and answer["pushed_to_shopify"], answer
            names = {w["code"]: w["name"] for w in api.get("/warehouses").json()["items"]}
    wanted = {(row["upc"], names[row["warehouse"]]): row["quantity"] for row in rows}
    with consuming(runtime, monkeypatch):
        deadline = time.monotonic() + 60
        while True:
            stock = {
                (r["sku"], r["location"]): r["quantities"]["available"]
                for r in httpx.get(sim, timeout=30).json()
            }
            if all(stock.get(k) == q for k, q in wanted.items()) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    assert {k: stock.get(k) for k in wanted} == wanted
    (job,) = [job for job in runtime.jobs(shop.tenant_id) if job.flow == "stock_export"]
    assert job.status == "succeeded", job
