"""Export now, end to end: an order created over the API from a synced hub is exported by a
worker to the simulated store, and ``?wait=`` returns it processed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.secrets_scan import read_response, remember
from tests.web.api.conftest import SHIP_TO, new_order
from tests.web.harness import consuming, open_shop, serving
from wholesync.hub.apikeys import create_key
from wholesync.runtime.service import Runtime
from wholesync.simulator.server import RunningSimulator
from wholesync.sync.customers import CUSTOMERS
from wholesync.sync.flows import run_for_tenant
from wholesync.sync.inventory import INVENTORY
from wholesync.sync.products import PRODUCTS
from wholesync.web.app import create_app


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hub.db'}"


@pytest.fixture
def synced(
    simulator: RunningSimulator, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> Iterator[httpx.Client]:
    """A client of a tenant whose simulated store was synced into the hub."""
    shop = open_shop(simulator, runtime, monkeypatch, products=3, customers=4, locations=1)
    for result in run_for_tenant(runtime.sessions, shop.tenant, [PRODUCTS, CUSTOMERS, INVENTORY]):
        assert result.status == "succeeded", result.error
    with runtime.sessions.begin() as session:
        _, key = create_key(session, shop.tenant_id, "tests")
    remember(key)
    with serving(create_app(runtime)) as url:
        headers = {"Authorization": f"Bearer {key}"}
        hooks = {"response": [read_response]}
        with httpx.Client(
            base_url=f"{url}/api/v1", headers=headers, timeout=90, event_hooks=hooks
        ) as client:
            yield client
    httpx.delete(f"{simulator.url}/__sim/shops/{shop.handle}", timeout=30)


def test_export_now_waits_for_the_worker(
    synced: httpx.Client, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    stocked = synced.get("/inventory", params={"bucket": "ats", "limit": 200}).json()["items"]
    level = max(stocked, key=lambda found: found["quantity"])
    assert level["quantity"] > 0
    customer = synced.get("/customers", params={"archived": False}).json()["items"][0]
    order = new_order(
        synced,
        customer_id=customer["id"],
        shipping_address=SHIP_TO,
        lines=[{"variant_id": level["variant_id"], "quantity": 1}],
    )
    for status in ("pending", "approved"):
        assert synced.post(f"/orders/{order['id']}/transitions", json={"to": status}).is_success
    with consuming(runtime, monkeypatch):
        response = synced.post(f"/orders/{order['id']}/export", params={"wait": 45})
    assert response.status_code == 200, response.text
    exported = response.json()["order"]
    assert exported["status"] == "processed", exported["error_message"]
    assert exported["shopify"]["gid"].startswith("gid://shopify/Order/")
    assert response.json()["job"]["status"] in ("running", "succeeded")
