"""Deciding on a row: lock it first, then read it under the lock.

Two people pressing the same decision at the same moment run two transactions at
once. On PostgreSQL the second ``SELECT ... FOR UPDATE`` waits for the first to
commit and then reads the row as committed; but SQLAlchemy's identity map hands
back the object this session loaded earlier (to check who may press, to draw a
page) with its old attributes, unless ``populate_existing`` overwrites them with
what the lock read. Acting on that old copy is how two Secretaries-General both
admitted one application. Every decision therefore locks with :func:`lock`
before it looks at the state, and nothing decided on an earlier read counts.

SQLite ignores ``FOR UPDATE``; its transactions begin IMMEDIATE, one writer at a
time, so the same code is correct there too.
"""

from functools import cache
from typing import Any, TypeVar

from sqlalchemy import bindparam, text
from sqlmodel import Session, SQLModel, select
from sqlmodel.sql.expression import SelectOfScalar

from workflows.charter.errors import NotAllowed

T = TypeVar("T", bound=SQLModel)


def lock(session: Session, model: type[T], row_id: Any, *, shared: bool = False) -> T:
    """The row ``row_id`` of ``model``, locked until commit and read under the lock.

    ``shared`` takes a share lock: others may read and share it, nobody may change
    it (a ballot cast while the vote is being closed waits for the close).
    Refused with ``not_found`` when there is no such row.
    """
    found = session.exec(_locking(model, shared), params={"row_id": row_id}).first()
    if found is None:
        raise NotAllowed(f"no such {model.__name__} {row_id}", reason="not_found")
    return found


@cache
def _locking(model: type[T], shared: bool) -> SelectOfScalar[T]:
    """The locking read of a row of ``model``, built once: every decision runs it, and
    building a statement costs more than running this one."""
    return (
        select(model)
        .where(model.id == bindparam("row_id"))  # type: ignore[attr-defined]
        .with_for_update(read=shared)
        .execution_options(populate_existing=True)
    )


def serialise(session: Session, name: str) -> None:
    """Make the writers of ``name`` wait for one another until commit, where there is no
    row to lock yet (a new fee period, a nomination, a role's holders).

    PostgreSQL's transaction-level advisory lock; SQLite has one writer at a time.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})
