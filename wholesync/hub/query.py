"""Helpers for batched lookups."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

# Well under SQLite's limit on bound parameters per statement.
LOOKUP_CHUNK = 500


def chunked(values: Iterable[str], size: int = LOOKUP_CHUNK) -> Iterator[list[str]]:
    """The distinct ``values`` in sorted chunks of at most ``size``, for ``IN (...)`` queries."""
    items = sorted(set(values))
    for start in range(0, len(items), size):
        yield items[start : start + size]
