"""The counts of the charter, read from its sentences and checked against the product.

The reference below is written from the charter's words alone, with exact
fractions, and shares no code with ``workflows.charter``: a misreading in the
product's tables cannot be restated here. Random assemblies (full members and
others, members suspended under Art. 22, withdrawn under Art. 21 or whose
voting right is suspended for fees under Art. 25, representatives and
delegates checking in, Yes, No and abstentions, empty rooms) are built through
the workflows, voted and closed, and the product's quorum, result and Art. 30
gate must be the reference's; the same reference is held against the
charter's pure rules on assemblies of up to eighty members, and a Board of
Trustees against its nine seats.

Art. 26: "The decisions of Assembly shall come into force with simple majority
of the votes of the attending Full Members ... Conventions of the Assembly shall
be regarded as official with the attendance of a simple majority of the full
Members." Art. 30: "Any proposal for the amendment of this Charter has to
emanate from the Board of trustees or from majority of two third of full
Members." Art. 25: "Full Members shall have equal voting rights ... The
Executive Supreme council may suspend the voting right of a member because of
unpaid membership fees."
"""

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from models import Member, User
from tests.meetings_world import assembly, board_meeting, clerk, member, person
from workflows.charter.bodies import Body
from workflows.charter.errors import NotAllowed
from workflows.charter.meetings import BallotKind, Choice
from workflows.charter.membership import MemberCategory, Standing, VotingRight
from workflows.charter.voting import (
    MajorityBase,
    MemberStanding,
    MotionKind,
    VotingRules,
    amendment_may_be_put_to_vote,
    bases,
    entitled_voters,
    tally,
)
from workflows.meetings import amendments, attendance, ballots, motions, sessions
from workflows.platform.clock import Clock
from workflows.platform.unit_of_work import SETTINGS, UnitOfWork

# --- The reference, from the charter's sentences -----------------------------


@dataclass(frozen=True)
class City:
    category: str  # "full", "associate", "observer" (Art. 12)
    standing: str  # "active"; "suspended" (Art. 22); "withdrawn" (Art. 21)
    fees_unpaid: bool  # voting right suspended for fees (Art. 25)
    presence: str  # "absent", "representative", "delegate"
    choice: str | None  # "yes", "no", "abstain", or no ballot
    supports: bool  # supports a members' amendment (Art. 30)


def is_full_member(city: City, *, unpaid_still_full: bool) -> bool:
    """Who is among "the full Members" (Art. 26, 30): a full member (Art. 12, 13) that
    has not withdrawn (Art. 21) and is not suspended (Art. 22). Whether one whose vote
    is suspended for fees (Art. 25) is counted is the one setting the body chose."""
    if city.category != "full" or city.standing != "active":
        return False
    return unpaid_still_full or not city.fees_unpaid


def votes_today(city: City) -> bool:
    """Art. 25: a full member in good standing whose voting right is not suspended."""
    return city.category == "full" and city.standing == "active" and not city.fees_unpaid


def attends(city: City) -> bool:
    """Art. 24: by its mayor (representative) or the official delegate."""
    return city.presence != "absent"


def more_than_half(part: int, whole: int) -> bool:
    return whole > 0 and Fraction(part, whole) > Fraction(1, 2)


def reference_quorum(cities: list[City], *, unpaid_still_full: bool) -> tuple[bool, int]:
    """Art. 26: official with the attendance of a simple majority of the full Members;
    only a member that may vote is counted as attending to decide."""
    base = [c for c in cities if is_full_member(c, unpaid_still_full=unpaid_still_full)]
    present = [c for c in base if attends(c) and votes_today(c)]
    return more_than_half(len(present), len(base)), len(base)


def reference_result(cities: list[City], base: MajorityBase, *, unpaid_still_full: bool) -> str:
    """Art. 26: a simple majority of the votes of the attending full members, over the
    base the body chose: Yes and No; Yes, No and abstentions; or all attending."""
    official, _ = reference_quorum(cities, unpaid_still_full=unpaid_still_full)
    if not official:
        return "no_quorum"
    voters = [c for c in cities if votes_today(c) and attends(c)]
    ballots = [c.choice for c in voters if c.choice is not None]
    yes = ballots.count("yes")
    whole = {
        MajorityBase.YES_NO: yes + ballots.count("no"),
        MajorityBase.YES_NO_ABSTAIN: len(ballots),
        MajorityBase.PRESENT: len(voters),
    }[base]
    return "passed" if more_than_half(yes, whole) else "failed"


