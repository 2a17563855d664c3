"""Five hundred members voting at once, each ballot counted exactly once.

Runs on the test database of the session: SQLite by default, PostgreSQL when
``MAJLIS_TEST_DATABASE_URL`` is set (CI runs both). Every member submits twice
at the same moment (its representative and its delegate), and some three
times, through the workflow layer in threads, each in its own unit of work.
"""

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlmodel import func, select

from models import Ballot, Member, SealedBallot, SecretParticipation, User
from tests.meetings_world import assembly, clerk, member, person
from workflows.charter.errors import NotAllowed
from workflows.charter.meetings import BallotKind, Choice
from workflows.charter.voting import MotionKind
from workflows.meetings import attendance, ballots, motions, sessions, speakers
from workflows.platform.unit_of_work import UnitOfWork

MEMBERS = 500
THREADS = 16


def prepare(uow: UnitOfWork, ballot: BallotKind) -> tuple[int, list[tuple[int, int, int]]]:
    """An open session where 500 full members checked in, and an open motion.

    Returns the motion and (member, representative, delegate) of each member.
    """
    now = uow.clock.now()
    with uow.begin() as session:
        staff = clerk(session)
        reps = []
        for index in range(MEMBERS):
            rep = person(session, 10_000 + index, f"Mayor {index}")
            reps.append((member(session, rep, f"City {index}").id, rep.id))
        meeting_id = assembly(session, staff, uow.clock)
    roster = []
    with uow.begin() as session:
        staff = session.get(User, 1)
        assert staff is not None
        for member_id, rep_id in reps:
            assert member_id is not None
            delegate = person(session, 50_000 + member_id, f"Delegate {member_id}")
            rep = session.get(User, rep_id)
            assert rep is not None
            attendance.name_delegate(session, meeting_id, member_id, rep, delegate, now=now)
            roster.append((member_id, rep_id, delegate.id))
    with uow.begin() as session:
        for member_id, _, delegate_id in roster:
            delegate = session.get(User, delegate_id)
            assert delegate is not None
            delegation = speakers.delegation(session, meeting_id, member_id)
            assert delegation is not None and delegation.id is not None
            attendance.answer_delegation(session, delegation.id, delegate, True, now=now)
        staff = session.get(User, 1)
        assert staff is not None
        sessions.open_session(session, meeting_id, staff, now=now)
    with uow.begin() as session:
        for member_id, rep_id, _ in roster:
            rep = session.get(User, rep_id)
            assert rep is not None
            attendance.check_in(session, meeting_id, rep, member_id=member_id, now=now)
        staff = session.get(User, 1)
        assert staff is not None
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
        assert motion.id is not None
        motions.open_vote(session, motion.id, staff, now=now, settings=uow.settings)
        return motion.id, roster


def submit(uow: UnitOfWork, motion_id: int, user_id: int, choice: Choice) -> str:
    try:
        with uow.begin() as session:
            user = session.get(User, user_id)
            assert user is not None
            cast = ballots.cast_ballot(session, motion_id, user, choice, now=uow.clock.now())
            return "changed" if cast.changed else ("same" if cast.unchanged else "cast")
    except NotAllowed as refusal:
        return refusal.reason


@pytest.mark.parametrize("ballot", [BallotKind.NAMED, BallotKind.SECRET])
def test_five_hundred_members_voting_at_once_are_each_counted_once(
    uow: UnitOfWork, ballot: BallotKind
) -> None:
    motion_id, roster = prepare(uow, ballot)
    rng = random.Random(20261122)
    intended = {member_id: rng.choice(list(Choice)) for member_id, _, _ in roster}
    jobs = []
    for member_id, rep_id, delegate_id in roster:
        jobs.append((rep_id, intended[member_id]))
        jobs.append((delegate_id, intended[member_id]))
        if member_id % 7 == 0:
            jobs.append((rep_id, intended[member_id]))  # a double tap
    rng.shuffle(jobs)
    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = Counter(pool.map(lambda job: submit(uow, motion_id, *job), jobs))

    # One ballot per member went in; every other submission was refused or a no-op.
    assert outcomes["cast"] == MEMBERS
    refused = outcomes["art25.member_already_voted"] + outcomes["procedure.secret_vote_is_final"]
    assert refused + outcomes["same"] == len(jobs) - MEMBERS
    assert outcomes["changed"] == 0

    with uow.begin() as session:
        closed = motions.close_motion(session, motion_id, session.get(User, 1), now=uow.clock.now())
        reference = Counter(intended.values())
        assert (closed.yes, closed.no, closed.abstain) == (
            reference[Choice.YES],
            reference[Choice.NO],
            reference[Choice.ABSTAIN],
        )
        assert closed.quorum_met and closed.quorum_attending == MEMBERS
        if ballot is BallotKind.NAMED:
            rows = session.exec(select(Ballot.member_id, Ballot.choice)).all()
            assert {m: Choice(c) for m, c in rows} == intended
        else:
            participants = session.exec(select(func.count()).select_from(SecretParticipation)).one()
            # Counted into the totals above, the seals are gone.
            seals = session.exec(select(func.count()).select_from(SealedBallot)).one()
            assert (participants, seals) == (MEMBERS, 0)
        members = session.exec(select(func.count()).select_from(Member)).one()
        assert members == MEMBERS
