"""Every route is scoped to the key's tenant: another tenant's resource is 404 (never 403),
its rows never show in lists, and writes aimed at it change nothing.

The table below must name every route of the API, so a new route without an entry fails."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.routing import Mount

from tests.web.api.conftest import Hub, new_order
from wholesync.hub.models import Order, Shipment
from wholesync.hub.models.types import utcnow
from wholesync.runtime.service import Runtime
from wholesync.web.api import PREFIX
from wholesync.web.app import create_app


@dataclass(frozen=True)
class Item:
    """A route about one row: ``resource`` names whose id goes in the path."""

    resource: str
    body: dict[str, Any] | None = None


@dataclass(frozen=True)
class Listing:
    """A list route: ``resource`` names which of its rows must not leak."""

    resource: str
    params: dict[str, str] | None = None


@dataclass(frozen=True)
class Create:
    """A create route whose body names another tenant's rows: refused as unknown."""

    body: dict[str, Any]
    code: str
    status: int = 422


@dataclass(frozen=True)
class Bulk:
    """A bulk write whose rows name another tenant's rows: each row refused, none applied."""

    row: dict[str, Any]
    code: str


@dataclass(frozen=True)
class Free:
    """A create whose key the caller's tenant already holds: free for another tenant."""

    body: dict[str, Any]


ROUTES: dict[tuple[str, str], Item | Listing | Create | Bulk | Free] = {
    ("GET", "/orders"): Listing("order"),
    ("POST", "/orders"): Create({"customer_id": "{customer}"}, "CUSTOMER_NOT_FOUND"),
    ("GET", "/orders/{order_id}"): Item("order"),
    ("PATCH", "/orders/{order_id}"): Item("order", {"po_number": "STOLEN"}),
    ("POST", "/orders/{order_id}/transitions"): Item("order", {"to": "cancelled"}),
    ("POST", "/orders/{order_id}/export"): Item("order"),
    ("POST", "/orders/{order_id}/reexport"): Item("order", {"confirm_previous_cancelled": True}),
    ("POST", "/orders/{order_id}/erp-status"): Item("shopify_order", {"status": "imported"}),
    ("GET", "/erp/backlog"): Listing("shopify_order", {"older_than_minutes": "0"}),
    ("GET", "/products"): Listing("product"),
    ("GET", "/products/{product_id}"): Item("product"),
    ("GET", "/variants"): Listing("variant"),
    ("GET", "/variants/{variant_id}"): Item("variant"),
    ("GET", "/customers"): Listing("customer"),
    ("GET", "/customers/{customer_id}"): Item("customer"),
    ("POST", "/customers"): Free({"customer_code": "ACME-ONLY"}),
    ("PATCH", "/customers/{customer_id}"): Item("customer", {"company": "STOLEN"}),
    ("GET", "/buyers"): Listing("buyer"),
    ("GET", "/buyers/{buyer_id}"): Item("buyer"),
    ("GET", "/warehouses"): Listing("warehouse"),
    ("GET", "/warehouses/{warehouse_id}"): Item("warehouse"),
    ("GET", "/inventory"): Listing("level"),
    ("PUT", "/inventory"): Bulk(
        {"variant_id": "{variant}", "warehouse": "MAIN", "quantity": 99}, "UNKNOWN_VARIANT"
    ),
    ("GET", "/runs"): Listing("run"),
    ("GET", "/runs/{run_id}"): Item("run"),
    ("GET", "/runs/{run_id}/records"): Item("run"),
    ("GET", "/shipments"): Listing("shipment"),
    ("GET", "/shipments/{shipment_id}"): Item("shipment"),
    ("POST", "/shipments"): Create(
        {"order_id": "{order}", "external_id": "X-1", "tracking": [{"number": "1Z"}]},
        "ORDER_NOT_FOUND",
        404,
    ),
}


