"""Charter amendments through the workflows (Art. 30): refused without the Board of
Trustees or two thirds of the full members, put to the vote once either is there."""

from datetime import timedelta

import pytest
from sqlmodel import select

from models import Member, User
from tests.meetings_world import assembly, board_meeting, clerk, member, person
from workflows.charter.errors import NotAllowed
from workflows.charter.meetings import BallotKind, Choice
from workflows.charter.voting import MotionKind
from workflows.meetings import amendments, ballots, motions, sessions
from workflows.platform.unit_of_work import UnitOfWork


def test_a_members_amendment_needs_two_thirds_of_the_full_members(uow: UnitOfWork) -> None:
    now = uow.clock.now()
    with uow.begin() as session:
        staff = clerk(session)
        reps = [person(session, 100 + i, f"Mayor {i}") for i in range(6)]
        cities = [member(session, rep, f"City {i}") for i, rep in enumerate(reps)]
        # Suspended for fees: by default not among "the full Members" of Art. 26
        # and Art. 30 alike (one reading for the quorum and the two thirds).
        cities[5].voting_right = "suspended_for_fees"
        observer_rep = person(session, 200, "Observer")
        observer = member(session, observer_rep, "Institute", category="observer")
        meeting_id = assembly(session, staff, uow.clock)
        sessions.open_session(session, meeting_id, staff, now=now)
        motion = motions.propose(
            session,
            meeting_id,
            staff,
            text="Amend Art. 23: sessions every year.",
            kind=MotionKind.CHARTER_AMENDMENT,
            ballot=BallotKind.NAMED,
            closes_at=None,
            now=now,
        )
        assert motion.state == "collecting_support" and motion.id is not None
        assert amendments.support_args(session, motion)["full"] == 5
        assert amendments.support_args(session, motion)["needed"] == 4  # 2/3 of 5
        with pytest.raises(NotAllowed) as refused:
            motions.open_vote(session, motion.id, staff, now=now, settings=uow.settings)
        assert refused.value.reason == "art30.insufficient_support"
        with pytest.raises(NotAllowed) as observer_refused:
            assert observer.id is not None
            amendments.support(session, motion.id, observer.id, observer_rep, now=now)
        assert observer_refused.value.reason == "art30.only_full_members_support"
        assert cities[5].id is not None
        with pytest.raises(NotAllowed) as unpaid_refused:
            amendments.support(session, motion.id, cities[5].id, reps[5], now=now)
        assert unpaid_refused.value.reason == "art25.voting_right_suspended_for_fees"
        for rep, city in list(zip(reps, cities, strict=True))[1:5]:
            assert city.id is not None
            assert amendments.support(session, motion.id, city.id, rep, now=now)
        assert cities[2].id is not None
        assert not amendments.support(session, motion.id, cities[2].id, reps[2], now=now)
        opened = motions.open_vote(session, motion.id, staff, now=now, settings=uow.settings)
        assert opened.state == "open"


def test_an_amendment_from_the_board_of_trustees_goes_straight_to_the_vote(
    uow: UnitOfWork,
) -> None:
    now = uow.clock.now()
    with uow.begin() as session:
        staff = clerk(session)
        # Art. 6: nine seats, so five trustees present make the quorum.
        trustees = [person(session, 300 + i, f"Trustee {i}") for i in range(6)]
        board_id = board_meeting(session, staff, trustees, now=now, present=trustees[:5])
        proposal = motions.propose(
            session,
            board_id,
            staff,
            text="Propose to amend Art. 23.",
            kind=MotionKind.CHARTER_AMENDMENT,
            ballot=BallotKind.SECRET,
            closes_at=now + timedelta(hours=1),
            now=now,
        )
        assert proposal.state == "draft" and proposal.id is not None
        motions.open_vote(session, proposal.id, staff, now=now, settings=uow.settings)
        for trustee in trustees[:5]:
            ballots.cast_ballot(session, proposal.id, trustee, Choice.YES, now=now)
        with pytest.raises(NotAllowed) as absent:
            ballots.cast_ballot(session, proposal.id, trustees[5], Choice.NO, now=now)
        assert absent.value.reason == "art26.not_checked_in"
        outsider = person(session, 999, "Outsider")
        with pytest.raises(NotAllowed) as not_seated:
            ballots.cast_ballot(session, proposal.id, outsider, Choice.NO, now=now)
        assert not_seated.value.reason == "art6.not_a_seat_holder"
        passed = motions.close_motion(session, proposal.id, staff, now=now)
        assert (passed.result, passed.quorum_met, passed.rule) == (
            "passed",
            True,
            "art30.majority_of_votes_cast",
        )

        rep = person(session, 400, "Mayor")
        member(session, rep, "Fez")
        meeting_id = assembly(session, staff, uow.clock)
        sessions.open_session(session, meeting_id, staff, now=now)
        amendment = motions.propose(
            session,
            meeting_id,
            staff,
            text=proposal.text,
            kind=MotionKind.CHARTER_AMENDMENT,
            ballot=BallotKind.NAMED,
            closes_at=None,
            source_motion_id=proposal.id,
            now=now,
        )
        assert amendment.state == "draft" and amendment.id is not None
        assert motions.open_vote(session, amendment.id, staff, now=now, settings=uow.settings)


def test_an_unpassed_motion_is_not_a_source(uow: UnitOfWork) -> None:
    now = uow.clock.now()
    with uow.begin() as session:
        staff = clerk(session)
        meeting_id = assembly(session, staff, uow.clock)
        ordinary = motions.propose(
            session,
            meeting_id,
            staff,
            text="An ordinary decision.",
            kind=MotionKind.ORDINARY,
            ballot=BallotKind.NAMED,
            closes_at=None,
            now=now,
        )
        with pytest.raises(NotAllowed) as refused:
            motions.propose(
                session,
                meeting_id,
                staff,
                text="Amend Art. 1.",
                kind=MotionKind.CHARTER_AMENDMENT,
                ballot=BallotKind.NAMED,
                closes_at=None,
                source_motion_id=ordinary.id,
                now=now,
            )
        assert refused.value.reason == "art30.source_not_passed_by_trustees"
        assert session.get(User, staff.id) is not None
        assert session.exec(select(Member)).all() == []
