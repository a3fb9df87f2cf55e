"""Settings form fields: how a setting is shown in an HTML form and read back from one.

A field's kind follows from the setting's type (a flag is a checkbox, a choice a select, a map
a textarea of ``name = value`` lines); what a form sends is turned back into the setting's
value here, and the settings model validates it (:mod:`wholesync.sync.settings_check`).
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from starlette.datastructures import FormData

from wholesync.sync.settings import TenantSettings

Kind = Literal["text", "optional", "number", "flag", "choice", "checks", "list", "map", "long"]
# What a form holds for a field: text, the ticked choices, or a checkbox's state.
Raw = str | list[str] | bool
_HINTS: dict[Kind, str] = {
    "optional": "leave empty for none",
    "list": "comma-separated",
    "map": "one per line: name = value",
}


class FieldError(ValueError):
    """A form value that cannot even be read as the setting's type (a map line without '=')."""


@dataclass(frozen=True)
class Field:
    """One setting on a form: ``key`` is its dotted path in the settings."""

    key: str
    label: str
    kind: Kind
    choices: tuple[str, ...]
    help: str

    @property
    def name(self) -> str:
        return self.key

    def shown(self, value: Any) -> Raw:
        """The stored ``value`` as the form shows it."""
        if self.kind == "flag":
            return bool(value)
        if self.kind == "checks":
            return [str(item) for item in value]
        if self.kind == "list":
            return ", ".join(str(item) for item in value)
        if self.kind == "map":
            return "\n".join(f"{name} = {item}" for name, item in value.items())
        return "" if value is None else str(value)

    def raw(self, form: FormData) -> Raw:
        """What the browser sent for this field."""
        if self.kind == "flag":
            return self.name in form
        if self.kind == "checks":
            return [str(item) for item in form.getlist(self.name)]
        value = form.get(self.name)
        # Browsers send textarea lines ending in CRLF; settings keep plain newlines.
        return value.replace("\r\n", "\n") if isinstance(value, str) else ""

    def parse(self, raw: Raw) -> Any:
        """The setting's value from ``raw``; the model validates it afterwards."""
        if isinstance(raw, bool | list):
            return raw
        text = raw.strip()
        if self.kind in ("optional", "number") and not text:
            return None
        if self.kind == "list":
            return [item.strip() for item in text.split(",") if item.strip()]
        if self.kind == "map":
            return _parse_map(text)
        return raw if self.kind == "long" else text


def _parse_map(text: str) -> dict[str, str]:
    entries: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, equals, value = line.partition("=")
        name, value = name.strip(), value.strip()
        if not equals or not name or not value:
            raise FieldError(f"line {number} ({line.strip()!r}): write each entry as name = value")
        if name in entries:
            raise FieldError(f"line {number}: '{name}' is given twice; keep one line for it")
        entries[name] = value
    return entries


def field(key: str, label: str, kind: Kind | None = None) -> Field:
    """The form field of setting ``key``; ``kind`` overrides the one its type implies."""
    info = _info(key)
    chosen, choices = _kind(info.annotation)
    kind = kind or chosen
    notes = [info.description or "", _HINTS.get(kind, "")]
    return Field(key, label, kind, choices, "; ".join(note for note in notes if note))


def value_at(data: Mapping[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        node = node[part]
    return node


def put(data: dict[str, Any], key: str, value: Any) -> None:
    *parents, last = key.split(".")
    node = data
    for part in parents:
        node = node[part]
    node[last] = value


def _info(key: str) -> FieldInfo:
    model: type[BaseModel] = TenantSettings
    *parents, last = key.split(".")
    for part in parents:
        annotation = model.model_fields[part].annotation
        assert isinstance(annotation, type) and issubclass(annotation, BaseModel), key
        model = annotation
    return model.model_fields[last]


def _kind(annotation: Any) -> tuple[Kind, tuple[str, ...]]:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        inner = [arg for arg in get_args(annotation) if arg is not type(None)]
        kind, choices = _kind(inner[0])
        return ("number" if kind == "number" else "optional"), choices
    if annotation is bool:
        return "flag", ()
    if annotation in (int, float):
        return "number", ()
    if origin is Literal:
        return "choice", tuple(str(arg) for arg in get_args(annotation))
    if origin is tuple:
        item = get_args(annotation)[0]
        if get_origin(item) is Literal:
            return "checks", tuple(str(arg) for arg in get_args(item))
        return "list", ()
    if origin is dict:
        return "map", ()
    return "text", ()
