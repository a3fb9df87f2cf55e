"""Field-level diffs between what the hub holds and what a sync would write.

Both sides are first turned into the same plain shape (a "view": JSON types, children keyed by
their natural key), then flattened to dotted paths, so a diff reads like
``{"variants.0123.retail_price": ["50", "52"]}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wholesync.sync.fingerprint import to_plain

Diff = dict[str, list[Any]]


def flatten(view: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted paths to leaves; lists stay whole (tags, image lists compare as one value)."""
    flat: dict[str, Any] = {}
    for key, value in view.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def field_diff(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> Diff:
    """``{path: [old, new]}`` for every leaf that differs; a missing side counts as null."""
    before = flatten(to_plain(old or {}))
    after = flatten(to_plain(new or {}))
    diff: Diff = {}
    for path in sorted(before.keys() | after.keys()):
        was, now = before.get(path), after.get(path)
        if was != now and not (_empty(was) and _empty(now)):
            diff[path] = [was, now]
    return diff


def _empty(value: Any) -> bool:
    # None, "" and [] mean "nothing" in both systems; {} too, once flattened.
    return value is None or value == "" or value == [] or value == {}
