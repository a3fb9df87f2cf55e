"""The integration center's Jinja2 environment: autoescaped templates and a few filters."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.templating import Jinja2Templates

TEMPLATES = Path(__file__).parent / "templates"

# Autoescaped everywhere: a product title with <script> shows as text.
templates = Jinja2Templates(
    env=Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
)


def when(moment: datetime | None) -> str:
    """A UTC timestamp as people read it; an em dash when there is none."""
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment is not None else "—"


templates.env.filters["when"] = when
