"""Order nodes for the order mapping tests: the shape fragments/OrderFields selects, built by
hand or converted from a REST-shaped webhook body (Shopify's documented example)."""

from __future__ import annotations

from typing import Any

Node = dict[str, Any]


def money(amount: str, currency: str = "USD") -> Node:
    return {"shopMoney": {"amount": amount, "currencyCode": currency}}


def line_node(number: int, sku: str | None, variant: Node | None, **fields: Any) -> Node:
    node: Node = {
        "id": f"gid://shopify/LineItem/{number}",
        "title": "Harbor Linen Shirt",
        "variantTitle": "Navy / M",
        "sku": sku,
        "quantity": 2,
        "discountedUnitPriceAfterAllDiscountsSet": money("68.00"),
        "variant": variant,
    }
    node.update(fields)
    return node


def variant_ref(number: int, sku: str | None, barcode: str | None = None) -> Node:
    return {
        "id": f"gid://shopify/ProductVariant/{number}",
        "legacyResourceId": str(number),
        "sku": sku,
        "barcode": barcode,
    }


def address(**fields: Any) -> Node:
    node: Node = {
        "id": "gid://shopify/MailingAddress/1",
        "company": "Harbor Goods",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "address1": "12 Quay Street",
        "address2": "Unit 4B",
        "city": "Portland",
        "province": "Maine",
        "provinceCode": "ME",
        "country": "United States",
        "countryCodeV2": "US",
        "zip": "04101",
        "phone": "+12075550100",
    }
    node.update(fields)
    return node


def customer_node(number: int = 77, metafields: list[Node] | None = None, **fields: Any) -> Node:
    node: Node = {
        "id": f"gid://shopify/Customer/{number}",
        "legacyResourceId": str(number),
        "firstName": "Ada",
        "lastName": "Lovelace",
        "email": "ada@example.com",
        "phone": None,
        "defaultAddress": {"company": "Harbor Goods"},
        "metafields": {"nodes": metafields or []},
    }
    node.update(fields)
    return node


def order_node(lines: list[Node] | None = None, **fields: Any) -> Node:
    """An online order: two lines (one of a known variant, one custom), paid, not cancelled."""
    if lines is None:
        lines = [
            line_node(1, "HLS100-NAV-M", variant_ref(11, "HLS100-NAV-M", "012345678905")),
            line_node(2, "GIFT-WRAP", None, title="Gift wrap", variantTitle=None, quantity=1),
        ]
    node: Node = {
        "id": "gid://shopify/Order/5001",
        "legacyResourceId": "5001",
        "name": "#1001",
        "email": "ada@example.com",
        "phone": None,
        "note": "Leave at the back door",
        "poNumber": None,
        "currencyCode": "USD",
        "sourceName": "web",
        "sourceIdentifier": None,
        "tags": [],
        "createdAt": "2026-07-01T09:00:00Z",
        "updatedAt": "2026-07-01T10:00:00Z",
        "cancelledAt": None,
        "cancelReason": None,
        "shippingAddress": address(),
        "billingAddress": address(address2=None),
        "customer": customer_node(),
        "lineItems": {"nodes": lines, "pageInfo": {"hasNextPage": False, "endCursor": None}},
    }
    node.update(fields)
    return node


def _address_from_rest(raw: Node | None) -> Node | None:
    if raw is None:
        return None
    keys = {"first_name": "firstName", "last_name": "lastName", "province_code": "provinceCode"}
    node = {keys.get(k, k): v for k, v in raw.items() if k not in ("latitude", "longitude")}
    node["countryCodeV2"] = node.pop("country_code", None)
    return node


def _line_from_rest(raw: Node) -> Node:
    quantity = raw["quantity"]
    paid = float(raw["price"]) - float(raw["total_discount"]) / quantity
    variant = None
    if raw.get("variant_id"):
        variant = {
            "id": f"gid://shopify/ProductVariant/{raw['variant_id']}",
            "legacyResourceId": str(raw["variant_id"]),
            "sku": raw.get("sku"),
            "barcode": None,
        }
    return {
        "id": raw["admin_graphql_api_id"],
        "title": raw["title"],
        "variantTitle": raw.get("variant_title"),
        "sku": raw.get("sku"),
        "quantity": quantity,
        "discountedUnitPriceAfterAllDiscountsSet": money(
            f"{paid:.2f}", raw["price_set"]["shop_money"]["currency_code"]
        ),
        "variant": variant,
    }


def node_from_rest(body: Node) -> Node:
    """The GraphQL node of a REST order body (webhook), for the fields the mapper reads. Ids
    come from ``admin_graphql_api_id``: the numeric ids of the documented examples were
    rounded above 2^53."""
    customer = body.get("customer")
    return {
        "id": body["admin_graphql_api_id"],
        "name": body["name"],
        "email": body.get("email"),
        "phone": body.get("phone"),
        "note": body.get("note"),
        "poNumber": body.get("po_number"),
        "currencyCode": body["currency"],
        "sourceName": body.get("source_name"),
        "sourceIdentifier": body.get("source_identifier"),
        "tags": body.get("tags") or [],
        "createdAt": body["created_at"],
        "updatedAt": body["updated_at"],
        "cancelledAt": body.get("cancelled_at"),
        "cancelReason": (body.get("cancel_reason") or "").upper() or None,
        "shippingAddress": _address_from_rest(body.get("shipping_address")),
        "billingAddress": _address_from_rest(body.get("billing_address")),
        "customer": None
        if customer is None
        else {
            "id": customer["admin_graphql_api_id"],
            "firstName": customer.get("first_name"),
            "lastName": customer.get("last_name"),
            "email": customer.get("email"),
            "phone": customer.get("phone"),
            "defaultAddress": {"company": (customer.get("default_address") or {}).get("company")},
            "metafields": {"nodes": []},
        },
        "lineItems": {
            "nodes": [_line_from_rest(line) for line in body["line_items"]],
            "pageInfo": {"hasNextPage": False, "endCursor": None},
        },
    }
