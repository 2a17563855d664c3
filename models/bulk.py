"""Many rows of one table written in a statement rather than one statement each.

The ORM's unit of work inserts rows one by one whenever it must learn each new
row's id and the database cannot promise the order of ``RETURNING`` (SQLite): a
fee period for 2,000 members was then several thousand round trips. Here the
rows go as one multi-row ``INSERT`` per page of a thousand (SQLAlchemy's
"insertmanyvalues"), and the caller tells new rows apart by a column it knows,
such as a unique key, returned with the id. Rows are plain dictionaries: building
a model instance per row costs more than the insert itself.
"""

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import insert, inspect
from sqlmodel import Session, SQLModel


def insert_many(
    session: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]], *returning: Any
) -> list[Any]:
    """Insert ``rows`` of ``model``, the model's defaults filled in where a row leaves
    a field out, and return the ``returning`` columns of each, in no promised order."""
    if not rows:
        return []
    defaults = _defaults(model)
    values = [{**{name: make() for name, make in defaults.items()}, **row} for row in rows]
    # What the session holds pending goes first, so that ids keep the order of writing.
    session.flush()
    table = inspect(model).local_table
    # Always with RETURNING: without it psycopg sends an executemany as one statement
    # per row (pipelined), where with it SQLAlchemy writes one multi-row INSERT.
    statement = insert(table).returning(*(returning or table.primary_key.columns))
    written = [tuple(row) for row in session.execute(statement, values)]
    return written if returning else []


@cache
def _defaults(model: type[SQLModel]) -> dict[str, Callable[[], Any]]:
    """What a model instance would hold for each column the caller may leave out."""
    table = inspect(model).local_table
    found: dict[str, Callable[[], Any]] = {}
    for column in table.columns:
        if column.primary_key:
            continue
        field = model.model_fields.get(column.key)
        if field is None:
            continue
        if field.default_factory is not None:
            found[column.key] = field.default_factory  # type: ignore[assignment]
        elif field.default is not PydanticUndefined:
            found[column.key] = _constant(field.default)
    return found


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value
