"""Fuzzing the pure helpers every mapper relies on: the node readers of map_common and the
wholesale price formula. Arbitrary input never raises anything but the documented error."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.sync.map_nodes import JSON_VALUES
from wholesync.sync import map_common
from wholesync.sync.formula import CENT, FormulaError, apply_formula, validate_formula

FORMULAS = st.text(alphabet="price0123456789.+-*/()e _x", max_size=40) | st.text(max_size=20)


@settings(max_examples=300)
@given(formula=FORMULAS, price=st.decimals(allow_nan=True, allow_infinity=True))
@example(formula="price * 1e308 * 1e308", price=Decimal("1e999999"))
@example(formula="price / (price - price)", price=Decimal("1"))
def test_a_formula_gives_cents_or_says_why_not(formula: str, price: Decimal) -> None:
    try:
        value = apply_formula(formula, price)
    except FormulaError as exc:
        assert str(exc)
    else:
        assert value.is_finite() and value == value.quantize(CENT)
    try:
        assert validate_formula(formula) == formula.strip()
    except FormulaError as exc:
        assert str(exc)


@settings(max_examples=200)
@given(value=JSON_VALUES)
def test_node_readers_take_any_json(value: Any) -> None:
    stripped = map_common.text(value)
    assert stripped is None or (stripped and stripped == stripped.strip())
    assert all(isinstance(tag, str) for tag in map_common.tag_list(value))
    assert all(isinstance(node, dict) for node in map_common.nodes(value))
    map_common.has_next_page(value)
    moment = map_common.parse_datetime(value)
    assert moment is None or moment.tzinfo is UTC
    number = map_common.parse_decimal(value)
    assert number is None or number.is_finite()
    map_common.plain(value)
    map_common.image_of(value)
    if isinstance(value, dict):
        map_common.node_gid(value, "Product")
        map_common.legacy_id(value)
        map_common.metafield_values(value)
    if isinstance(value, str):
        map_common.numeric_id(value)
        map_common.metafield_money(value)
        map_common.parse_bool(value)
