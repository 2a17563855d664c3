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
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import event
from sqlmodel import Session, col, func, select

from models import FeeDue, GroupChat, Member, Motion, Notification, User
from models.db import Database
from tests.meetings_world import assembly, clerk, member, person
from workflows import jobs
from workflows.charter.meetings import BallotKind, Choice
from workflows.charter.money import Money
from workflows.charter.voting import MotionKind
from workflows.fees import periods, reminders
from workflows.meetings import attendance, ballots, motions, sessions, tallies
from workflows.platform.queue import DELIVERY_QUEUE
from workflows.platform.unit_of_work import UnitOfWork

SMALL, LARGE = 10, 200
HALL = -1001


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


def biennium(year: int) -> periods.PeriodTerms:
    return periods.PeriodTerms(
        starts_on=date(year, 1, 1),
        ends_on=date(year + 1, 12, 31),
        fee=Money(Decimal("1500"), "USD"),
        due_on=date(year, 3, 31),
    )


def open_period(uow: UnitOfWork, year: int) -> tuple[int, int, int]:
    terms = biennium(year)
    created: list[int] = []

    def work(session: Session) -> None:
        staff = session.get(User, 1)
        assert staff is not None
        created.append(periods.open_period(session, terms, staff, now=uow.clock.now()).id or 0)

    spent = statements(uow, work)
    with uow.db.reading() as session:
        dues = set(session.exec(select(FeeDue.id).where(FeeDue.period_id == created[0])))
        keys = session.exec(
            select(Notification.dedupe_key).where(Notification.key == periods.NOTICE)
        )
        notices = sum(1 for key in keys if int((key or "::0").split(":")[2]) in dues)
    reminding = statements(
        uow,
        lambda s: reminders.remind(
            s, {"period_id": created[0], "on": uow.clock.now().date().isoformat()}, uow.clock.now()
        ),
    )
    with uow.db.reading() as session:
        reminded = session.exec(
            select(func.count())
            .select_from(Notification)
            .where(col(Notification.dedupe_key).startswith("fees:remind:"))
        ).one()
    assert reminded >= notices, "a reminder to each representative"
    return spent, notices, reminding


def test_a_fee_period_and_its_reminders_cost_the_same_statements_for_200_members_as_for_10(
    uow: UnitOfWork,
) -> None:
    add_members(uow, 0, SMALL)
    small, small_notices, small_reminding = open_period(uow, 2027)
    add_members(uow, SMALL, LARGE)
    large, large_notices, large_reminding = open_period(uow, 2029)
    assert (small_notices, large_notices) == (SMALL, LARGE), "one notice per member"
    assert large == small, grows(small, large)
    assert large_reminding == small_reminding, grows(small_reminding, large_reminding)


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
        periods.open_period(session, biennium(2027), staff, now=uow.clock.now())
    assert swept == [0]
    assert len(broker.sent) == SMALL + 1, "a notice per member and one to the Secretariat"
    assert set(broker.sent.values()) == {1}


# --- A vote at the Assembly (Art. 24-26) ---------------------------------------------


def session_with(
    uow: UnitOfWork, count: int, ballot: BallotKind, spent: dict[str, int]
) -> tuple[int, int]:
    """An open Assembly where the first ``count`` members checked in, the live tally
    in its group, and a motion tabled; returns (meeting, motion). The Assembly
    invites every member in good standing: ``count`` of them."""
    now = uow.clock.now()
    with uow.begin() as session:
        if session.get(GroupChat, HALL) is None:
            session.add(GroupChat(id=HALL, title="Hall"))
    made: list[int] = []
    spent["convene: an invitation to each"] = statements(
        uow, lambda s: made.append(assembly(s, clerk(s), uow.clock, group_chat_id=HALL))
    )
    meeting_id = made[0]
    spent["open the session: a check-in button to each"] = statements(
        uow, lambda s: sessions.open_session(s, meeting_id, clerk(s), now=now)
    )
    with uow.begin() as session:
        staff = clerk(session)
        for index in range(count):
            rep = session.get(User, 10_000 + index)
            assert rep is not None
            attendance.check_in(session, meeting_id, rep, now=now)
        motion = motions.propose(
            session,
            meeting_id,
            staff,
            text="Adopt the budget",
            kind=MotionKind.ORDINARY,
            ballot=ballot,
            closes_at=now + timedelta(hours=1),
            now=now,
        )
    with uow.db.reading() as session:
        for key in (sessions.INVITATION, sessions.CHECK_IN_NOW):
            sent = session.exec(
                select(func.count()).select_from(Notification).where(Notification.key == key)
            ).one()
            assert sent >= count, f"{key!r} to each member"
    return meeting_id, motion.id or 0