def reference_two_thirds(cities: list[City], *, unpaid_still_full: bool) -> bool:
    """Art. 30: "majority of two third of full Members": supporters among the full
    members at least two thirds of them."""
    base = [c for c in cities if is_full_member(c, unpaid_still_full=unpaid_still_full)]
    supporters = [c for c in base if c.supports]
    return len(base) > 0 and Fraction(len(supporters), len(base)) >= Fraction(2, 3)


# --- Random assemblies --------------------------------------------------------

city_strategy = st.builds(
    City,
    category=st.sampled_from(["full", "full", "full", "associate", "observer"]),
    standing=st.sampled_from(["active", "active", "active", "suspended", "withdrawn"]),
    fees_unpaid=st.booleans(),
    presence=st.sampled_from(["absent", "representative", "delegate"]),
    choice=st.sampled_from([None, "yes", "no", "abstain"]),
    supports=st.booleans(),
)
cities_strategy = st.lists(city_strategy, max_size=7)


def build(
    session: Session, cities: list[City], clock: Clock
) -> tuple[User, int, list[tuple[City, Member]]]:
    staff = clerk(session)
    built = []
    for i, city in enumerate(cities):
        rep = person(session, 1000 + i, f"Mayor {i}")
        row = member(
            session,
            rep,
            f"City {i}",
            category=city.category,
            standing=city.standing,
            voting_right="suspended_for_fees" if city.fees_unpaid else "active",
        )
        built.append((city, row))
    return staff, assembly(session, staff, clock), built


def attend(
    session: Session, meeting_id: int, built: list[tuple[City, Member]], now: datetime
) -> None:
    for i, (city, row) in enumerate(built):
        assert row.id is not None
        rep = session.get(User, 1000 + i)
        assert rep is not None
        who = rep
        if city.presence == "delegate":
            delegate = person(session, 2000 + i, f"Delegate {i}")
            try:
                named = attendance.name_delegate(
                    session, meeting_id, row.id, rep, delegate, now=now
                )
            except NotAllowed:
                continue  # only a full member in good standing names one (Art. 24)
            assert named.id is not None
            attendance.answer_delegation(session, named.id, delegate, True, now=now)
            who = delegate
        if city.presence != "absent":
            # Refused when suspended, withdrawn or not invited: the reference leaves them out.
            with contextlib.suppress(NotAllowed):
                attendance.check_in(session, meeting_id, who, member_id=row.id, now=now)


EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@EXAMPLES
@given(
    cities=cities_strategy,
    base=st.sampled_from(list(MajorityBase)),
    unpaid_still_full=st.booleans(),
)
def test_quorum_and_majority_are_the_charters(
    uow: UnitOfWork, cities: list[City], base: MajorityBase, unpaid_still_full: bool
) -> None:
    now = uow.clock.now()
    with uow.db.session() as session:
        try:
            staff, meeting_id, built = build(session, cities, uow.clock)
            sessions.choose_rules(
                session,
                meeting_id,
                staff,
                majority_base=base,
                fee_suspended_in_quorum_base=unpaid_still_full,
                now=now,
            )
            sessions.open_session(session, meeting_id, staff, now=now)
            attend(session, meeting_id, built, now)
            motion = motions.propose(
                session,
                meeting_id,
                staff,
                text="Hold the next session in Fez.",
                kind=MotionKind.ORDINARY,
                ballot=BallotKind.NAMED,
                closes_at=now + timedelta(hours=1),
                now=now,
            )
            assert motion.id is not None
            motions.open_vote(session, motion.id, staff, now=now, settings=uow.settings)
            for i, (city, row) in enumerate(built):
                if city.choice is None:
                    continue
                voter = session.get(User, (2000 if city.presence == "delegate" else 1000) + i)
                assert voter is not None
                # Refused when not entitled: the reference does not count it either.
                with contextlib.suppress(NotAllowed):
                    ballots.cast_ballot(
                        session, motion.id, voter, Choice(city.choice), member_id=row.id, now=now
                    )
            quorum = sessions.quorum_of(session, sessions.load(session, meeting_id))
            expected_quorum = reference_quorum(cities, unpaid_still_full=unpaid_still_full)
            assert (quorum.met, quorum.total) == expected_quorum
            closed = motions.close_motion(session, motion.id, staff, now=now)
            assert closed.result == reference_result(
                cities, base, unpaid_still_full=unpaid_still_full
            )
        finally:
            session.rollback()


