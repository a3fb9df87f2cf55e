"""Fast multi-row inserts for the loaders: the rows of a batch in one executemany.

SQLAlchemy's executemany spends most of its time in per-value bind processing, and its
``RETURNING`` for many rows is three times slower again. On SQLite, rows therefore go to the
driver as tuples, processed column by column by the columns' own bind processors. New ids
are read back with ``last_insert_rowid()``: the writing transaction holds SQLite's write
lock, so the rows of one executemany get consecutive ids. PostgreSQL takes the ids from the
table's sequence first and uses the ordinary executemany, which psycopg pipelines.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, Table, insert, select, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import ScalarElementColumnDefault

Processor = Callable[[Any], Any]
_cache: dict[tuple[str, str, tuple[str, ...]], tuple[str, list[tuple[str, Processor | None]]]] = {}


def _json(value: Any) -> str:
    # Like SQLAlchemy's JSON type with none_as_null=False: None is stored as JSON null.
    return orjson.dumps(value, default=_mapping).decode()


def _mapping(value: Any) -> dict[Any, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _plan(table: Table, keys: tuple[str, ...], dialect: Dialect) -> tuple[str, list[Any]]:
    cache_key = (dialect.name, table.name, keys)
    found = _cache.get(cache_key)
    if found is None:
        compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
        order = compiled.positiontup or list(keys)
        columns: list[tuple[str, Processor | None]] = []
        for key in order:
            column_type = table.c[key].type
            processor = (
                _json
                if isinstance(column_type, JSON)
                else column_type.dialect_impl(dialect).bind_processor(dialect)
            )
            columns.append((key, processor))
        found = _cache[cache_key] = (compiled.string, columns)
    return found


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) in one executemany."""
    if rows:
        columns = tuple(rows[0])
        insert_values(session, table, columns, list(map(itemgetter(*columns), rows)))


def insert_values(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows``, each the values of ``columns`` in order, in one executemany."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        connection.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    _sqlite_insert(connection, table, tuple(columns), rows)


def _sqlite_insert(
    connection: Connection, table: Table, columns: tuple[str, ...], rows: Sequence[Sequence[Any]]
) -> None:
    sql, ordered = _plan(table, columns, connection.dialect)
    # Column by column: C-level zip and map do the looping, and a column holding one value
    # throughout (the batch's timestamp, None) is processed once.
    given = list(zip(*rows, strict=True)) if len(columns) > 1 else [[row[0] for row in rows]]
    position = {key: index for index, key in enumerate(columns)}
    by_column: list[Sequence[Any]] = []
    for key, process in ordered:
        values: Sequence[Any]
        if key not in position:  # a column the rows leave to its default (compiled in)
            default = table.c[key].default
            filler = default.arg if isinstance(default, ScalarElementColumnDefault) else None
            values = [filler] * len(rows)
        else:
            values = given[position[key]]
        if process is None:
            by_column.append(values)
        elif values.count(values[0]) == len(values):  # equal values process alike
            by_column.append([process(values[0])] * len(values))
        else:
            by_column.append(list(map(process, values)))
    connection.exec_driver_sql(sql, list(zip(*by_column, strict=True)))


def insert_returning_ids(
    session: Session, table: Table, rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Insert ``rows`` (dicts with the same keys) and return their new ids, in order."""
    if not rows:
        return []
    columns = tuple(rows[0])
    return insert_values_returning_ids(
        session, table, columns, list(map(itemgetter(*columns), rows))
    )


def insert_values_returning_ids(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """Insert ``rows`` (values of ``columns``) and return their new ids, in order."""
    if not rows:
        return []
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        _sqlite_insert(connection, table, tuple(columns), rows)
        last = connection.execute(text("SELECT last_insert_rowid()")).scalar_one()
        return list(range(last - len(rows) + 1, last + 1))
    ids = list(
        connection.execute(
            select(text("nextval(pg_get_serial_sequence(:table, 'id'))")).select_from(
                text("generate_series(1, :count)")
            ),
            {"table": table.name, "count": len(rows)},
        ).scalars()
    )
    connection.execute(
        insert(table),
        [
            {**dict(zip(columns, row, strict=True)), "id": i}
            for row, i in zip(rows, ids, strict=True)
        ],
    )
    return ids
