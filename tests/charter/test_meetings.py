"""The rules of sessions and ballots at their edges, and against a plain reference."""

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflows.charter.bodies import Body
from workflows.charter.errors import IllegalTransition, NotAllowed
from workflows.charter.meetings import (
    MEETING,
    MEETING_RULE_KEYS,
    BallotKind,
    MeetingEvent,
    MeetingState,
    may_cast,
    may_check_in,
    may_name_delegate,
    may_support_amendment,
    may_vote_at_assembly,
    may_vote_in_committee,
    motion_kind_allowed,
    reminder_time,
    voter_key,
)
from workflows.charter.membership import MemberCategory, Standing, VotingRight
from workflows.charter.roles import Role
from workflows.charter.voting import (
    CHARTER_RULES,
    MemberStanding,
    MotionKind,
    QuorumResult,
    bases,
    entitled_voters,
)

FULL, OBSERVER = MemberCategory.FULL, MemberCategory.OBSERVER
ACTIVE, SUSPENDED, WITHDRAWN = Standing.ACTIVE, Standing.SUSPENDED, Standing.WITHDRAWN
RIGHT, NO_RIGHT = VotingRight.ACTIVE, VotingRight.SUSPENDED_FOR_FEES


def test_a_session_is_convened_opened_and_closed_by_the_secretariat() -> None:
    staff = {Role.SECRETARIAT}
    assert MEETING.check(None, MeetingEvent.CONVENE, staff) is MeetingState.SCHEDULED
    assert MEETING.check("scheduled", MeetingEvent.OPEN, {Role.CHAIR}) is MeetingState.OPEN
    assert MEETING.check("open", MeetingEvent.CLOSE, staff) is MeetingState.CLOSED
    with pytest.raises(NotAllowed):
        MEETING.check(None, MeetingEvent.CONVENE, {Role.REPRESENTATIVE})
    with pytest.raises(IllegalTransition):
        MEETING.check("closed", MeetingEvent.OPEN, staff)
    with pytest.raises(IllegalTransition):
        MEETING.check("open", MeetingEvent.CANCEL, staff)


@pytest.mark.parametrize(
    ("category", "standing", "right", "present", "reason"),
    [
        (FULL, ACTIVE, RIGHT, True, "art25.entitled"),
        (FULL, ACTIVE, RIGHT, False, "art26.not_checked_in"),
        (FULL, ACTIVE, NO_RIGHT, True, "art25.voting_right_suspended_for_fees"),
        (FULL, SUSPENDED, RIGHT, True, "art22.member_suspended"),
        (FULL, WITHDRAWN, RIGHT, True, "art21.member_withdrawn"),
        (OBSERVER, ACTIVE, RIGHT, True, "art25.only_full_members_vote"),
        (MemberCategory.ASSOCIATE, ACTIVE, RIGHT, True, "art25.only_full_members_vote"),
        (MemberCategory.HONORARY, ACTIVE, RIGHT, True, "art25.only_full_members_vote"),
    ],
)
def test_who_votes_at_the_assembly(
    category: MemberCategory, standing: Standing, right: VotingRight, present: bool, reason: str
) -> None:
    verdict = may_vote_at_assembly(
        category=category, standing=standing, voting_right=right, checked_in=present
    )
    assert (bool(verdict), verdict.reason) == (reason == "art25.entitled", reason)


@given(
    members=st.lists(
        st.tuples(
            st.sampled_from(list(MemberCategory)),
            st.sampled_from(list(Standing)),
            st.sampled_from(list(VotingRight)),
            st.booleans(),
        ),
        max_size=40,
    )
)
def test_ballot_entitlement_agrees_with_the_roll_of_voters(
    members: list[tuple[MemberCategory, Standing, VotingRight, bool]],
) -> None:
    roll = entitled_voters(
        MemberStanding(member_id=i, category=c, standing=s, voting_right=r, checked_in=p)
        for i, (c, s, r, p) in enumerate(members)
    )
    one_by_one = {
        i
        for i, (c, s, r, p) in enumerate(members)
        if may_vote_at_assembly(category=c, standing=s, voting_right=r, checked_in=p)
    }
    assert roll == one_by_one


@pytest.mark.parametrize(
    ("kind", "open_", "earlier", "reason"),
    [
        (BallotKind.NAMED, True, None, "art25.one_vote"),
        (BallotKind.SECRET, True, None, "art25.one_vote"),
        (BallotKind.NAMED, True, 7, "procedure.named_vote_changed"),  # the same person
        (
            BallotKind.NAMED,
            True,
            8,
            "art25.member_already_voted",
        ),  # the delegate of the same member
        (BallotKind.SECRET, True, 7, "procedure.secret_vote_is_final"),
        (BallotKind.SECRET, True, 8, "art25.member_already_voted"),
        (BallotKind.NAMED, False, None, "procedure.vote_closed"),
        (BallotKind.SECRET, False, 7, "procedure.vote_closed"),
    ],
)
def test_one_ballot_per_voter(
    kind: BallotKind, open_: bool, earlier: int | None, reason: str
) -> None:
    verdict = may_cast(kind=kind, open_=open_, already_cast_by=earlier, voter=7)
    assert verdict.reason == reason
    assert bool(verdict) == (reason in {"art25.one_vote", "procedure.named_vote_changed"})


