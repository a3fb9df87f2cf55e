"""Two-way customers over the REST API: a worker sends a customer created or changed over
the API to the simulated store, and ``?wait=`` returns it pushed, or refused with its code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.web.api.test_customers_write import NEW
from tests.web.harness import Shop, consuming, listing, open_shop, serving
from wholesync.hub.apikeys import create_key
from wholesync.runtime.service import Runtime
from wholesync.simulator.server import RunningSimulator
from wholesync.sync.tenants import set_setting
from wholesync.web.app import create_app


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hub.db'}"


@pytest.fixture
def two_way(
    simulator: RunningSimulator, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Shop, httpx.Client]]:
    """A tenant of a simulated store with two-way customers on, its API client and a worker."""
    shop = open_shop(simulator, runtime, monkeypatch, products=1, customers=3, locations=1)
    with runtime.sessions.begin() as session:
        set_setting(session, shop.tenant, "flows.customers_export.enabled", "true")
        _, key = create_key(session, shop.tenant_id, "tests")
    with serving(create_app(runtime)) as url, consuming(runtime, monkeypatch):
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=f"{url}/api/v1", headers=headers, timeout=90) as client:
            yield shop, client
    httpx.delete(f"{simulator.url}/__sim/shops/{shop.handle}", timeout=30)


def test_created_then_updated_in_the_store(two_way: tuple[Shop, httpx.Client]) -> None:
    shop, client = two_way
    response = client.post("/customers", json=NEW, params={"wait": 45})
    assert response.status_code == 201, response.text
    push = response.json()["push"]
    assert push["status"] == "pushed", push
    customer_id = response.json()["customer"]["id"]
    (made,) = [c for c in listing(shop.sim, shop.handle, "customers") if c["email"] == NEW["email"]]
    assert made["id"] == push["shopify_gid"] and made["firstName"] == "Hal"

    edited = client.patch(
        f"/customers/{customer_id}", json={"first_name": "Hank"}, params={"wait": 45}
    )
    assert edited.json()["push"]["status"] == "pushed", edited.text
    (changed,) = [
        c for c in listing(shop.sim, shop.handle, "customers") if c["email"] == NEW["email"]
    ]
    assert changed["id"] == made["id"] and changed["firstName"] == "Hank"


def test_a_refusal_comes_back_with_its_code(two_way: tuple[Shop, httpx.Client]) -> None:
    shop, client = two_way
    phone = next(c["phone"] for c in listing(shop.sim, shop.handle, "customers") if c.get("phone"))
    body = {**NEW, "customer_code": "API-2", "email": "two@harbour.example", "phone": phone}
    push = client.post("/customers", json=body, params={"wait": 45}).json()["push"]
    assert push["status"] == "failed", push
    assert push["error_code"] == "DUPLICATE_CUSTOMER"
    assert "Phone has already been taken" in push["error_message"]
