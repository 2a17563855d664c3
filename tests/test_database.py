"""Units of work and reads on the database."""

import threading

from sqlmodel import select

from models import User
from models.db import Database


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