def test_committees_vote_by_their_present_seat_holders() -> None:
    assert may_vote_in_committee(holds_seat=True, checked_in=True, body=Body.TRUSTEES)
    refused = may_vote_in_committee(holds_seat=False, checked_in=True, body=Body.STEERING)
    assert refused.reason == "art8.not_a_seat_holder"
    assert not may_vote_in_committee(holds_seat=True, checked_in=False, body=Body.COUNCIL)


def committee_quorum(body: Body, holders: int, present: int) -> QuorumResult:
    return bases(
        body, CHARTER_RULES, seat_holders=range(holders), checked_in=range(present)
    ).quorum(CHARTER_RULES)


@pytest.mark.parametrize(
    ("body", "holders", "present", "met"),
    [
        (Body.TRUSTEES, 9, 4, False),
        (Body.TRUSTEES, 9, 5, True),
        (Body.STEERING, 21, 10, False),
        (Body.STEERING, 21, 11, True),
        # Art. 6: nine trustees; one seated of nine is not a quorum, five are.
        (Body.TRUSTEES, 1, 1, False),
        (Body.TRUSTEES, 5, 5, True),
        (Body.STEERING, 11, 10, False),
        # Art. 10: the Council has as many seats as are held.
        (Body.COUNCIL, 2, 1, False),
        (Body.COUNCIL, 3, 2, True),
        (Body.COUNCIL, 0, 0, False),
    ],
)
def test_committee_quorum_edges(body: Body, holders: int, present: int, met: bool) -> None:
    assert committee_quorum(body, holders, present).met is met


@given(
    body=st.sampled_from([Body.TRUSTEES, Body.STEERING]),
    data=st.data(),
)
def test_committee_quorum_is_counted_on_the_charters_seats(body: Body, data: st.DataObject) -> None:
    seats = {Body.TRUSTEES: 9, Body.STEERING: 21}[body]  # Art. 6, Art. 8
    holders = data.draw(st.integers(0, seats))
    present = data.draw(st.integers(0, holders))
    assert committee_quorum(body, holders, present).met == (
        Fraction(present, seats) > Fraction(1, 2)
    )


def test_delegates_are_named_by_full_members_for_the_assembly() -> None:
    assert may_name_delegate(FULL, ACTIVE, Body.ASSEMBLY)
    assert may_name_delegate(OBSERVER, ACTIVE, Body.ASSEMBLY).reason == (
        "art24.only_full_members_name_delegates"
    )
    assert not may_name_delegate(FULL, SUSPENDED, Body.ASSEMBLY)
    assert may_name_delegate(FULL, ACTIVE, Body.TRUSTEES).reason == (
        "art24.delegates_only_at_the_assembly"
    )


def test_check_in_needs_an_open_session_and_good_standing() -> None:
    assert may_check_in(MeetingState.OPEN, ACTIVE)
    assert may_check_in(MeetingState.OPEN, None)  # a seat holder
    assert not may_check_in(MeetingState.SCHEDULED, ACTIVE)
    assert not may_check_in(MeetingState.OPEN, WITHDRAWN)


@pytest.mark.parametrize(
    ("body", "kind", "allowed"),
    [
        (Body.ASSEMBLY, MotionKind.RULES_OF_PROCEDURE, True),
        (Body.TRUSTEES, MotionKind.RULES_OF_PROCEDURE, False),
        (Body.ASSEMBLY, MotionKind.CHARTER_AMENDMENT, True),
        (Body.TRUSTEES, MotionKind.CHARTER_AMENDMENT, True),
        (Body.STEERING, MotionKind.CHARTER_AMENDMENT, False),
        (Body.COUNCIL, MotionKind.ORDINARY, True),
    ],
)
def test_where_each_kind_of_motion_is_decided(body: Body, kind: MotionKind, allowed: bool) -> None:
    assert bool(motion_kind_allowed(body, kind)) is allowed


def test_amendment_support_comes_from_full_members_in_good_standing() -> None:
    assert may_support_amendment(FULL, ACTIVE)
    assert not may_support_amendment(OBSERVER, ACTIVE)
    assert not may_support_amendment(FULL, SUSPENDED)


def test_reminders_come_an_hour_before_or_halfway() -> None:
    start = datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert reminder_time(start, start + timedelta(days=1)) == start + timedelta(hours=23)
    assert reminder_time(start, start + timedelta(minutes=40)) == start + timedelta(minutes=20)
    assert reminder_time(start, None) is None
    assert reminder_time(start, start) is None


def test_voter_keys() -> None:
    assert voter_key(member_id=12) == "m12"
    assert voter_key(user_id=99) == "u99"
    with pytest.raises(ValueError):
        voter_key()
    with pytest.raises(ValueError):
        voter_key(member_id=1, user_id=2)


def test_every_refusal_key_is_listed() -> None:
    assert len(set(MEETING_RULE_KEYS)) == len(MEETING_RULE_KEYS)
    assert all(key.split(".")[0].startswith(("art", "procedure")) for key in MEETING_RULE_KEYS)
