"""E-mail bodies from Jinja2 templates: plain text, and HTML in which every value is escaped
(titles and messages come from Shopify and the hub, and may hold markup)."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

_ENV = Environment(
    loader=PackageLoader("wholesync.notify", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render(name: str, **values: Any) -> tuple[str, str]:
    """The text and HTML bodies of template ``name`` (``name.txt`` and ``name.html``)."""
    text = _ENV.get_template(f"{name}.txt").render(values)
    html = _ENV.get_template(f"{name}.html").render(values)
    return text, html
