"""The catalog, customer and inventory pages over HTTP: search, filters and paging on each
list, and the product and customer pages with what they gather from other tables."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.web.ui.conftest import OPERATOR, UiHub
from wholesync.hub.models import (
    Customer,
    ExternalRef,
    InventoryLevel,
    Order,
    Product,
    ProductImage,
    Variant,
    Warehouse,
)
from wholesync.hub.models.types import utcnow
from wholesync.web.ui.listing import PER_PAGE

EXTRA = PER_PAGE + 5  # one page and a bit more


def linked(html: str, prefix: str) -> list[int]:
    """The ids of the rows a list page links to (``/catalog/12`` ...), in page order."""
    results = html.split('id="results"', 1)[1]
    return [int(found) for found in re.findall(rf'href="{prefix}/(\d+)"', results)]


def refused(html: str, status: int, actual: int, code: str) -> None:
    assert actual == status, html[:500]
    assert code in html


@pytest.fixture
def catalog(ui: UiHub) -> dict[str, int]:
    """Beside the seeded Linen Shirt: many wool coats of one variant each, an archived hat,
    a second warehouse, an image, custom fields and a link to the Shopify product."""
    tenant = ui.acme.id
    with ui.runtime.sessions.begin() as session:
        coats = []
        for number in range(EXTRA):
            coat = Product(
                tenant_id=tenant, title=f"Wool Coat {number:02}", handle=f"coat-{number}"
            )
            coat.variants = [
                Variant(
                    tenant_id=tenant,
                    upc=f"UPC-WC-{number:02}",
                    sku=f"WC-{number:02}",
                    title="One size",
                    retail_price=Decimal("300.00"),
                )
            ]
            coats.append(coat)
        hat = Product(tenant_id=tenant, title="Old Hat", handle="old-hat", status="archived")
        hat.archived_at = utcnow()
        east = Warehouse(tenant_id=tenant, code="EAST", name="East Coast")
        session.add_all([*coats, hat, east])
        session.flush()
        shirt = session.get_one(Product, ui.acme.ids["product"])
        shirt.vendor, shirt.tags = "Acme Mills", ["wholesync", "summer"]
        shirt.custom_fields = {"fabric": "linen", "care": {"wash": 30}}
        shirt.variants[1].custom_fields = {"fit": "slim"}
        session.add_all(
            [
                ProductImage(
                    tenant_id=tenant,
                    product_id=shirt.id,
                    url="https://cdn.example/linen.jpg",
                    alt="Linen shirt, front",
                ),
                InventoryLevel(
                    tenant_id=tenant,
                    variant_id=ui.acme.ids["variant_m"],
                    warehouse_id=east.id,
                    bucket="incoming",
                    quantity=12,
                ),
                InventoryLevel(
                    tenant_id=tenant,
                    variant_id=coats[3].variants[0].id,
                    warehouse_id=east.id,
                    bucket="ats",
                    quantity=-2,
                ),
                ExternalRef(
                    tenant_id=tenant,
                    entity="product",
                    hub_id=shirt.id,
                    shopify_gid="gid://shopify/Product/4242",
                ),
            ]
        )
        return {"hat": hat.id, "coat3": coats[3].id, "east": east.id}


def test_catalog_searches_filters_and_pages(ui: UiHub, catalog: dict[str, int]) -> None:
    client = ui.client(OPERATOR)
    shirt = ui.acme.ids["product"]
    first = client.get("/catalog")
    assert first.status_code == 200
    assert f"1\N{EN DASH}{PER_PAGE} of {EXTRA + 2} products" in first.text
    listed = linked(first.text, "/catalog")
    assert len(listed) == PER_PAGE
    assert listed[0] == shirt  # by title: Linen Shirt, Old Hat, then the coats
    second = client.get("/catalog", params={"page": 2})
    assert f"{PER_PAGE + 1}\N{EN DASH}{EXTRA + 2} of {EXTRA + 2}" in second.text
    assert len(linked(second.text, "/catalog")) == EXTRA + 2 - PER_PAGE
    assert not set(linked(second.text, "/catalog")) & set(listed)
    # Past the end shows the last page.
    assert linked(client.get("/catalog", params={"page": 99}).text, "/catalog") == linked(
        second.text, "/catalog"
    )

    def found(**params: str) -> list[int]:
        response = client.get("/catalog", params=params)
        assert response.status_code == 200, response.text[:500]
        return linked(response.text, "/catalog")

    assert found(q="linen") == [shirt]  # title
    assert found(q="LINEN-SH") == [shirt]  # handle
    assert found(q="ls-m") == [shirt]  # a variant's SKU
    assert found(q="upc-wc-03") == [catalog["coat3"]]  # a variant's UPC
    assert found(q="  Old Hat ") == [catalog["hat"]]
    assert found(q="%") == []  # a LIKE wildcard matches itself only
    assert found(status="archived") == [catalog["hat"]]
    assert catalog["hat"] not in found(status="active", q="o")
    assert found(status="archived", q="linen") == []
    # The pager keeps the search.
    coats = client.get("/catalog", params={"q": "wool"})
    assert f"1\N{EN DASH}{PER_PAGE} of {EXTRA} products" in coats.text
    assert 'href="?q=wool&amp;page=2"' in coats.text


def test_catalog_refuses_bad_filters_with_their_fix(ui: UiHub) -> None:
    client = ui.client()
    bad = client.get("/catalog", params={"status": "deleted"})
    refused(bad.text, 422, bad.status_code, "INVALID_FILTER")
    assert "active, archived" in bad.text
    for params in ({"page": "0"}, {"page": "two"}, {"q": "x" * 201}):
        response = client.get("/catalog", params=params)
        refused(response.text, 422, response.status_code, "INVALID_INPUT")
    nul = client.get("/catalog", params={"q": "a\x00b"})
    refused(nul.text, 422, nul.status_code, "INVALID_FILTER")


def test_product_page_gathers_variants_stock_images_and_fields(
    ui: UiHub, catalog: dict[str, int]
) -> None:
    client = ui.client(OPERATOR)
    page = client.get(f"/catalog/{ui.acme.ids['product']}")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Linen Shirt</h1>" in html
    for text in ("LS-S", "LS-M", "00000001", "40.00", "20.00", "Acme Mills", "summer"):
        assert text in html
    # Stock: MAIN has 7 ATS of S; EAST has 12 incoming of M.
    stock = html.split("Stock per warehouse", 1)[1].split("Images", 1)[0]
    assert re.search(r"Main \(MAIN\)</td>\s*<td[^>]*>7</td>", stock)
    assert re.search(r"East Coast \(EAST\)</td>\s*<td[^>]*>—</td>\s*<td[^>]*>12</td>", stock)
    assert 'src="https://cdn.example/linen.jpg"' in html and "Linen shirt, front" in html
    assert "fabric" in html and "linen" in html
    assert "{&#34;wash&#34;:30}" in html  # a structured value as JSON
    assert "fit" in html and "slim" in html
    assert 'href="https://acme.myshopify.com/admin/products/4242"' in html

    coat = client.get(f"/catalog/{catalog['coat3']}").text
    assert "Open in Shopify admin" not in coat  # never linked to Shopify
    assert "No custom fields" in coat and "No images" in coat
    assert re.search(r"East Coast \(EAST\)</td>\s*<td[^>]*>-2</td>", coat)


def test_product_page_of_a_missing_or_other_product(ui: UiHub) -> None:
    client = ui.client()
    for path in (f"/catalog/{ui.other.ids['product']}", "/catalog/999999"):
        response = client.get(path)
        refused(response.text, 404, response.status_code, "NOT_FOUND")
    for path in ("/catalog/abc", "/catalog/0", f"/catalog/{2**63}"):
        response = client.get(path)
        refused(response.text, 422, response.status_code, "INVALID_INPUT")


@pytest.fixture
def customers(ui: UiHub) -> dict[str, int]:
    """Beside the seeded Boutique One: many stores, an archived one, and two orders."""
    tenant = ui.acme.id
    with ui.runtime.sessions.begin() as session:
        stores = [
            Customer(
                tenant_id=tenant,
                customer_code=f"S{number:02}",
                company=f"Store {number:02}",
                email=f"orders@store{number:02}.example",
            )
            for number in range(EXTRA)
        ]
        gone = Customer(
            tenant_id=tenant, customer_code="GONE", company="Closed Shop", archived_at=utcnow()
        )
        session.add_all([*stores, gone])
        customer = ui.acme.ids["customer"]
        orders = [
            Order(tenant_id=tenant, number=f"W-{n}", customer_id=customer, po_number=f"PO-{n}")
            for n in (1, 2)
        ]
        session.add_all(orders)
        session.add(
            ExternalRef(
                tenant_id=tenant,
                entity="customer",
                hub_id=customer,
                shopify_gid="gid://shopify/Customer/777",
            )
        )
        session.flush()
        return {
            "gone": gone.id,
            "store7": stores[7].id,
            "order1": orders[0].id,
            "order2": orders[1].id,
        }


def test_customers_search_filter_and_page(ui: UiHub, customers: dict[str, int]) -> None:
    client = ui.client(OPERATOR)
    boutique = ui.acme.ids["customer"]
    first = client.get("/customers")
    assert f"1\N{EN DASH}{PER_PAGE} of {EXTRA + 2} customers" in first.text
    second = client.get("/customers", params={"page": "2"})
    assert len(linked(second.text, "/customers")) == EXTRA + 2 - PER_PAGE

    def found(**params: str) -> list[int]:
        response = client.get("/customers", params=params)
        assert response.status_code == 200, response.text[:500]
        return linked(response.text, "/customers")

    assert found(q="boutique") == [boutique]  # company
    assert found(q="BUY@ONE") == [boutique]  # e-mail
    assert found(q="c1") == [boutique]  # customer code
    assert found(q="store07") == [customers["store7"]]
    assert found(state="archived") == [customers["gone"]]
    assert customers["gone"] not in found(state="active", q="shop")
    bad = client.get("/customers", params={"state": "deleted"})
    refused(bad.text, 422, bad.status_code, "INVALID_FILTER")


def test_customer_page_shows_addresses_buyers_and_recent_orders(
    ui: UiHub, customers: dict[str, int]
) -> None:
    client = ui.client(OPERATOR)
    page = client.get(f"/customers/{ui.acme.ids['customer']}")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Boutique One</h1>" in html
    assert "C1" in html and "buy@one.example" in html
    assert "1 Main St<br>Suite 4<br>Brooklyn" in html and "PO Box 9" in html
    assert "Shipping · default" in html and "Billing · default" in html
    assert "B1" in html and "ann@one.example" in html and "Ann" in html
    orders = html.split("Recent orders", 1)[1]
    # Newest first, each linking to its order page.
    assert orders.index(f'href="/orders/{customers["order2"]}"') < orders.index(
        f'href="/orders/{customers["order1"]}"'
    )
    assert "PO-1" in orders and "draft" in orders
    assert 'href="https://acme.myshopify.com/admin/customers/777"' in html

    store = client.get(f"/customers/{customers['store7']}").text
    assert "No orders yet" in store and "No addresses" in store and "No buyers" in store
    other = client.get(f"/customers/{ui.other.ids['customer']}")
    refused(other.text, 404, other.status_code, "NOT_FOUND")


def test_inventory_searches_and_filters_by_warehouse_and_bucket(
    ui: UiHub, catalog: dict[str, int]
) -> None:
    client = ui.client(OPERATOR)
    shirt = ui.acme.ids["product"]

    def found(**params: str) -> list[int]:
        response = client.get("/inventory", params=params)
        assert response.status_code == 200, response.text[:500]
        return linked(response.text, "/catalog")

    everything = client.get("/inventory")
    assert "1\N{EN DASH}3 of 3 stock levels" in everything.text
    # In UPC order: LS-M (EAST incoming), LS-S (MAIN ats), UPC-WC-03 (EAST ats).
    assert found() == [shirt, shirt, catalog["coat3"]]
    assert found(q="ls-s") == [shirt]  # SKU
    assert found(q="UPC-WC") == [catalog["coat3"]]  # UPC
    assert found(warehouse="EAST") == [shirt, catalog["coat3"]]
    assert found(warehouse="EAST", bucket="ats") == [catalog["coat3"]]
    assert found(bucket="prebook") == []
    main = client.get("/inventory", params={"warehouse": "MAIN"}).text
    assert re.search(r"LS-S</td>.*?Main \(MAIN\)</td>\s*<td>ATS</td>\s*<td[^>]*>7</td>", main, re.S)
    assert '<option value="EAST">East Coast (EAST)</option>' in main
    for params in ({"warehouse": "WEST"}, {"bucket": "floor"}):
        bad = client.get("/inventory", params=params)
        refused(bad.text, 422, bad.status_code, "INVALID_FILTER")


def test_the_pages_ask_for_a_sign_in_first(ui: UiHub) -> None:
    anonymous = ui.client(None)
    ids = ui.acme.ids
    for path in (
        "/catalog?q=linen",
        f"/catalog/{ids['product']}",
        "/customers",
        f"/customers/{ids['customer']}",
        "/inventory",
        "/webhooks",
        f"/webhooks/{ids['webhook']}",
    ):
        response = anonymous.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=/"), path
        assert "Linen Shirt" not in response.text
