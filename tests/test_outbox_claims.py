"""Who may send a notification: the holder of its claim, and after a worker's death
the same queue message handed out again, never a second copy of the job."""

from datetime import UTC, datetime, timedelta

from models.db import Database
from workflows.platform import outbox
from workflows.platform.settings import Settings
from workflows.platform.unit_of_work import UnitOfWork

LEASE = timedelta(seconds=20)
NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


def owed(db: Database) -> int:
    uow = UnitOfWork(db=db, settings=Settings(database_url=str(db.engine.url)))
    with uow.begin() as session:
        row = outbox.notify(session, chat_id=7, key="Welcome back, {name}.", args={"name": "x"})
        assert row is not None and row.id is not None
        return row.id


def claim(db: Database, row_id: int, holder: str, *, dead: bool, at: datetime = NOW) -> bool:
    taken = outbox.take(
        db, row_id, now=at, lease=LEASE, holder=holder, orphaned=lambda _previous: dead
    )
    return taken is not None


def test_a_second_copy_of_the_job_finds_the_row_held(db: Database) -> None:
    row_id = owed(db)
    assert claim(db, row_id, "m1@w1", dead=False)
    assert not claim(db, row_id, "m2@w2", dead=True)
    assert outbox.load(db, row_id).claimed_by == "m1@w1"  # type: ignore[union-attr]


def test_the_same_message_redelivered_resumes_a_dead_workers_claim(db: Database) -> None:
    row_id = owed(db)
    assert claim(db, row_id, "m1@w1", dead=False)
    assert claim(db, row_id, "m1@w2", dead=True, at=NOW + timedelta(seconds=6))
    row = outbox.load(db, row_id)
    assert row is not None and row.claimed_by == "m1@w2" and row.attempts == 2
    assert row.claimed_until == NOW + timedelta(seconds=6) + LEASE


def test_the_same_message_waits_while_its_worker_still_beats(db: Database) -> None:
    row_id = owed(db)
    assert claim(db, row_id, "m1@w1", dead=False)
    assert not claim(db, row_id, "m1@w2", dead=False)
    assert not claim(db, row_id, "m1@w1", dead=True)


def test_nothing_resumes_a_delivered_notification(db: Database) -> None:
    row_id = owed(db)
    assert claim(db, row_id, "m1@w1", dead=False)
    outbox.mark_delivered(db, row_id, now=NOW, telegram_message_id=5)
    assert not claim(db, row_id, "m1@w2", dead=True)
    assert outbox.load(db, row_id).claimed_by is None  # type: ignore[union-attr]


def test_a_claim_ends_with_its_lease_for_anyone(db: Database) -> None:
    row_id = owed(db)
    assert claim(db, row_id, "m1@w1", dead=False)
    assert claim(db, row_id, "m2@w2", dead=False, at=NOW + LEASE + timedelta(seconds=1))
