"""Money for orders: decimal arithmetic in shop and presentment currency, and Shopify's output
formats (``MoneyV2.amount`` drops trailing zeros, "24.0"; the legacy ``Money`` scalar keeps two
decimals, "24.00")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal(0)


def dec(value: Any) -> Decimal:
    """Parse an amount given as a string or number; raises ``ValueError`` when it is not one."""
    try:
        parsed = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{value!r} is not an amount") from exc
    if not parsed.is_finite():
        raise ValueError(f"{value!r} is not an amount")
    return parsed


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def decimal_text(value: Decimal) -> str:
    """Shopify's ``Decimal`` output: "24.0", "31.9", "949.95"."""
    text = format(cents(value).normalize(), "f")
    return text if "." in text else text + ".0"


def money_text(value: Decimal) -> str:
    """The legacy ``Money`` scalar: always two decimals."""
    return f"{cents(value):.2f}"


@dataclass(frozen=True)
class Amount:
    """One amount in the shop's currency and in the currency the buyer saw."""

    shop: Decimal = ZERO
    presentment: Decimal = ZERO

    def __add__(self, other: Amount) -> Amount:
        return Amount(self.shop + other.shop, self.presentment + other.presentment)

    def __sub__(self, other: Amount) -> Amount:
        return Amount(self.shop - other.shop, self.presentment - other.presentment)

    def times(self, factor: Decimal | int) -> Amount:
        return Amount(cents(self.shop * factor), cents(self.presentment * factor))

    def floor_zero(self) -> Amount:
        return Amount(max(self.shop, ZERO), max(self.presentment, ZERO))

    def store(self) -> list[str]:
        """The stored form: two-decimal strings, shop amount first."""
        return [money_text(self.shop), money_text(self.presentment)]

    @staticmethod
    def load(stored: list[str]) -> Amount:
        return Amount(Decimal(stored[0]), Decimal(stored[1]))

    @staticmethod
    def same(value: Decimal) -> Amount:
        return Amount(value, value)


def total(amounts: Iterable[Amount]) -> Amount:
    result = Amount()
    for amount in amounts:
        result = result + amount
    return result


def bag(amount: Amount, shop_currency: str, presentment_currency: str) -> dict[str, Any]:
    """A ``MoneyBag`` value as the schema serves it."""
    return {
        "shopMoney": {"amount": decimal_text(amount.shop), "currencyCode": shop_currency},
        "presentmentMoney": {
            "amount": decimal_text(amount.presentment),
            "currencyCode": presentment_currency,
        },
    }


def from_bag_input(value: dict[str, Any] | None) -> Amount | None:
    """Read a ``MoneyBagInput``; a missing presentment amount mirrors the shop amount."""
    if not value:
        return None
    shop = dec(value["shopMoney"]["amount"])
    presentment_input = value.get("presentmentMoney")
    presentment = dec(presentment_input["amount"]) if presentment_input else shop
    return Amount(cents(shop), cents(presentment))
