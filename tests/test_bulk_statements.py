"""Bulk work costs the database a number of statements that does not grow with the
number of members: a fee period opened for 200 members, a vote opened for 200
voters, a live tally or the attendance board refreshed over 200 voters take as
many statements as they do for 10. Counted on the cursor, so on PostgreSQL
(``MAJLIS_TEST_DATABASE_URL``) as on SQLite; a per-member statement shows up as
190 more.

Also: a notification is handed to the queue once, even when the sweep runs while
a large batch is still being handed over.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

from dramatiq.brokers.stub import StubBroker
from sqlalchemy import event
from sqlmodel import Session, select

from models import FeeDue, Notification, User
from models.db import Database
from tests.meetings_world import clerk, member, person
from workflows import fees, jobs
from workflows.charter.money import Money
from workflows.queue import DELIVERY_QUEUE
from workflows.unit_of_work import UnitOfWork

SMALL, LARGE = 10, 200


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    """Every statement sent to the database meanwhile (an executemany counts once)."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def statements(uow: UnitOfWork, work: Callable[[Session], object]) -> int:
    with counting(uow.db) as seen, uow.begin() as session:
        work(session)
    return len(seen)


def grows(small: int, large: int) -> str:
    return f"{small} statements for {SMALL} members, {large} for {LARGE}"


# --- A fee period (Art. 18) ----------------------------------------------------------


def add_members(uow: UnitOfWork, first: int, last: int) -> None:
    with uow.begin() as session:
        clerk(session)
        for index in range(first, last):
            rep = person(session, 10_000 + index, f"Mayor {index}")
            member(session, rep, f"City {index:04}")


def biennium(year: int) -> fees.PeriodTerms:
    return fees.PeriodTerms(
        starts_on=date(year, 1, 1),
        ends_on=date(year + 1, 12, 31),
        fee=Money(Decimal("1500"), "USD"),
        due_on=date(year, 3, 31),
    )


def open_period(uow: UnitOfWork, year: int) -> tuple[int, int]:
    terms = biennium(year)
    created: list[int] = []

    def work(session: Session) -> None:
        staff = session.get(User, 1)
        assert staff is not None
        created.append(fees.open_period(session, terms, staff, now=uow.clock.now()).id or 0)

    spent = statements(uow, work)
    with uow.db.reading() as session:
        dues = set(session.exec(select(FeeDue.id).where(FeeDue.period_id == created[0])))
        keys = session.exec(select(Notification.dedupe_key).where(Notification.key == fees.NOTICE))
        notices = sum(1 for key in keys if int((key or "::0").split(":")[2]) in dues)
    return spent, notices


def test_opening_a_fee_period_costs_the_same_statements_for_200_members_as_for_10(
    uow: UnitOfWork,
) -> None:
    add_members(uow, 0, SMALL)
    small, small_notices = open_period(uow, 2027)
    add_members(uow, SMALL, LARGE)
    large, large_notices = open_period(uow, 2029)
    assert (small_notices, large_notices) == (SMALL, LARGE), "one notice per member"
    assert large == small, grows(small, large)


# --- Handed to the queue once ---------------------------------------------------------


class SweepingBroker(StubBroker):
    """Dramatiq's in-memory broker; the scheduler's sweep runs once while the first
    batch is being handed over, as the tick does every second."""

    def __init__(self) -> None:
        super().__init__()
        self.declare_queue(DELIVERY_QUEUE)
        self.during: Callable[[], None] | None = None
        self.sent: Counter[int] = Counter()

    def enqueue(self, message: Any, *, delay: int | None = None) -> Any:
        self.sent[message.args[0]] += 1
        sweep, self.during = self.during, None
        if sweep is not None:
            sweep()
        return message


def test_a_notification_is_handed_to_the_queue_once_though_the_sweep_runs_meanwhile(
    uow: UnitOfWork,
) -> None:
    broker = SweepingBroker()
    sending = UnitOfWork(db=uow.db, settings=uow.settings, broker=broker, clock=uow.clock)
    add_members(uow, 0, SMALL)
    swept: list[int] = []
    broker.during = lambda: swept.append(jobs.sweep_outbox(sending))
    with sending.begin() as session:
        staff = session.get(User, 1)
        assert staff is not None
        fees.open_period(session, biennium(2027), staff, now=uow.clock.now())
    assert swept == [0]
    assert len(broker.sent) == SMALL + 1, "a notice per member and one to the Secretariat"
    assert set(broker.sent.values()) == {1}
