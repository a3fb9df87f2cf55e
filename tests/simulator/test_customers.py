"""Customers in the simulator, over HTTP: seeding, search, pages, counts, the create/update
checks Shopify makes, merchant edits and the customers/* webhooks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from tests.simulator.sim_helpers import Receiver, SimShop, documented_example, open_shop
from wholesync.simulator.server import RunningSimulator

SEEDED = 60
PAGE = """
query Page($first: Int, $last: Int, $after: String, $before: String, $query: String,
           $sortKey: CustomerSortKeys, $reverse: Boolean) {
  customers(first: $first, last: $last, after: $after, before: $before, query: $query,
            sortKey: $sortKey, reverse: $reverse) {
    nodes { id email firstName lastName tags updatedAt }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""
COUNT = """
query Count($query: String, $limit: Int) {
  customersCount(query: $query, limit: $limit) { count precision }
}
"""
CREATE = """
mutation Create($input: CustomerInput!) {
  customerCreate(input: $input) {
    customer {
      id email phone displayName tags
      defaultAddress { company province provinceCode country countryCodeV2 formattedArea }
      metafield(namespace: "wholesync", key: "customer_code") { value }
    }
    userErrors { field message }
  }
}
"""
UPDATE = """
mutation Update($input: CustomerInput!) {
  customerUpdate(input: $input) {
    customer { id email phone tags updatedAt }
    userErrors { field message }
  }
}
"""
READ = """
query Read($id: ID!) {
  customer(id: $id) {
    id email phone updatedAt tags note
    defaultAddress { company }
    metafield(namespace: "wholesync", key: "customer_code") { value }
  }
}
"""


@pytest.fixture(scope="module")
def seeded(simulator: RunningSimulator) -> Iterator[SimShop]:
    yield from open_shop(simulator, customers=SEEDED, seed=11, sync_tag="wholesync")


@pytest.fixture
def shop(simulator: RunningSimulator) -> Iterator[SimShop]:
    yield from open_shop(simulator, customers=0)


def page(shop: SimShop, **args: Any) -> dict[str, Any]:
    result: dict[str, Any] = shop.gql(PAGE, {"first": 250, **args})["customers"]
    return result


def emails(shop: SimShop, query: str) -> set[str]:
    return {node["email"] for node in page(shop, query=query)["nodes"]}


def create(shop: SimShop, **input: Any) -> dict[str, Any]:
    result: dict[str, Any] = shop.gql(CREATE, {"input": input})["customerCreate"]
    return result


# Seeding ---------------------------------------------------------------------------------


def test_seeded_customers_look_like_wholesale_accounts(seeded: SimShop) -> None:
    listing = seeded.control("GET", "/customers")
    assert len(listing) == SEEDED
    assert len({c["email"] for c in listing}) == SEEDED
    phones = [c["phone"] for c in listing if c["phone"]]
    assert len(phones) == len(set(phones)) and all(p.startswith("+") for p in phones)
    wholesale = [c for c in listing if "wholesale" in c["tags"]]
    assert len(wholesale) > SEEDED / 2
    assert sum("wholesync" in c["tags"] for c in wholesale) > len(wholesale) / 2
    assert any("wholesale-buyer" in c["tags"] for c in listing)
    assert any(not c["tags"] or "retail" in c["tags"] for c in listing)
    for customer in wholesale:
        assert 1 <= len(customer["addresses"]) <= 3
        default = next(a for a in customer["addresses"] if a["id"] == customer["defaultAddressId"])
        assert default["company"] and default["country"]
    codes = [m["value"] for c in listing for m in c["metafields"] if m["key"] == "customer_code"]
    assert len(codes) > len(wholesale) / 2 and all(code.startswith("C-") for code in codes)


def _without_times(value: Any) -> Any:
    """Seeded data minus its timestamps, which come from the wall clock."""
    if isinstance(value, dict):
        return {
            k: _without_times(v) for k, v in value.items() if k not in ("createdAt", "updatedAt")
        }
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    return value


def test_seeding_is_deterministic(simulator: RunningSimulator) -> None:
    def listing(seed: int) -> list[dict[str, Any]]:
        for shop in open_shop(simulator, customers=15, seed=seed):
            found: list[dict[str, Any]] = shop.control("GET", "/customers")
            return [_without_times(c) for c in found]
        raise AssertionError("no shop")

    assert listing(5) == listing(5)
    assert [c["email"] for c in listing(5)] != [c["email"] for c in listing(6)]


# Search, pages, counts -------------------------------------------------------------------


def test_search_filters_match_the_inspected_state(seeded: SimShop) -> None:
    listing = seeded.control("GET", "/customers")
    sample = listing[7]
    assert emails(seeded, "tag:wholesync") == {
        c["email"] for c in listing if "wholesync" in c["tags"]
    }
    assert emails(seeded, "tag_not:wholesync") == {
        c["email"] for c in listing if "wholesync" not in c["tags"]
    }
    assert emails(seeded, f'email:"{sample["email"]}"') == {sample["email"]}
    assert sample["email"] in emails(seeded, f"first_name:{sample['firstName']}")
    canadians = {
        c["email"] for c in listing if any(a["countryCodeV2"] == "CA" for a in c["addresses"])
    }
    assert emails(seeded, "country:Canada") == canadians == emails(seeded, "country:CA")
    assert emails(seeded, "state:DISABLED") == {c["email"] for c in listing}
    assert emails(seeded, "tag:wholesync -tag:wholesale-buyer") == {
        c["email"]
        for c in listing
        if "wholesync" in c["tags"] and "wholesale-buyer" not in c["tags"]
    }
    assert sample["email"] in emails(seeded, sample["lastName"])
    if sample["phone"]:
        assert emails(seeded, f"phone:{sample['phone']}") == {sample["email"]}
    assert emails(seeded, "no-such-customer-anywhere") == set()


def test_pages_cover_every_customer_once_in_both_directions(seeded: SimShop) -> None:
    seen: list[str] = []
    after = None
    while True:
        got = page(seeded, first=7, after=after)
        seen += [n["id"] for n in got["nodes"]]
        if not got["pageInfo"]["hasNextPage"]:
            break
        after = got["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == SEEDED
    assert seen == sorted(seen, key=lambda gid: int(gid.rsplit("/", 1)[1]))
    backwards = page(seeded, first=5, reverse=True)["nodes"]
    assert [n["id"] for n in backwards] == seen[::-1][:5]
    tail = page(seeded, first=None, last=3, before=page(seeded, first=10)["pageInfo"]["endCursor"])
    assert [n["id"] for n in tail["nodes"]] == seen[6:9]
    by_update = page(seeded, sortKey="UPDATED_AT", reverse=True)["nodes"]
    stamps = [n["updatedAt"] for n in by_update]
    assert stamps == sorted(stamps, reverse=True)
    by_name = page(seeded, sortKey="NAME")["nodes"]
    names = [f"{n['lastName']}, {n['firstName']}".lower() for n in by_name]
    assert names == sorted(names)


def test_count_reports_exact_or_at_least(seeded: SimShop) -> None:
    assert seeded.gql(COUNT)["customersCount"] == {"count": SEEDED, "precision": "EXACT"}
    capped = seeded.gql(COUNT, {"limit": 10})["customersCount"]
    assert capped == {"count": 10, "precision": "AT_LEAST"}


# Create and update -----------------------------------------------------------------------


def test_create_normalises_and_validates_like_shopify(shop: SimShop) -> None:
    made = create(
        shop,
        email=" Buyer@Juniper-Pine.example.com ",
        phone="+1 (613) 450-5293",
        firstName=" Ada ",
        lastName="Lovelace",
        tags=["wholesync, wholesale-buyer", "WHOLESYNC"],
        addresses=[
            {
                "address1": "1 Main St",
                "city": "Ottawa",
                "company": "Juniper & Pine",
                "countryCode": "CA",
                "provinceCode": "ON",
            }
        ],
        metafields=[
            {
                "namespace": "wholesync",
                "key": "customer_code",
                "type": "single_line_text_field",
                "value": "C-10042",
            }
        ],
    )
    assert made["userErrors"] == []
    customer = made["customer"]
    assert customer["email"] == "Buyer@Juniper-Pine.example.com"
    assert customer["phone"] == "+16134505293"
    assert customer["displayName"] == "Ada Lovelace"
    assert customer["tags"] == ["wholesale-buyer", "wholesync"]
    assert customer["defaultAddress"] == {
        "company": "Juniper & Pine",
        "province": "Ontario",
        "provinceCode": "ON",
        "country": "Canada",
        "countryCodeV2": "CA",
        "formattedArea": "Ottawa ON, Canada",
    }
    assert customer["metafield"] == {"value": "C-10042"}
    taken_email = create(shop, email="buyer@juniper-pine.example.com")["userErrors"]
    assert taken_email == [{"field": ["email"], "message": "Email has already been taken"}]
    taken_phone = create(shop, phone="613-450-5293", firstName="Twin")["userErrors"]
    assert taken_phone == [{"field": ["phone"], "message": "Phone has already been taken"}]
    assert create(shop, email="nope@")["userErrors"] == [
        {"field": ["email"], "message": "Email is invalid"}
    ]
    assert create(shop, phone="abc")["userErrors"] == [
        {"field": ["phone"], "message": "Phone is invalid"}
    ]
    assert create(shop, note="x")["userErrors"] == [
        {"field": None, "message": "A name, phone number, or email address must be present"}
    ]


def test_addresses_are_checked_country_by_country(shop: SimShop) -> None:
    def errors(address: dict[str, Any]) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = create(shop, firstName="A", addresses=[address])[
            "userErrors"
        ]
        return result

    assert errors({"city": "Chicago", "countryCode": "US", "provinceCode": "ON"}) == [
        {"field": ["addresses", "0", "province"], "message": "Province is invalid"}
    ]
    assert errors({"city": "Nowhere", "country": "Atlantis"}) == [
        {"field": ["addresses", "0", "country"], "message": "Country is invalid"}
    ]
    assert errors({"address1": " "}) == [
        {"field": ["addresses", "0"], "message": "Customer address cannot be blank."}
    ]
    assert errors({"city": "<b>Paris</b>", "countryCode": "FR"}) == [
        {"field": ["addresses", "0", "city"], "message": "City cannot contain HTML tags"}
    ]
    no_zones = create(
        shop,
        firstName="B",
        addresses=[{"city": "Singapore", "countryCode": "SG", "provinceCode": "ON"}],
    )
    assert no_zones["customer"]["defaultAddress"]["provinceCode"] is None
    by_name = create(
        shop,
        firstName="C",
        addresses=[{"city": "Austin", "country": "United States", "province": "Texas"}],
    )
    assert by_name["customer"]["defaultAddress"]["provinceCode"] == "TX"


def test_update_checks_identity_duplicates_and_existence(shop: SimShop) -> None:
    first = create(shop, email="one@example.com", phone="+14155550101")["customer"]
    create(shop, email="two@example.com", phone="+14155550102")

    def update(**input: Any) -> dict[str, Any]:
        result: dict[str, Any] = shop.gql(UPDATE, {"input": input})["customerUpdate"]
        return result

    assert update(id=first["id"], email="TWO@example.com")["userErrors"] == [
        {"field": ["email"], "message": "Email has already been taken"}
    ]
    assert update(id=first["id"], phone="+14155550102")["userErrors"] == [
        {"field": ["phone"], "message": "Phone has already been taken"}
    ]
    assert update(id=first["id"], email=None, phone=None)["userErrors"] == [
        {"field": None, "message": "A name, phone number, or email address must be present"}
    ]
    assert update(id="gid://shopify/Customer/1", note="x")["userErrors"] == [
        {"field": ["id"], "message": "Customer does not exist"}
    ]
    changed = update(id=first["id"], tags=["b", "a"], email="uno@example.com")
    assert changed["userErrors"] == []
    assert changed["customer"]["tags"] == ["a", "b"]
    assert changed["customer"]["email"] == "uno@example.com"


# Merchant actions and webhooks -----------------------------------------------------------


def test_merchant_edit_bumps_updated_at_and_is_searchable(seeded: SimShop) -> None:
    target = seeded.control("GET", "/customers")[3]
    number = target["id"].rsplit("/", 1)[1]
    answer = seeded.control(
        "POST",
        f"/customers/{number}",
        {
            "note": "Prefers Tuesday deliveries",
            "company": "Wren & Sage Goods",
            "tags": ["wholesync"],
        },
    )
    edited = seeded.gql(READ, {"id": target["id"]})["customer"]
    assert edited["updatedAt"] == answer["customer"]["updatedAt"] > target["updatedAt"]
    assert edited["note"] == "Prefers Tuesday deliveries"
    assert edited["defaultAddress"] == {"company": "Wren & Sage Goods"}
    assert edited["tags"] == ["wholesync"]
    recent = page(seeded, query=f"updated_at:>'{target['updatedAt']}' tag:wholesync")["nodes"]
    assert target["id"] in {n["id"] for n in recent}
    newest = page(seeded, query=f"updated_at:>={edited['updatedAt']}")["nodes"]
    assert [n["id"] for n in newest] == [target["id"]]


def test_merchant_create_and_bad_input(shop: SimShop) -> None:
    made = shop.control("POST", "/customers", {"email": "store@example.com", "firstName": "Ines"})
    assert made["customer"]["id"].startswith("gid://shopify/Customer/")
    url = f"{shop.sim.url}/__sim/shops/{shop.handle}"
    duplicate = httpx.post(f"{url}/customers", json={"email": "store@example.com"})
    assert duplicate.status_code == 422
    assert "Email has already been taken" in duplicate.json()["error"]["message"]
    assert httpx.post(f"{url}/customers", json={"nickname": "x"}).status_code == 422
    missing = httpx.post(f"{url}/customers/999", json={"note": "x"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "CUSTOMER_NOT_FOUND"


def test_customer_webhooks_have_the_documented_keys(shop: SimShop, receiver: Receiver) -> None:
    example = documented_example("customers/update")
    shop.subscribe("CUSTOMERS_CREATE", receiver.url)
    shop.subscribe("CUSTOMERS_UPDATE", receiver.url)
    made = create(
        shop,
        email="hooks@example.com",
        firstName="Hook",
        addresses=[
            {"address1": "1 Main", "city": "Ottawa", "countryCode": "CA", "provinceCode": "ON"}
        ],
    )["customer"]
    shop.control("POST", f"/customers/{made['id'].rsplit('/', 1)[1]}", {"note": "edited"})
    created, updated = (orjson.loads(r.body) for r in receiver.wait(2))
    assert set(created) == set(example) and set(updated) == set(example)
    assert set(created["default_address"]) == set(example["default_address"])
    assert set(created["addresses"][0]) == set(example["default_address"])
    assert created["admin_graphql_api_id"] == made["id"]
    assert updated["note"] == "edited" and updated["state"] == "disabled"


def test_search_lag_hides_fresh_writes_from_search_only(shop: SimShop) -> None:
    shop.control("PUT", "/faults", {"search_lag": 60})
    made = create(shop, email="fresh@example.com", tags=["wholesync"])["customer"]
    assert emails(shop, "tag:wholesync") == set()
    assert shop.gql(READ, {"id": made["id"]})["customer"]["email"] == "fresh@example.com"
    shop.control("PUT", "/faults", {"search_lag": 0})
    assert emails(shop, "tag:wholesync") == {"fresh@example.com"}