@EXAMPLES
@given(cities=cities_strategy, unpaid_still_full=st.booleans(), later=st.data())
def test_two_thirds_support_is_the_charters(
    uow: UnitOfWork, cities: list[City], unpaid_still_full: bool, later: st.DataObject
) -> None:
    """Support is counted among the full members as they are when the vote is
    opened: a supporter that withdrew or was suspended since no longer counts, and
    nothing it did can keep the motion from being opened or refused cleanly."""
    now = uow.clock.now()
    with uow.db.session() as session:
        try:
            at_support = [
                City(c.category, "active", c.fees_unpaid, c.presence, c.choice, c.supports)
                for c in cities
            ]
            staff, meeting_id, built = build(session, at_support, uow.clock)
            sessions.choose_rules(
                session,
                meeting_id,
                staff,
                majority_base=MajorityBase.YES_NO,
                fee_suspended_in_quorum_base=unpaid_still_full,
                now=now,
            )
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
            assert motion.id is not None
            for i, (city, row) in enumerate(built):
                if not city.supports:
                    continue
                rep = session.get(User, 1000 + i)
                assert rep is not None and row.id is not None
                # Refused for one not counted among the full members: nor does the reference.
                with contextlib.suppress(NotAllowed):
                    amendments.support(session, motion.id, row.id, rep, now=now)
            # Then some withdraw or are suspended (the drawn standing applies now).
            for (_, row), original in zip(built, cities, strict=True):
                row.standing = original.standing
                session.add(row)
            session.flush()
            expected = reference_two_thirds(cities, unpaid_still_full=unpaid_still_full)
            try:
                motions.open_vote(session, motion.id, staff, now=now, settings=uow.settings)
                opened = True
            except NotAllowed as refused:
                assert refused.reason == "art30.insufficient_support"
                opened = False
            assert opened == expected
        finally:
            session.rollback()


@pytest.mark.parametrize(
    ("yes", "no", "abstain", "absent_voters", "base", "expected"),
    [
        # 1 Yes and 100 abstentions: adopted on Yes and No, not on the others.
        (1, 0, 100, 0, MajorityBase.YES_NO, "passed"),
        (1, 0, 100, 0, MajorityBase.YES_NO_ABSTAIN, "failed"),
        (1, 0, 100, 0, MajorityBase.PRESENT, "failed"),
        # Present but silent members weigh only on the base of those present.
        (3, 1, 0, 3, MajorityBase.YES_NO_ABSTAIN, "passed"),
        (3, 1, 0, 3, MajorityBase.PRESENT, "failed"),
    ],
)
def test_the_three_bases_on_worked_examples(
    yes: int, no: int, abstain: int, absent_voters: int, base: MajorityBase, expected: str
) -> None:
    cities = [
        City("full", "active", False, "representative", choice, False)
        for choice in ["yes"] * yes + ["no"] * no + ["abstain"] * abstain + [None] * absent_voters
    ]
    assert reference_result(cities, base, unpaid_still_full=False) == expected


# --- A board: "There are 9 members on the board of trustees" (Art. 6) ---------


@dataclass(frozen=True)
class Trustee:
    present: bool
    choice: str | None


