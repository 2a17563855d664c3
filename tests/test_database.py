"""Units of work and reads on the database."""

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, insert, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import select

from models import User
from models.bulk import table_of
from models.db import PING_AFTER_IDLE_S, Database, Direct, unreachable


def test_a_read_does_not_wait_for_a_writer(db: Database) -> None:
    with db.session() as session:
        session.add(User(id=1, first_name="Amina"))
    seen: list[str] = []

    def read() -> None:
        with db.reading() as reader:
            seen.extend(user.first_name for user in reader.exec(select(User)))

    with db.session() as writer:
        writer.add(User(id=2, first_name="Bilal"))
        writer.flush()  # the writer holds its transaction open from here
        thread = threading.Thread(target=read)
        thread.start()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the read waited for the writer"
    assert seen == ["Amina"]


def test_a_unit_of_work_that_fails_changes_nothing(db: Database) -> None:
    try:
        with db.session() as session:
            session.add(User(id=3, first_name="Karim"))
            session.flush()
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with db.reading() as reader:
        assert reader.get(User, 3) is None


def test_a_connection_the_server_dropped_while_idle_is_replaced_unseen(db: Database) -> None:
    """PostgreSQL: a pooled connection killed while it sat idle (a server restarted, a
    firewall's idle timeout) is pinged and replaced before anyone uses it."""
    if db.is_sqlite:
        pytest.skip("SQLite has no server to drop a connection")
    with db.session() as session:
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    terminate(db, pid)  # back in the pool, idle
    time.sleep(PING_AFTER_IDLE_S * 1.5)  # idle long enough to be pinged, as in production
    with db.session() as session:
        session.add(User(id=4, first_name="Layla"))
    with db.reading() as reader:
        assert reader.get(User, 4) is not None


def test_a_statement_run_on_the_drivers_connection_reads_and_fails_as_through_sqlalchemy(
    db: Database,
) -> None:
    """PostgreSQL: :class:`Direct` (the statements of every update's turn) converts
    values by their columns' types, and raises what SQLAlchemy raises: a duplicate key
    as an IntegrityError, a connection lost under it as the database unreachable, the
    connection replaced for the next statement."""
    if db.is_sqlite:
        pytest.skip("Direct runs on PostgreSQL's driver only")
    created = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    huda = {
        "id": 5,
        "first_name": "Huda",
        "username": None,
        "language": "ar",
        "language_chosen": True,
        "created_at": created,
    }
    users = table_of(User)
    add = Direct(insert(users), db.engine)
    read = Direct(
        select(users.c.id, users.c.created_at).where(users.c.id == bindparam("id")), db.engine
    )
    with db.alone() as connection:
        add.rows(connection, huda)
        assert read.rows(connection, {"id": 5}) == [{"id": 5, "created_at": created}]
        with pytest.raises(IntegrityError):
            add.rows(connection, huda)
    with db.reading() as reader:
        user = reader.get(User, 5)
        assert user is not None and user.created_at == created
    with db.alone() as connection:
        terminate(db, connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
        with pytest.raises(DBAPIError) as lost:
            read.rows(connection, {"id": 5})
    assert unreachable(lost.value)
    with db.alone() as connection:
        assert read.rows(connection, {"id": 5}) == [{"id": 5, "created_at": created}]


def terminate(db: Database, pid: int) -> None:
    """The server ends the connection of backend ``pid``, as a restart or a network would."""
    admin = Database(db.url)
    try:
        with admin.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()
