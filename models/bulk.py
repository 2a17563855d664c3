"""Many rows of one table written in a statement rather than one statement each.

The ORM's unit of work inserts rows one by one whenever it must learn each new
row's id and the database cannot promise the order of ``RETURNING`` (SQLite): a
fee period for 2,000 members was then several thousand round trips. Here the
rows go in one statement, and the caller tells new rows apart by a column it
knows, such as a unique key, returned with the id. Rows are plain dictionaries:
building a model instance per row costs more than the insert itself.

On PostgreSQL the statement is ``INSERT ... SELECT FROM unnest(...)`` with one
array parameter per column, whatever the number of rows: a multi-row ``VALUES``
with a placeholder per cell (SQLAlchemy's "insertmanyvalues", used elsewhere, a
page of a thousand rows a statement) is a text of tens of thousands of
placeholders that the driver rewrites in Python on every execution, which cost
more than the database's own work (1.9 s of a fee period for 2,000 members).
"""

import json
import typing
from collections.abc import Callable, Collection, Sequence
from functools import cache
from typing import Any

import psycopg
from psycopg.types.array import ListBinaryDumper
from pydantic_core import PydanticUndefined
from sqlalchemy import (
    JSON,
    Enum,
    Insert,
    String,
    Table,
    Text,
    any_,
    bindparam,
    cast,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator, TypeEngine, UserDefinedType
from sqlmodel import Session, SQLModel


def table_of(model: type[SQLModel]) -> Table:
    """The model's table, for statements written without the ORM's objects."""
    return typing.cast(Table, inspect(model).local_table)


def insert_many(
    session: Session,
    model: type[SQLModel],
    rows: Sequence[dict[str, Any]],
    *returning: Any,
    skip_existing: bool = False,
) -> list[Any]:
    """Insert ``rows`` of ``model``, the model's defaults filled in where a row leaves
    a field out, and return the ``returning`` columns of each, in no promised order.

    ``skip_existing`` leaves out, without an error, a row whose key is already there
    (``ON CONFLICT DO NOTHING``); only the rows written are returned."""
    if not rows:
        return []
    defaults = _defaults(model)
    values = [{**{name: make() for name, make in defaults.items()}, **row} for row in rows]
    # What the session holds pending goes first, so that ids keep the order of writing.
    session.flush()
    table = table_of(model)
    wanted = returning or tuple(table.primary_key.columns)
    names = list(values[0])
    dialect = session.get_bind().dialect
    if dialect.name == "postgresql" and all(row.keys() == values[0].keys() for row in values):
        statement = _unnest(dialect, table, names, values, skip_existing=skip_existing)
        result = session.execute(statement.returning(*wanted))
    else:
        # Always with RETURNING: without it psycopg sends an executemany as one
        # statement per row (pipelined), where with it SQLAlchemy writes one multi-row
        # INSERT per page.
        plain = _insert(dialect, table, skip_existing=skip_existing)
        result = session.execute(plain.returning(*wanted), values)
    written = [tuple(row) for row in result]
    return written if returning else []


def _insert(dialect: Dialect, table: Table, *, skip_existing: bool) -> Insert:
    if not skip_existing:
        return insert(table)
    if dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect.name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    raise NotImplementedError(f"skip_existing on {dialect.name}")


def insert_new(session: Session, model: type[SQLModel], row: dict[str, Any]) -> bool:
    """Insert one row of ``model`` (its defaults filled in) unless a row with the same
    unique key is there, or is being written by a transaction this one then waits
    for; whether it was inserted. One statement, ``INSERT ... ON CONFLICT DO
    NOTHING``, where an ORM insert guarded by a savepoint is three (a ballot)."""
    values = {**{name: make() for name, make in _defaults(model).items()}, **row}
    statement = _insert_new(model, session.get_bind().dialect.name, tuple(sorted(values)))
    return session.execute(statement, values).first() is not None


@cache
def _insert_new(model: type[SQLModel], dialect_name: str, names: tuple[str, ...]) -> Insert:
    """:func:`insert_new`'s statement, built once per model, database and columns."""
    table = table_of(model)
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    # A row comes back only if inserted: the rowcount is no guide (-1 on PostgreSQL,
    # where SQLAlchemy asks for the new key with RETURNING whatever happens).
    return (
        dialect.insert(table)
        .values({name: bindparam(name) for name in names})
        .on_conflict_do_nothing()
        .returning(*table.primary_key.columns)
    )


def _unnest(
    dialect: Dialect,
    table: Table,
    names: list[str],
    values: Sequence[dict[str, Any]],
    *,
    skip_existing: bool = False,
) -> Insert:
    """``INSERT INTO table (names) SELECT ... FROM unnest(array, ...) WITH ORDINALITY``,
    the rows in the order given, so that ids drawn from a sequence rise with it.

    Each column's values go through its type's conversion (UTC datetimes) here, and
    are sent as one binary array: psycopg's text form of an array escapes every
    string with a regular expression, half a second for 2,000 notifications. JSON
    goes as text, cast back in the statement (an array of JSON lists would otherwise
    be read as an array of more dimensions)."""
    arrays = [_array(dialect, table.c[name], [row[name] for row in values]) for name in names]
    rows = func.unnest(*arrays).table_valued(*names, with_ordinality="position").render_derived()
    source = select(
        *(
            cast(rows.c[name], table.c[name].type) if _is_json(table.c[name].type) else rows.c[name]
            for name in names
        )
    ).order_by(rows.c.position)
    return _insert(dialect, table, skip_existing=skip_existing).from_select(names, source)


def _array(dialect: Dialect, column: Any, values: list[Any]) -> ColumnElement[Any]:
    """``values`` of ``column`` as one bound array, cast to the column's array type."""
    kind: TypeEngine[Any] = column.type
    base = kind.impl_instance if isinstance(kind, TypeDecorator) else kind
    if isinstance(base, JSON):
        values = [_json(base, value) for value in values]
        kind = Text()
    else:
        convert = kind.dialect_impl(dialect).bind_processor(dialect)
        if convert is not None:
            values = [convert(value) for value in values]
        if isinstance(base, String) and not isinstance(base, Enum):
            # Unbounded: an explicit cast to VARCHAR(n) cuts a longer value short,
            # where an insert must refuse it and a comparison must not match.
            kind = Text()
    return cast(bindparam(None, values, type_=_Array()), ARRAY(kind))


def among(session: Session, column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(array)``, one binary array
    parameter rather than a placeholder per value, which psycopg would rewrite in
    Python on every execution (a fifth of opening a vote for 2,000)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(_array(session.get_bind().dialect, column, list(values)))
    return column.in_(values)


def _is_json(kind: TypeEngine[Any]) -> bool:
    return isinstance(kind.impl_instance if isinstance(kind, TypeDecorator) else kind, JSON)


def _json(kind: JSON, value: Any) -> str | None:
    if value is None and kind.none_as_null:
        return None
    return json.dumps(value)


class BinaryArray(list[Any]):
    """A list psycopg sends as a binary array (registered below)."""


class _Array(UserDefinedType[list[Any]]):
    """A bound list of values already converted, sent as a :class:`BinaryArray`; the
    statement casts it to the column's array type."""

    cache_ok = True

    def get_col_spec(self, **_kwargs: Any) -> str:
        return "ANYARRAY"

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any]:
        return BinaryArray


# psycopg sends these lists as binary arrays (its text form escapes every string).
psycopg.adapters.register_dumper(BinaryArray, ListBinaryDumper)


@cache
def _defaults(model: type[SQLModel]) -> dict[str, Callable[[], Any]]:
    """What a model instance would hold for each column the caller may leave out."""
    table = table_of(model)
    found: dict[str, Callable[[], Any]] = {}
    for column in table.columns:
        if column.primary_key:
            continue
        field = model.model_fields.get(column.key)
        if field is None:
            continue
        if field.default_factory is not None:
            found[column.key] = typing.cast(Callable[[], Any], field.default_factory)
        elif field.default is not PydanticUndefined:
            found[column.key] = _constant(field.default)
    return found


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value
