"""A tenant's settings as a readable TOML file, and back (``wholesync tenants export|import``
and the settings page's download and upload).

The file holds every setting, defaults included, so it documents itself and a round trip is
exact. TOML has no null: a setting whose value is none while its default is not (``sync_tag``
off: every product syncs) is listed in the top-level ``unset`` array instead.
"""

from __future__ import annotations

import tomllib
from typing import Any

import tomli_w
from pydantic import BaseModel

from wholesync.sync.settings import TenantSettings
from wholesync.sync.settings_check import Problem, SettingsProblems, validate_settings

UNSET = "unset"


def to_toml(tenant_name: str, settings: TenantSettings) -> str:
    """The whole settings as TOML, with a header saying how to import them."""
    unset: list[str] = []
    data = _without_none(settings.model_dump(mode="json"), TenantSettings, "", unset)
    header = (
        f"# Wholesync settings of tenant {tenant_name}.\n"
        f"# Import with: wholesync tenants import {tenant_name} FILE\n"
        f"# '{UNSET}' lists the settings that are off (none).\n"
    )
    return header + tomli_w.dumps({UNSET: unset, **data}, multiline_strings=True)


def from_toml(text: str) -> TenantSettings:
    """Settings from a file made by :func:`to_toml` (or by hand); settings left out take their
    defaults. :class:`SettingsProblems` names every invalid key path and how to fix it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsProblems(
            [Problem("", f"The file is not valid TOML ({exc}). Correct that line and retry.")]
        ) from None
    unset = data.pop(UNSET, [])
    if not isinstance(unset, list) or not all(isinstance(key, str) for key in unset):
        raise SettingsProblems(
            [Problem(UNSET, 'must be a list of setting names, e.g. unset = ["sync_tag"].')]
        )
    problems = [problem for key in unset if (problem := _set_none(data, key)) is not None]
    if problems:
        raise SettingsProblems(problems)
    return validate_settings(data)


def _without_none(
    data: dict[str, Any], model: type[BaseModel], prefix: str, unset: list[str]
) -> dict[str, Any]:
    """``data`` less its none values; those whose default is not none go to ``unset``."""
    kept: dict[str, Any] = {}
    for name, value in data.items():
        field = model.model_fields[name]
        annotation = field.annotation
        if value is None:
            if field.get_default(call_default_factory=True) is not None:
                unset.append(prefix + name)
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            kept[name] = _without_none(value, annotation, f"{prefix}{name}.", unset)
        else:
            kept[name] = value
    return kept


def _set_none(data: dict[str, Any], key: str) -> Problem | None:
    *parents, last = key.split(".")
    node = data
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            return Problem(UNSET, f"'{key}' is not a setting; list settings by dotted name.")
        node = child
    if last in node:
        return Problem(key, f"is given a value and also listed in '{UNSET}'; keep only one.")
    node[last] = None
    return None
