"""Units of work and reads on the database."""

import threading
import time

import pytest
from sqlalchemy import text
from sqlmodel import select

from models import User
from models.db import PING_AFTER_IDLE_S, Database


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
    admin = Database(db.url)
    try:
        with admin.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()
    time.sleep(PING_AFTER_IDLE_S * 1.5)  # idle long enough to be pinged, as in production
    with db.session() as session:
        session.add(User(id=4, first_name="Layla"))
    with db.reading() as reader:
        assert reader.get(User, 4) is not None
