"""``customers(query:)`` and ``customersCount(query:)``: Shopify's customer search fields and
sort keys, with the search-lag fault (search sees a snapshot taken when the write happened)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from wholesync.simulator.api import search
from wholesync.simulator.customers.model import addresses_of, default_address, orders_of
from wholesync.simulator.store import Record, Shop

SEARCH_HISTORY_SECONDS = 600.0
TIME_FIELDS = ("created_at", "updated_at", "customer_date")
DEFAULT_FIELDS = ("first_name", "last_name", "email", "phone", "company")
Values = dict[str, list[Any]]


def _email_tokens(email: str | None) -> list[Any]:
    """Shopify tokenises emails: the whole address, its local part and its domain match."""
    if not email:
        return []
    local, _, domain = email.partition("@")
    return [email, local, domain]


def _order_amount(order: Record) -> Decimal:
    amount = order.get("totalPriceSet", {}).get("shopMoney", {}).get("amount", 0)
    return Decimal(str(amount))


def _order_totals(shop: Shop, customer: Record) -> tuple[int, Decimal]:
    orders = orders_of(shop, customer)
    return len(orders), sum((_order_amount(o) for o in orders), Decimal(0))


def _phones(phone: str | None) -> list[Any]:
    return [phone, phone.lstrip("+")] if phone else []


def _countries(shop: Shop, customer: Record) -> list[Any]:
    return [
        value
        for address in addresses_of(shop, customer)
        for value in (address.get("country"), address.get("countryCodeV2"))
    ]


def _accepts_marketing(customer: Record) -> list[Any]:
    consent = customer.get("_email_consent") or {}
    return [str(consent.get("marketingState") == "SUBSCRIBED").lower()]


def search_values(shop: Shop, customer: Record) -> Values:
    """Everything search can match on for one customer."""
    count, spent = _order_totals(shop, customer) if shop.orders else (0, Decimal(0))
    return {
        "id": [int(customer["legacyResourceId"])],
        "email": _email_tokens(customer.get("email")),
        "first_name": [customer.get("firstName")],
        "last_name": [customer.get("lastName")],
        "phone": _phones(customer.get("phone")),
        "tag": list(customer.get("tags", ())),
        "state": [customer.get("state")],
        "created_at": [customer["createdAt"]],
        "customer_date": [customer["createdAt"]],
        "updated_at": [customer["updatedAt"]],
        "country": _countries(shop, customer),
        "company": [a.get("company") for a in addresses_of(shop, customer)],
        "accepts_marketing": _accepts_marketing(customer),
        "orders_count": [count],
        "total_spent": [spent],
    }


def index(shop: Shop, customer: Record) -> None:
    """Snapshot a write for search; seeded customers have none and are always visible."""
    now = shop.clock()
    history: list[tuple[float, Values]] = customer.setdefault("_index", [])
    history.append((now, search_values(shop, customer)))
    old = [entry for entry in history if entry[0] < now - SEARCH_HISTORY_SECONDS]
    if len(old) > 1:
        del history[: len(old) - 1]


def _visible_values(shop: Shop, customer: Record) -> Values | None:
    cutoff = shop.clock() - shop.faults.search_lag
    visible = [values for written, values in customer.get("_index", ()) if written <= cutoff]
    return visible[-1] if visible else None


def _rewrite(node: search.Node, now: str) -> search.Node:
    """Expand the fields the generic matcher cannot express directly."""
    if isinstance(node, search.Bool):
        return search.Bool(node.op, tuple(_rewrite(item, now) for item in node.items))
    if isinstance(node, search.Not):
        return search.Not(_rewrite(node.item, now))
    term = node
    if term.field == "tag_not":
        term = search.Term("tag", term.op, term.value, not term.negate)
    if term.field == "tag" and "," in term.value:
        tags = [t.strip() for t in term.value.split(",") if t.strip()]
        any_tag = search.Bool("OR", tuple(search.Term("tag", "=", t) for t in tags))
        return search.Not(any_tag) if term.negate else any_tag
    if term.field in TIME_FIELDS:
        value = now if term.value.lower() == "now" else term.value
        if term.op == "=" and len(value) == 10:
            return _whole_day(term.field, value, term.negate)
        return search.Term(term.field, term.op, value, term.negate)
    return term


def _whole_day(field: str, day: str, negate: bool) -> search.Node:
    """``updated_at:2024-01-01`` matches the whole day."""
    try:
        start = datetime.fromisoformat(day)
    except ValueError:
        return search.Term(field, "=", day, negate)
    end = (start + timedelta(days=1)).date().isoformat()
    both = search.Bool("AND", (search.Term(field, ">=", day), search.Term(field, "<", end)))
    return search.Not(both) if negate else both


def _live_getters(shop: Shop) -> dict[str, Callable[[Record], Iterable[Any]]]:
    """Getters over live records; order totals are gathered once, on first use."""
    totals: dict[int, tuple[int, Decimal]] = {}

    def order_stats(customer: Record) -> tuple[int, Decimal]:
        if not totals:
            totals[-1] = (0, Decimal(0))
            for order in shop.orders.values():
                owner = order.get("_customer")
                if owner is not None:
                    count, spent = totals.get(owner, (0, Decimal(0)))
                    totals[owner] = (count + 1, spent + _order_amount(order))
        return totals.get(int(customer["legacyResourceId"]), (0, Decimal(0)))

    return {
        "id": lambda c: [int(c["legacyResourceId"])],
        "email": lambda c: _email_tokens(c.get("email")),
        "first_name": lambda c: [c.get("firstName")],
        "last_name": lambda c: [c.get("lastName")],
        "phone": lambda c: _phones(c.get("phone")),
        "tag": lambda c: c.get("tags", ()),
        "state": lambda c: [c.get("state")],
        "created_at": lambda c: [c["createdAt"]],
        "customer_date": lambda c: [c["createdAt"]],
        "updated_at": lambda c: [c["updatedAt"]],
        "country": lambda c: _countries(shop, c),
        "company": lambda c: [a.get("company") for a in addresses_of(shop, c)],
        "accepts_marketing": _accepts_marketing,
        "orders_count": lambda c: [order_stats(c)[0]],
        "total_spent": lambda c: [order_stats(c)[1]],
    }


def _snapshot_getter(name: str) -> Callable[[Values], Iterable[Any]]:
    return lambda values: values[name]


SEARCH_FIELDS = [
    "id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "tag",
    "state",
    "created_at",
    "customer_date",
    "updated_at",
    "country",
    "company",
    "accepts_marketing",
    "orders_count",
    "total_spent",
]
_SNAPSHOT_GETTERS = {name: _snapshot_getter(name) for name in SEARCH_FIELDS}


COUNT_FIELDS = ("created_at", "id", "updated_at")
_EVERYTHING = search.Bool("AND", ())


def _count_terms_only(node: search.Node) -> search.Node:
    """``customersCount`` ignores every filter but ``created_at``, ``id`` and ``updated_at``."""
    if isinstance(node, search.Term):
        return node if node.field in COUNT_FIELDS else _EVERYTHING
    if isinstance(node, search.Not):
        inner = _count_terms_only(node.item)
        return _EVERYTHING if inner == _EVERYTHING else search.Not(inner)
    return search.Bool(node.op, tuple(_count_terms_only(item) for item in node.items))


def filtered(shop: Shop, query: str | None, counting: bool = False) -> list[Record]:
    """The customers ``query`` matches, in id order (``counting``: as customersCount reads it)."""
    customers = list(shop.customers.values())
    parsed = search.parse(query or "")
    if parsed is None:
        return customers
    node = _rewrite(parsed, shop.now())
    if counting:
        node = _count_terms_only(node)
    if node == _EVERYTHING:
        return customers
    lagging = shop.faults.search_lag > 0
    live = _live_getters(shop)
    found: list[Record] = []
    for customer in customers:
        if lagging and "_index" in customer:
            values = _visible_values(shop, customer)
            if values is not None and search.matches(
                node, values, _SNAPSHOT_GETTERS, DEFAULT_FIELDS
            ):
                found.append(customer)
        elif search.matches(node, customer, live, DEFAULT_FIELDS):
            found.append(customer)
    return found


def _name_key(customer: Record) -> str:
    return f"{customer.get('lastName') or ''}, {customer.get('firstName') or ''}"


def _number(customer: Record) -> int:
    return int(customer["legacyResourceId"])


def sort_key(shop: Shop, key: str) -> Callable[[Record], Any]:
    """How ``CustomerSortKeys`` orders customers; ties break on id."""
    number = _number

    def location(customer: Record) -> tuple[Any, ...]:
        # Ascending with missing values last, per part, as the search index orders them.
        parts = _location(default_address(shop, customer))
        return (*((not part, part) for part in parts), number(customer))

    keys: dict[str, Callable[[Record], Any]] = {
        "CREATED_AT": lambda c: (c["createdAt"], number(c)),
        "UPDATED_AT": lambda c: (c["updatedAt"], number(c)),
        "NAME": lambda c: (_name_key(c).lower(), number(c)),
        "LOCATION": location,
    }
    return keys.get(key, number)


def _location(address: Record | None) -> list[str]:
    """Country, province, city, lowercased: the ``LOCATION`` sort value."""
    found = address or {}
    return [str(found.get(key) or "").lower() for key in ("country", "province", "city")]


def cursor_value(shop: Shop, key: str) -> Callable[[Record], Any]:
    """The sort value a cursor carries, shaped like Shopify's."""
    values: dict[str, Callable[[Record], Any]] = {
        "CREATED_AT": lambda c: c["createdAt"],
        "UPDATED_AT": lambda c: c["updatedAt"],
        "NAME": lambda c: _name_key(c).lower(),
        "LOCATION": lambda c: _location(default_address(shop, c)),
    }
    return values.get(key, lambda c: c["legacyResourceId"])
