"""Every copy of a ballot tells the truth, also when voters change their votes at the
moment the Secretariat closes the motion (issue 11, items 1 and 2).

Runs on the test database of the session: SQLite by default, PostgreSQL when
``MAJLIS_TEST_DATABASE_URL`` is set, where the changes and the close are real
concurrent transactions in threads, each in its own unit of work. Whatever the
order, the newest edit the outbox holds for each copy is the closed ballot with
the voter's final choice, and delivery never sends an older edit after a newer.
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot import delivery
from models import Ballot, Notification, User
from tests.meetings_world import assembly, clerk, member, person
from workflows.charter.errors import NotAllowed
from workflows.charter.meetings import BallotKind, Choice
from workflows.charter.voting import MotionKind
from workflows.meetings import attendance, ballots, motions, sessions, tallies
from workflows.platform import outbox, values
from workflows.platform.unit_of_work import UnitOfWork

VOTERS = 24


def open_motion(uow: UnitOfWork) -> tuple[int, list[tuple[int, int]]]:
    now = uow.clock.now()
    with uow.begin() as session:
        staff = clerk(session)
        roster = []
        for index in range(VOTERS):
            rep = person(session, 20_000 + index, f"Mayor {index}")
            city = member(session, rep, f"City {index}")
            assert city.id is not None
            roster.append((city.id, rep.id))
        meeting_id = assembly(session, staff, uow.clock)
        sessions.open_session(session, meeting_id, staff, now=now)
    with uow.begin() as session:
        for member_id, rep_id in roster:
            rep = session.get(User, rep_id)
            assert rep is not None
            attendance.check_in(session, meeting_id, rep, member_id=member_id, now=now)
        staff = session.get(User, 1)
        assert staff is not None
        motion = motions.propose(
            session,
            meeting_id,
            staff,
            text="Twin Fez with Kairouan",
            kind=MotionKind.ORDINARY,
            ballot=BallotKind.NAMED,
            closes_at=now + timedelta(hours=1),
            now=now,
        )
        assert motion.id is not None
        motions.open_vote(session, motion.id, staff, now=now, settings=uow.settings)
        return motion.id, roster


def delivered_all(uow: UnitOfWork) -> None:
    """Stamp every row as sent, as the workers would, each message with an id."""
    with uow.db.session() as session:
        session.execute(
            update(Notification)
            .where(col(Notification.delivered_at).is_(None))
            .values(delivered_at=uow.clock.now(), telegram_message_id=Notification.id)
        )


def change(uow: UnitOfWork, motion_id: int, member_id: int, user_id: int, choice: Choice) -> str:
    try:
        with uow.begin() as session:
            user = session.get(User, user_id)
            assert user is not None
            tallies.cast_and_show(
                session, motion_id, user, choice, member_id=member_id, now=uow.clock.now()
            )
            return "cast"
    except NotAllowed as refusal:
        return refusal.reason


def close(uow: UnitOfWork, motion_id: int) -> str:
    with uow.begin() as session:
        motions.close_motion(session, motion_id, session.get(User, 1), now=uow.clock.now())
    return "closed"


def newest_edit(session: Session, copy: Notification) -> Notification:
    edit = session.exec(
        select(Notification)
        .where(Notification.edit_of == copy.id)
        .order_by(col(Notification.id).desc())
    ).first()
    assert edit is not None, f"copy {copy.id} was never edited"
    return edit


def test_every_copy_shows_the_result_whatever_races_the_close(uow: UnitOfWork) -> None:
    motion_id, roster = open_motion(uow)
    for member_id, rep_id in roster:
        assert change(uow, motion_id, member_id, rep_id, Choice.YES) == "cast"
    delivered_all(uow)
    # Each voter asks for their ballot again: a second copy, which must follow too.
    with uow.begin() as session:
        motion = motions.lock(session, motion_id)
        meeting = sessions.load(session, motion.meeting_id)
        for member_id, rep_id in roster:
            user = session.get(User, rep_id)
            assert user is not None
            voter, found = ballots.voter_of(session, meeting, user, member_id)
            tallies.send_copy(session, motion, voter, found, rep_id, fresh=True)
    delivered_all(uow)

    jobs = [(m, r, Choice.NO) for m, r in roster]
    with ThreadPoolExecutor(8) as pool:
        changes = [pool.submit(change, uow, motion_id, *job) for job in jobs]
        closing = pool.submit(close, uow, motion_id)
        outcomes = [c.result() for c in changes]
        assert closing.result() == "closed"
    assert set(outcomes) <= {"cast", "procedure.vote_closed"}

    with uow.begin() as session:
        final = {
            row.voter: Choice(row.choice)
            for row in session.exec(select(Ballot).where(Ballot.motion_id == motion_id))
        }
        copies = tallies.copies(session, motion_id)
        assert len(copies) == 2 * VOTERS
        for copy in copies:
            edit = newest_edit(session, copy)
            assert edit.key == tallies.BALLOT_CLOSED and edit.buttons == []
            yours = values.decode(edit.args)["yours"]
            choice = final[tallies.voter_of_copy(copy)]
            assert yours.args["choice"].key == tallies.LABELS[choice]
        motion = motions.lock(session, motion_id)
        assert motion.no == outcomes.count("cast") and motion.yes == VOTERS - motion.no


def test_an_older_edit_is_never_sent_after_a_newer(uow: UnitOfWork) -> None:
    """A vote's edit still queued when the close's edit of the same copy was written
    is dropped, not sent late over the result."""
    with uow.begin() as session:
        person(session, 30_000, "Salma")
        copy = outbox.notify(session, chat_id=30_000, key=tallies.PRIVATE_BALLOT, args={})
        assert copy is not None
        copy.delivered_at, copy.telegram_message_id = uow.clock.now(), 77
        older = outbox.notify(
            session, chat_id=30_000, key=tallies.DID_NOT_VOTE, args={}, edit_of=copy.id
        )
        newer = outbox.notify(
            session, chat_id=30_000, key=tallies.SECRET_COUNTED, args={}, edit_of=copy.id
        )
        assert older is not None and newer is not None
        older_id, newer_id = older.id, newer.id
    with uow.db.reading() as session:
        try:
            delivery.prepare(session, older_id or 0)
        except delivery.Superseded:
            pass
        else:
            raise AssertionError("the older edit would be sent")
        assert delivery.prepare(session, newer_id or 0).edit_message_id == 77