def api_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the mounted API serves, as its OpenAPI document (generated from
    the app's routes) lists them."""
    [mount] = [r for r in app.routes if isinstance(r, Mount) and r.path == PREFIX]
    assert isinstance(mount.app, FastAPI)
    paths = mount.app.openapi()["paths"]
    return {(method.upper(), path) for path, item in paths.items() for method in item}


def test_the_table_names_every_route(runtime: Runtime) -> None:
    assert api_routes(create_app(runtime)) == set(ROUTES)


def test_another_tenants_resources_are_not_found(hub: Hub) -> None:
    ids = dict(hub.acme.ids)
    with hub.client() as acme:
        ids["order"] = new_order(
            acme, customer_id=ids["customer"], lines=[{"upc": "LS-S", "quantity": 2}]
        )["id"]
        assert acme.post("/customers", json={"customer_code": "ACME-ONLY"}).status_code == 201
    with hub.runtime.sessions.begin() as session:
        imported = Order(
            tenant_id=hub.acme.id,
            number="#1001",
            origin="shopify",
            status="approved",
            erp_status="pending",
            created_at=utcnow() - timedelta(hours=2),
        )
        session.add(imported)
        session.flush()
        ids["shopify_order"] = imported.id
        shipment = Shipment(
            tenant_id=hub.acme.id,
            order_id=imported.id,
            external_id="ERP-1",
            tracking=[{"number": "1Z", "url": None}],
        )
        session.add(shipment)
        session.flush()
        ids["shipment"] = shipment.id
    with hub.client() as acme:
        before = {
            name: acme.get(f"/orders/{ids[name]}").json() for name in ("order", "shopify_order")
        }
    with hub.client(hub.other.key) as other:
        for (method, path), case in ROUTES.items():
            _check(other, method, path, case, ids)
    with hub.client() as acme:
        after = {
            name: acme.get(f"/orders/{ids[name]}").json() for name in ("order", "shopify_order")
        }
        assert after == before
        for (method, path), case in ROUTES.items():
            if method == "GET" and isinstance(case, Item):
                url = path.replace(
                    path[path.index("{") : path.index("}") + 1], str(ids[case.resource])
                )
                assert acme.get(url).status_code == 200, url


def _named(body: dict[str, Any], ids: dict[str, int]) -> dict[str, Any]:
    """``body`` with each ``"{resource}"`` value replaced by that resource's id."""
    return {
        k: ids[v.strip("{}")] if isinstance(v, str) and v.startswith("{") else v
        for k, v in body.items()
    }


def _check(
    other: httpx.Client,
    method: str,
    path: str,
    case: Item | Listing | Create | Bulk | Free,
    ids: dict[str, int],
) -> None:
    where = f"{method} {path}"
    if isinstance(case, Item):
        url = path.replace(path[path.index("{") : path.index("}") + 1], str(ids[case.resource]))
        response = other.request(method, url, json=case.body)
        assert response.status_code == 404, (where, response.text)
        assert response.headers["content-type"] == "application/problem+json", where
        assert response.json()["code"].endswith("_NOT_FOUND"), (where, response.text)
    elif isinstance(case, Listing):
        response = other.get(path, params=case.params)
        assert response.status_code == 200, (where, response.text)
        listed = {item["id"] for item in response.json()["items"]}
        assert ids[case.resource] not in listed, where
    elif isinstance(case, Free):
        response = other.request(method, path, json=case.body)
        assert response.status_code == 201, (where, response.text)
    elif isinstance(case, Bulk):
        answer = other.request(method, path, json=[_named(case.row, ids)]).json()
        assert answer["applied"] == 0, (where, answer)
        assert [error["code"] for error in answer["errors"]] == [case.code], (where, answer)
    else:
        response = other.request(method, path, json=_named(case.body, ids))
        assert response.status_code == case.status, (where, response.text)
        assert response.json()["code"] == case.code, where


def test_orders_cannot_name_another_tenants_variant_or_buyer(hub: Hub) -> None:
    acme = hub.acme.ids
    with hub.client(hub.other.key) as other:
        cases = [
            ({"lines": [{"variant_id": acme["variant"], "quantity": 1}]}, "VARIANT_NOT_FOUND"),
            ({"buyer_id": acme["buyer"]}, "BUYER_NOT_FOUND"),
            ({"customer_id": acme["customer"]}, "CUSTOMER_NOT_FOUND"),
        ]
        for body, code in cases:
            response = other.post("/orders", json=body)
            assert (response.status_code, response.json()["code"]) == (422, code)
        # The same UPC in the caller's own catalog is the caller's variant.
        mine = new_order(other, lines=[{"upc": "LS-S", "quantity": 1}])
        assert mine["lines"][0]["variant_id"] == hub.other.ids["variant"]
        listed = other.get("/variants", params={"product_id": acme["product"]}).json()
        assert listed["items"] == []
