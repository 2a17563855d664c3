"""Many rows of one table written in a statement rather than one statement each.

The ORM's unit of work inserts rows one by one whenever it must learn each new
row's id and the database cannot promise the order of ``RETURNING`` (SQLite): a
fee period for 2,000 members was then several thousand round trips. Here the
rows go as one multi-row ``INSERT`` per page of a thousand (SQLAlchemy's
"insertmanyvalues"), and the caller tells new rows apart by a column it knows,
such as a unique key, returned with the id.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, inspect
from sqlmodel import Session, SQLModel


def insert_many(session: Session, rows: Sequence[SQLModel], *returning: Any) -> list[Any]:
    """Insert ``rows`` (model instances, never added to the session) and return the
    ``returning`` columns of each, in no promised order."""
    if not rows:
        return []
    table = inspect(type(rows[0])).local_table
    columns = [column.key for column in table.columns if not column.primary_key]
    values = [{key: getattr(row, key) for key in columns} for row in rows]
    # What the session holds pending goes first, so that ids keep the order of writing.
    session.flush()
    statement = insert(table)
    if not returning:
        session.execute(statement, values)
        return []
    return [tuple(row) for row in session.execute(statement.returning(*returning), values)]
