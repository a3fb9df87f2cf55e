"""Whole-settings validation: every problem named by its dotted key path with how to fix it,
and replacing a tenant's settings only when all of them are valid.

``tenants set`` changes one key at a time (:meth:`TenantSettings.set_path`); the settings pages
and ``tenants import`` change many at once, so they report every invalid key, not the first.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from wholesync.hub.models import Tenant
from wholesync.sync.settings import SettingsError, TenantSettings, allowed_values

_PLAIN = (
    ('a JSON object such as {"key": "value"}', "entries of name = value"),
    ("a JSON list of:", "a list of:"),
    (", or null", ", or none"),
)


@dataclass(frozen=True)
class Problem:
    """One invalid setting: ``key`` is its dotted path ("" for the settings as a whole)."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}" if self.key else self.message


class SettingsProblems(ValueError):
    """Settings refused as a whole; ``problems`` says which keys and how to fix each."""

    code = SettingsError.code

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))


def validate_settings(data: Mapping[str, Any]) -> TenantSettings:
    """The settings ``data`` describes; :class:`SettingsProblems` lists every invalid key."""
    nul = list(_nul_characters(data, ""))
    if nul:
        raise SettingsProblems(nul)
    try:
        return TenantSettings.model_validate(dict(data))
    except ValidationError as exc:
        raise SettingsProblems(problems_of(exc)) from None


def _nul_characters(value: Any, key: str) -> Iterator[Problem]:
    # PostgreSQL's JSON cannot store U+0000, and no setting has a use for it.
    if isinstance(value, str) and "\x00" in value:
        yield Problem(key, "contains a NUL character (U+0000); remove it.")
    elif isinstance(value, Mapping):
        for name, item in value.items():
            path = f"{key}.{name}" if key else str(name)
            if "\x00" in str(name):
                yield Problem(path, "the name contains a NUL character (U+0000); remove it.")
            yield from _nul_characters(item, path)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _nul_characters(item, key)


def replace_settings(tenant: Tenant, data: Mapping[str, Any]) -> TenantSettings:
    """Validate ``data`` as the tenant's whole settings, then store it; nothing changes when
    any key is invalid."""
    settings = validate_settings(data)
    tenant.settings = settings.model_dump(mode="json")
    return settings


def problems_of(exc: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for error in exc.errors():
        # A map key's own error ends in "[key]": the problem is that key, named in the path.
        parts = [str(part) for part in error["loc"] if part != "[key]"]
        key = ".".join(parts)
        if error["type"] == "extra_forbidden":
            problems.append(Problem(key, _unknown(parts)))
            continue
        text = str(error["msg"]).removeprefix("Value error, ")
        fix = _allowed(parts)
        problems.append(Problem(key, f"{text}. Allowed: {fix}." if fix else f"{text}."))
    return problems


def _allowed(parts: list[str]) -> str | None:
    """What the longest known prefix of ``parts`` accepts (a list item's error names its
    list, whose description says what an item may be)."""
    for end in range(len(parts), 0, -1):
        try:
            allowed = allowed_values(".".join(parts[:end]))
        except SettingsError:
            continue
        return _plain(allowed) if allowed else None
    return None


def _plain(allowed: str) -> str:
    """``allowed_values`` speaks the command line's JSON; a form or a TOML file needs none."""
    for json_words, plain in _PLAIN:
        allowed = allowed.replace(json_words, plain)
    return allowed


def _unknown(parts: list[str]) -> str:
    model: type[BaseModel] = TenantSettings
    for part in parts[:-1]:
        annotation = model.model_fields[part].annotation if part in model.model_fields else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            break
        model = annotation
    close = difflib.get_close_matches(parts[-1], list(model.model_fields), n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    known = ", ".join(model.model_fields)
    return f"there is no such setting; remove it.{hint} Known here: {known}."