def reference_board_result(trustees: list[Trustee], base: MajorityBase) -> str:
    """Art. 6 composes the Board of nine; the charter sets no quorum of its own, and
    our procedure reads Art. 26's into it: more than half of the nine attend."""
    present = [t for t in trustees if t.present]
    if not more_than_half(len(present), 9):
        return "no_quorum"
    ballots = [t.choice for t in present if t.choice is not None]
    whole = {
        MajorityBase.YES_NO: ballots.count("yes") + ballots.count("no"),
        MajorityBase.YES_NO_ABSTAIN: len(ballots),
        MajorityBase.PRESENT: len(present),
    }[base]
    return "passed" if more_than_half(ballots.count("yes"), whole) else "failed"


@EXAMPLES
@given(
    trustees=st.lists(
        st.builds(Trustee, present=st.booleans(), choice=st.sampled_from([None, "yes", "no"])),
        max_size=9,
    ),
    base=st.sampled_from(list(MajorityBase)),
)
def test_a_boards_votes_are_the_charters(
    uow: UnitOfWork, trustees: list[Trustee], base: MajorityBase
) -> None:
    now = uow.clock.now()
    with uow.db.session() as session:
        # What a unit of work gives its session: the settings (the ballot key among them).
        session.info[SETTINGS] = uow.settings
        try:
            staff = clerk(session)
            users = [person(session, 3000 + i, f"Trustee {i}") for i in range(len(trustees))]
            sessions.choose_body_base(session, Body.TRUSTEES, base, staff, now=now)
            present = [u for u, t in zip(users, trustees, strict=True) if t.present]
            meeting_id = board_meeting(
                session, staff, users, now=now, present=present, title="Board"
            )
            motion = motions.propose(
                session,
                meeting_id,
                staff,
                text="Approve the audit of the accounts.",
                kind=MotionKind.ORDINARY,
                ballot=BallotKind.SECRET,
                closes_at=now + timedelta(hours=1),
                now=now,
            )
            assert motion.id is not None
            motions.open_vote(session, motion.id, staff, now=now, settings=uow.settings)
            for user, trustee in zip(users, trustees, strict=True):
                if trustee.present and trustee.choice is not None:
                    ballots.cast_ballot(session, motion.id, user, Choice(trustee.choice), now=now)
            closed = motions.close_motion(session, motion.id, staff, now=now)
            assert closed.result == reference_board_result(trustees, base)
            assert closed.quorum_total == 9
        finally:
            session.rollback()


# --- The same reference against the charter's pure rules, on large assemblies --


@settings(max_examples=500, deadline=None)
@given(
    cities=st.lists(city_strategy, max_size=80),
    base=st.sampled_from(list(MajorityBase)),
    unpaid_still_full=st.booleans(),
)
def test_the_charters_rules_count_large_assemblies_as_the_reference(
    cities: list[City], base: MajorityBase, unpaid_still_full: bool
) -> None:
    rules = VotingRules(majority_base=base, fee_suspended_in_quorum_base=unpaid_still_full)
    members = [
        MemberStanding(
            member_id=i,
            category=MemberCategory(city.category),
            standing=Standing(city.standing),
            voting_right=VotingRight.SUSPENDED_FOR_FEES if city.fees_unpaid else VotingRight.ACTIVE,
            checked_in=city.presence != "absent",
        )
        for i, city in enumerate(cities)
    ]
    counted = bases(Body.ASSEMBLY, rules, members=members)
    official = counted.quorum(rules)
    assert (official.met, official.total) == reference_quorum(
        cities, unpaid_still_full=unpaid_still_full
    )
    cast = [cities[i].choice for i in entitled_voters(members) if cities[i].choice is not None]
    outcome = tally(
        cast.count("yes"),
        cast.count("no"),
        cast.count("abstain"),
        rules,
        quorum_met=official.met,
        present=len(counted.attending),
    )
    assert outcome.result.value == reference_result(
        cities, base, unpaid_still_full=unpaid_still_full
    )
    supporting = [i for i, city in enumerate(cities) if city.supports]
    verdict = amendment_may_be_put_to_vote(
        from_board_of_trustees=False,
        supporters=counted.supporters(supporting),
        full_members=len(counted.full_members),
    )
    assert bool(verdict) == reference_two_thirds(cities, unpaid_still_full=unpaid_still_full)
