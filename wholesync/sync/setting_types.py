"""Validated value types of the tenant settings: each refuses a bad value with a message that
says what a good one looks like (pydantic shows it, and ``tenants set`` prints it)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

import jmespath
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from jmespath.exceptions import JMESPathError
from pydantic import AfterValidator, Field

from wholesync.sync.cron import validate_cron
from wholesync.sync.formula import validate_formula

_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_METAFIELD_KEY = re.compile(r"^[A-Za-z0-9_-]{1,255}\.[A-Za-z0-9_-]{1,64}$")
_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
NOTE_FIELDS = (
    "order_number",
    "po_number",
    "customer_code",
    "company",
    "buyer_name",
    "payment_terms",
    "shipping_method",
    "ship_window",
    "ship_start",
    "ship_end",
    "linesheet",
    "notes",
)
DEFAULT_NOTE = (
    "Wholesale order {{ order_number }}{% if po_number %} (PO {{ po_number }}){% endif %}\n"
    "Payment terms: {{ payment_terms }}\n"
    "Shipping: {{ shipping_method }}, ship window {{ ship_window }}\n"
    "Linesheet: {{ linesheet }}"
)
# A note is text: the fields, {% if %}, and filters whose output is about the size of their
# input. Loops, {% set %}, calls and filters such as center or replace could build a note of
# gigabytes from a short template, so the grammar keeps out everything else.
_NOTE_FILTERS = (
    "abs", "capitalize", "d", "default", "e", "escape", "first", "float", "int", "last",
    "length", "count", "lower", "round", "string", "striptags", "title", "trim", "truncate",
    "upper", "wordcount",
)  # fmt: skip
_NOTE_NODES = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.If, nodes.CondExpr, nodes.Name,
    nodes.Const, nodes.Tuple, nodes.List, nodes.Keyword, nodes.Filter, nodes.Test,
    nodes.Getattr, nodes.Getitem, nodes.Slice, nodes.Concat, nodes.Compare, nodes.Operand,
    nodes.And, nodes.Or, nodes.Not, nodes.Neg, nodes.Pos, nodes.Add, nodes.Sub, nodes.Mul,
    nodes.Div, nodes.FloorDiv,
)  # fmt: skip
_NOTE_REFUSED = {
    nodes.For: "{% for %} loops",
    nodes.Assign: "{% set %}",
    nodes.AssignBlock: "{% set %}",
    nodes.Macro: "macros",
    nodes.Call: "calls such as range() or .format()",
    nodes.Mod: "the % operator",
    nodes.Pow: "the ** operator",
}
# The longest text or list ``*`` may build (``{{ "-" * 40 }}`` is fine).
_MAX_REPEAT = 10_000


class _NoteSandbox(SandboxedEnvironment):
    """The sandbox with ``*`` kept from building a long text or list."""

    intercepted_binops = frozenset({"*"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        size = _repeat_size(left, right) or _repeat_size(right, left)
        if size > _MAX_REPEAT:
            raise SecurityError(f"'*' may build at most {_MAX_REPEAT} characters or items")
        return super().call_binop(context, operator, left, right)


def _repeat_size(sequence: Any, times: Any) -> int:
    if isinstance(sequence, str | list | tuple) and isinstance(times, int):
        return len(sequence) * times
    return 0


def _check_note_grammar(tree: nodes.Template) -> None:
    for node in tree.find_all(nodes.Node):
        if isinstance(node, nodes.Filter) and node.name not in _NOTE_FILTERS:
            refused = f"the filter '{node.name}'"
        elif not isinstance(node, _NOTE_NODES):
            refused = _NOTE_REFUSED.get(type(node), f"{type(node).__name__} expressions")
        else:
            continue
        raise ValueError(
            f"the note template may not use {refused}; it may use the note fields, text, "
            f"{{% if %}} and the filters {', '.join(_NOTE_FILTERS)}"
        )


# A tenant's template is untrusted text: the sandbox refuses attribute tricks such as
# {{ ''.__class__ }}, and StrictUndefined makes a misspelt name an error, not an empty string.
_NOTES = _NoteSandbox(undefined=StrictUndefined, autoescape=False)
_SAMPLE = dict.fromkeys(NOTE_FIELDS, "sample")


def is_email(text: str) -> bool:
    """A plain syntactic check: one ``@``, a dotted domain, no spaces, at most 254 characters."""
    return len(text) <= 254 and _EMAIL.match(text) is not None


def _email(value: str) -> str:
    if not is_email(value):
        raise ValueError(f"'{value}' is not an email address such as ops@example.com")
    return value


def _metafield_key(value: str) -> str:
    if not _METAFIELD_KEY.match(value):
        raise ValueError(f"'{value}' is not a metafield key of the form namespace.key")
    return value


def _tag(value: str) -> str:
    if not value or "," in value or len(value) > 255:
        raise ValueError("a tag is 1 to 255 characters and has no comma")
    return value


def _jmespath(value: str) -> str:
    try:
        jmespath.compile(value)
    except (JMESPathError, ValueError, TypeError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"'{value}' is not a valid JMESPath expression ({first_line})") from None
    return value


def _field_name(value: str) -> str:
    if not _FIELD_NAME.match(value):
        raise ValueError(
            f"'{value}' is not a custom field name (a letter or _, then letters, digits, _ . -)"
        )
    return value


def check_note_template(value: str) -> str:
    """A Jinja2 template naming only the note fields, that renders with sample values."""
    try:
        tree = _NOTES.parse(value)
    except TemplateSyntaxError as exc:
        message = (
            f"the note template is malformed at line {exc.lineno} ({exc.message}); "
            "write fields as {{ name }}"
        )
        raise ValueError(message) from None
    _check_note_grammar(tree)  # first: finding the names folds constants in the tree
    names = meta.find_undeclared_variables(tree)
    unknown = sorted(name for name in names if name not in NOTE_FIELDS)
    if unknown:
        raise ValueError(f"unknown note field(s) {unknown}; known: {', '.join(NOTE_FIELDS)}")
    render_note(value, _SAMPLE)
    return value


def render_note(template: str, values: Mapping[str, str]) -> str:
    """The note for one order; ``ValueError`` says what in the template failed."""
    try:
        return _NOTES.from_string(template).render(values).strip()
    except TemplateError as exc:
        raise ValueError(f"the note template cannot be rendered ({exc.message})") from None
    except (ArithmeticError, LookupError, TypeError, ValueError, MemoryError) as exc:
        # Values differ from order to order: {{ 1 / (notes|length) }} fails on an empty note.
        reason = f"{type(exc).__name__}: {exc}"
        raise ValueError(f"the note template cannot be rendered ({reason})") from None


Email = Annotated[str, AfterValidator(_email), Field(description="an email address")]
MetafieldKey = Annotated[
    str, AfterValidator(_metafield_key), Field(description="a metafield key namespace.key")
]
Tag = Annotated[str, AfterValidator(_tag), Field(description="a tag (no commas)")]
JmesPath = Annotated[
    str,
    AfterValidator(_jmespath),
    Field(description="a JMESPath expression over the Shopify node, e.g. meta.custom.season"),
]
FieldName = Annotated[str, AfterValidator(_field_name)]
Cron = Annotated[
    str, AfterValidator(validate_cron), Field(description="a cron schedule, at most every 5 min")
]
Formula = Annotated[str, AfterValidator(validate_formula)]
WarehouseCode = Annotated[
    str, Field(min_length=1, max_length=64, description="a hub warehouse code")
]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
TaxRate = Annotated[Decimal, Field(ge=0, le=1, description="a rate from 0 to 1, e.g. 0.2")]
