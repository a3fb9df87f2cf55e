"""The wholesale price formula: arithmetic on the Shopify price, parsed with a whitelist.

A formula such as ``price * 0.5`` or ``(price - 2) / 2`` may use only the name ``price``,
numbers, ``+ - * /``, unary minus and parentheses. It is parsed with :mod:`ast` and evaluated
by walking the tree with :class:`~decimal.Decimal` arithmetic; nothing is ever passed to ``eval``.
"""

from __future__ import annotations

import ast
from decimal import ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation, localcontext
from functools import cache

MAX_LENGTH = 200
CENT = Decimal("0.01")
# A realistic price used to prove at validation time that a formula can be evaluated.
_PROBE_PRICE = Decimal("100.00")
_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
ALLOWED = "the name 'price', numbers, + - * / and parentheses"


class FormulaError(ValueError):
    """A formula that is not allowed, or that cannot be evaluated for a given price."""


def _check(node: ast.AST) -> None:
    if isinstance(node, ast.Expression):
        _check(node.body)
    elif isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        _check(node.left)
        _check(node.right)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        _check(node.operand)
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise FormulaError(f"{node.value!r} is not a number; a formula may use {ALLOWED}")
    elif isinstance(node, ast.Name):
        if node.id != "price":
            raise FormulaError(f"unknown name '{node.id}'; a formula may use {ALLOWED}")
    else:
        raise FormulaError(f"'{ast.unparse(node)}' is not allowed; a formula may use {ALLOWED}")


def _evaluate(node: ast.AST, price: Decimal) -> Decimal:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, price)
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left, price), _evaluate(node.right, price)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        return left / right
    if isinstance(node, ast.UnaryOp):
        value = _evaluate(node.operand, price)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Constant):
        # str() keeps 0.1 as 0.1 instead of the float's binary expansion.
        return Decimal(str(node.value))
    return price


@cache
def parse_formula(text: str) -> ast.Expression:
    """Parse and check ``text``; raises :class:`FormulaError` naming what is not allowed."""
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"a formula may be at most {MAX_LENGTH} characters long")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise FormulaError(f"'{text}' is not a valid formula ({exc.__class__.__name__})") from None
    try:
        _check(tree)
    except RecursionError:
        raise FormulaError(f"'{text}' is nested too deeply") from None
    return tree


def apply_formula(text: str, price: Decimal) -> Decimal:
    """The formula's value for ``price``, rounded half-up to cents."""
    tree = parse_formula(text)
    try:
        with localcontext() as context:
            context.traps[DivisionByZero] = True
            context.traps[InvalidOperation] = True
            value = _evaluate(tree, price)
            if not value.is_finite():
                raise FormulaError(f"'{text}' gives {value} for price {price}")
            return value.quantize(CENT, rounding=ROUND_HALF_UP)
    except DivisionByZero:
        raise FormulaError(f"'{text}' divides by zero for price {price}") from None
    except (ArithmeticError, RecursionError) as exc:
        reason = exc.__class__.__name__
        raise FormulaError(f"'{text}' cannot be evaluated for price {price} ({reason})") from None


def validate_formula(text: str) -> str:
    """Check that ``text`` is allowed and evaluates for a sample price; return it stripped."""
    cleaned = text.strip()
    if not cleaned:
        raise FormulaError(f"the formula is empty; write one such as 'price * 0.5' ({ALLOWED})")
    value = apply_formula(cleaned, _PROBE_PRICE)
    if value < 0:
        raise FormulaError(f"'{cleaned}' gives a negative price ({value}) for price {_PROBE_PRICE}")
    return cleaned