def vote_costs(uow: UnitOfWork, count: int, ballot: BallotKind) -> dict[str, int]:
    """Statements spent by each bulk path of one vote with ``count`` voters present."""
    spent: dict[str, int] = {}
    meeting_id, motion_id = session_with(uow, count, ballot, spent)
    now = uow.clock.now()

    def staff(session: Session) -> User:
        found = session.get(User, 1)
        assert found is not None
        return found

    spent["open the vote"] = statements(
        uow,
        lambda s: motions.open_vote(s, motion_id, staff(s), now=now, settings=uow.settings),
    )
    spent["remind who has not voted"] = statements(
        uow, lambda s: tallies.remind(s, {"motion_id": motion_id}, now)
    )
    with uow.begin() as session:
        for index in range(count):
            rep = session.get(User, 10_000 + index)
            assert rep is not None
            ballots.cast_ballot(session, motion_id, rep, Choice.YES, now=now)
    spent["refresh the live tally"] = statements(
        uow, lambda s: tallies.refresh_tally(s, {"subject_id": motion_id}, now)
    )
    spent["refresh the attendance board"] = statements(
        uow, lambda s: sessions.refresh_board(s, sessions.load(s, meeting_id), now=now)
    )
    with uow.db.reading() as session:
        motion = session.get(Motion, motion_id)
        assert motion is not None
        sent_ballots = session.exec(
            select(func.count())
            .select_from(Notification)
            .where(col(Notification.dedupe_key).like(f"motion:{motion_id}:ballot:%"))
        ).one()
        sent_reminders = session.exec(
            select(func.count())
            .select_from(Notification)
            .where(col(Notification.dedupe_key).like(f"motion:{motion_id}:remind:%"))
        ).one()
        assert (sent_ballots, sent_reminders) == (count, count), "a ballot and a reminder to each"
        if ballot == BallotKind.NAMED:
            assert ballots.count(session, motion)[Choice.YES] == count
        tally = session.get(Notification, motion.group_ballot_id)
        assert tally is not None
        edit = session.exec(
            select(Notification).where(Notification.edit_of == motion.group_ballot_id)
        ).one()
        assert edit.args["voted"] == edit.args["entitled"] == count
    return spent


@pytest.mark.parametrize("ballot", [BallotKind.NAMED, BallotKind.SECRET])
def test_a_vote_costs_the_same_statements_for_200_voters_as_for_10(
    uow: UnitOfWork, ballot: BallotKind
) -> None:
    add_members(uow, 0, SMALL)
    small = vote_costs(uow, SMALL, ballot)
    add_members(uow, SMALL, LARGE)
    large = vote_costs(uow, LARGE, ballot)
    assert large == small, {path: grows(small[path], large[path]) for path in small}


def test_a_due_the_batch_collides_with_is_issued_once_and_noticed_once(uow: UnitOfWork) -> None:
    """The unique constraint still decides when a batch collides (here with itself,
    as with an admission committing the same due meanwhile): one due, one notice."""
    add_members(uow, 0, 2)
    open_period(uow, 2027)
    add_members(uow, 2, 3)
    with uow.begin() as session:
        period = periods.current_period(session, date(2027, 6, 1))
        newcomer = session.exec(select(Member).where(Member.name_en == "City 0002")).one()
        assert period is not None
        assert periods.issue_dues(session, period, [newcomer, newcomer], now=uow.clock.now()) == 1
    with uow.db.reading() as session:
        due = session.exec(select(FeeDue).where(FeeDue.member_id == newcomer.id)).one()
        notices = session.exec(
            select(Notification).where(
                col(Notification.dedupe_key).startswith(f"fees:notice:{due.id}:")
            )
        ).all()
        assert [n.chat_id for n in notices] == [10_002]
