"""Ballots: who is entitled, casting one, counting them, the live tally, reminders.

Art. 24–26. One ballot per voter per motion, whoever of a member's
representatives and delegate presses, however often: the unique constraint on
(motion, voter) decides races. A ballot takes a shared lock on its motion and the
close an exclusive one, so no ballot lands after the count.

Secret ballots write, in one transaction, a participation row (who) and a sealed
ballot (what, under the ballot key that never reaches the database: ``seals``);
nothing in the audit trail or the outbox carries the choice. The close opens the
seals, keeps the totals and deletes the seals.
"""

import secrets
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, NamedTuple, Protocol, TypeVar

from sqlalchemy import bindparam
from sqlmodel import Session, col, func, select

from models import (
    Attendance,
    Ballot,
    Meeting,
    Member,
    Motion,
    SealedBallot,
    SecretParticipation,
    User,
    bulk,
)
from workflows.charter.bodies import Body
from workflows.charter.errors import NotAllowed, Verdict
from workflows.charter.machines import MotionState
from workflows.charter.meetings import (
    BallotKind,
    Choice,
    may_cast,
    may_vote_at_assembly,
    may_vote_in_committee,
    voter_key,
)
from workflows.charter.membership import MemberCategory, Standing, VotingRight
from workflows.charter.voting import MotionKind
from workflows.meetings import seals, seats, sessions, speakers
from workflows.platform import audit, live, locks, outbox
from workflows.platform.unit_of_work import SETTINGS
from workflows.platform.values import message

#: The due item that refreshes a motion's live tally (:mod:`workflows.meetings.tallies`).
TALLY = "motion.tally"


def describe(motion: Motion) -> dict[str, Any]:
    """A motion as its ballots, support calls and result name it."""
    return {
        "number": str(motion.id),
        "text": motion.text,
        "kind": message(KIND_NAMES[MotionKind(motion.kind)]),
        "ballot": message(BALLOT_NAMES[BallotKind(motion.ballot)]),
        "closes": motion.closes_at if motion.closes_at else message(BY_HAND),
    }


@dataclass(frozen=True)
class Cast:
    choice: Choice
    secret: bool
    changed: bool
    unchanged: bool = False
    #: The motion as locked, who was cast for (as :func:`voter_of` found it) and a named
    #: ballot's row as it now stands: what showing the ballot needs, not read again.
    voter: str = ""
    member: Member | None = field(default=None, compare=False)
    ballot: Ballot | None = field(default=None, compare=False)
    motion: Motion | None = field(default=None, compare=False)


def lock_shared(session: Session, motion_id: int) -> Motion:
    return locks.lock(session, Motion, motion_id, shared=True)


def is_open(motion: Motion, now: datetime) -> bool:
    """Open, and its closing time not yet reached even if the scheduler is late."""
    return motion.state == MotionState.OPEN.value and (
        motion.closes_at is None or now < motion.closes_at
    )


# --- Who votes (Art. 24, 25, 26) ---------------------------------------------


def voter_of(
    session: Session, meeting: Meeting, user: User, member_id: int | None
) -> tuple[str, Member | None]:
    """The voter ``user`` acts for: a member they speak for, or their own seat."""
    body = Body(meeting.body)
    if body != Body.ASSEMBLY:
        return voter_key(user_id=user.id), None
    members = speakers.members_of(session, meeting, user.id)
    if member_id:
        members = [m for m in members if m.id == member_id]
    if not members:
        raise NotAllowed("speaks for no member", reason="art24.not_a_representative_or_delegate")
    if len(members) > 1:
        raise NotAllowed("speaks for several members", reason="several_members")
    member = members[0]
    assert member.id is not None
    return voter_key(member_id=member.id), member


#: Whether a voter checked in; who cast a voter's ballot: asked by every press, built once.
_PRESENT = select(Attendance.id).where(
    Attendance.meeting_id == bindparam("meeting_id"), Attendance.voter == bindparam("voter")
)
_CAST_BY = {
    table: select(table.cast_by).where(
        table.motion_id == bindparam("motion_id"), table.voter == bindparam("voter")
    )
    for table in (Ballot, SecretParticipation)
}


def entitlement(session: Session, meeting: Meeting, voter: str, member: Member | None) -> Verdict:
    assert meeting.id is not None
    present = (
        session.exec(_PRESENT, params={"meeting_id": meeting.id, "voter": voter}).first()
        is not None
    )
    holders = seats.holders(session, Body(meeting.body)) if member is None else set()
    return _verdict(meeting, voter, member, present=present, holders=holders)


class Standing_(Protocol):
    """What the charter reads of a member to entitle it: a :class:`Member`, or these
    three columns read alone (:func:`count_entitled`)."""

    @property
    def category(self) -> str: ...
    @property
    def standing(self) -> str: ...
    @property
    def voting_right(self) -> str: ...


class _Standing(NamedTuple):
    category: str
    standing: str
    voting_right: str


def _verdict(
    meeting: Meeting, voter: str, member: Standing_ | None, *, present: bool, holders: set[int]
) -> Verdict:
    if member is None:
        body = Body(meeting.body)
        return may_vote_in_committee(
            holds_seat=int(voter[1:]) in holders, checked_in=present, body=body
        )
    return may_vote_at_assembly(
        category=MemberCategory(member.category),
        standing=Standing(member.standing),
        voting_right=VotingRight(member.voting_right),
        checked_in=present,
    )


@dataclass(frozen=True)
class Voter:
    """Someone entitled to vote now, as read for a whole session at once."""

    key: str
    member: Member | None
    #: Who gets the ballot: the person who checked in, else the member's speakers.
    recipients: list[int]


def entitled(session: Session, meeting: Meeting) -> list[tuple[str, Member | None]]:
    """Everyone who may vote now: present, and entitled by Art. 25 (or a seat)."""
    return [(voter.key, voter.member) for voter in entitled_voters(session, meeting)]


def entitled_voters(
    session: Session, meeting: Meeting, *, with_recipients: bool = False
) -> list[Voter]:
    """:func:`entitled`, read with a fixed number of statements however many are
    present (a live tally over 2,000 voters is a handful of queries, not 4,000), and
    with ``with_recipients`` who gets each one's ballot (:func:`recipients`)."""
    assert meeting.id is not None
    rows = _present(session, meeting.id)
    member_ids = sorted({row.member_id for row in rows if row.member_id is not None})
    members: dict[int, Member] = {}
    for part in outbox.slices(member_ids):
        members.update(
            (member.id, member)
            for member in session.exec(
                select(Member).where(bulk.among(session, col(Member.id), part))
            )
            if member.id is not None
        )
    found = _entitled(session, meeting, rows, members)
    speaking: dict[int, list[int]] = {}
    if with_recipients:
        speaking = speakers.speakers_of(
            session,
            meeting.id,
            [m.id for row, m in found if row.user_id is None and m is not None and m.id],
        )
    voters = []
    for row, member in found:
        if not with_recipients:
            chats: list[int] = []
        elif row.user_id is not None:
            chats = [row.user_id]
        elif member is not None and member.id is not None:
            chats = speaking[member.id]
        else:
            chats = [int(row.voter[1:])]
        voters.append(Voter(row.voter, member, chats))
    return voters


def count_entitled(session: Session, meeting: Meeting) -> int:
    """How many :func:`entitled_voters` there are, read as columns rather than rows
    made objects (the live tally's count over 2,000 voters)."""
    assert meeting.id is not None
    rows = _present(session, meeting.id)
    member_ids = sorted({row.member_id for row in rows if row.member_id is not None})
    members: dict[int, _Standing] = {}
    for part in outbox.slices(member_ids):
        members.update(
            (member_id, _Standing(category, standing, voting_right))
            for member_id, category, standing, voting_right in session.exec(
                select(Member.id, Member.category, Member.standing, Member.voting_right).where(
                    bulk.among(session, col(Member.id), part)
                )
            )
            if member_id is not None
        )
    return len(_entitled(session, meeting, rows, members))


class _Present(NamedTuple):
    voter: str
    member_id: int | None
    user_id: int | None


def _present(session: Session, meeting_id: int) -> list[_Present]:
    """Who checked in, as :func:`speakers.attended` orders them, columns only."""
    query = (
        select(Attendance.voter, Attendance.member_id, Attendance.user_id)
        .where(Attendance.meeting_id == meeting_id)
        .order_by(col(Attendance.at), col(Attendance.id))
    )
    return [_Present(*row) for row in session.exec(query)]


M = TypeVar("M", bound=Standing_)


def _entitled(
    session: Session, meeting: Meeting, rows: list[_Present], members: dict[int, M]
) -> list[tuple[_Present, M | None]]:
    """The rows of those present who may vote, each with its member if any."""
    found = [
        (row, members.get(row.member_id) if row.member_id is not None else None) for row in rows
    ]
    holders: set[int] = set()
    if any(member is None for _, member in found):
        holders = seats.holders(session, Body(meeting.body))
    return [
        (row, member)
        for row, member in found
        if _verdict(meeting, row.voter, member, present=True, holders=holders)
    ]


def recipients(session: Session, meeting: Meeting, voter: str, member: Member | None) -> list[int]:
    """Who gets the ballot: the person who checked in, else the member's speakers."""
    assert meeting.id is not None
    row = speakers.attendance_of(session, meeting.id, voter)
    if row is not None and row.user_id is not None:
        return [row.user_id]
    if member is not None and member.id is not None:
        return speakers.speakers(session, meeting.id, member.id)
    return [int(voter[1:])]


# --- Casting -----------------------------------------------------------------


def may_press(
    session: Session, motion: Motion, user: User, *, member_id: int | None = None, now: datetime
) -> tuple[str, Member | None]:
    """The voter ``user`` would cast for, or the rule that refuses it, before anything is
    written: a press that only asks for a confirmation is refused at once."""
    if not is_open(motion, now):
        raise NotAllowed("the vote is closed", reason="procedure.vote_closed")
    meeting = sessions.load(session, motion.meeting_id)
    voter, member = voter_of(session, meeting, user, member_id)
    entitlement(session, meeting, voter, member).require()
    secret = motion.ballot == BallotKind.SECRET.value
    table = SecretParticipation if secret else Ballot
    earlier = session.exec(_CAST_BY[table], params={"motion_id": motion.id, "voter": voter}).first()
    if earlier is not None:
        kind = BallotKind.SECRET if secret else BallotKind.NAMED
        may_cast(kind=kind, open_=True, already_cast_by=earlier, voter=user.id).require()
    return voter, member


def current_choice(session: Session, motion: Motion, voter: str) -> Choice | None:
    """A named ballot's choice as it stands; a secret one's is never read back."""
    if motion.ballot == BallotKind.SECRET.value:
        return None
    choice = session.exec(
        select(Ballot.choice).where(Ballot.motion_id == motion.id, Ballot.voter == voter)
    ).first()
    return Choice(choice) if choice else None


def cast_ballot(
    session: Session,
    motion_id: int,
    user: User,
    choice: Choice,
    *,
    member_id: int | None = None,
    now: datetime,
) -> Cast:
    """Record ``user``'s ballot for the voter they act for, or refuse with the rule."""
    motion = lock_shared(session, motion_id)
    if not is_open(motion, now):
        raise NotAllowed("the vote is closed", reason="procedure.vote_closed")
    meeting = sessions.load(session, motion.meeting_id)
    voter, member = voter_of(session, meeting, user, member_id)
    entitlement(session, meeting, voter, member).require()
    member_key = member.id if member else None
    if motion.ballot == BallotKind.SECRET.value:
        cast = _secret(session, motion, voter, member_key, user, choice, now=now)
    else:
        cast = _named(session, motion, voter, member_key, user, choice, now=now)
    cast = replace(cast, voter=voter, member=member, motion=motion)
    if not cast.unchanged:
        audit.record(
            session,
            entity="motion",
            entity_id=motion.id,
            action="change_vote" if cast.changed else "vote",
            actor_id=user.id,
            at=now,
            voter=voter,
            # A secret ballot's choice is never written next to its voter.
            **({} if cast.secret else {"choice": choice.value}),
        )
        if motion.group_ballot_id is not None:
            live.refresh_soon(session, TALLY, motion_id, now=now)
    return cast


def _named(
    session: Session,
    motion: Motion,
    voter: str,
    member_id: int | None,
    user: User,
    choice: Choice,
    *,
    now: datetime,
) -> Cast:
    assert motion.id is not None
    # The first ballot is the common case: written at once, read back only when the
    # voter's ballot was already there (or written meanwhile: the insert waits for
    # that transaction, and the unique key on motion and voter decides).
    ballot = Ballot(
        motion_id=motion.id,
        voter=voter,
        member_id=member_id,
        cast_by=user.id,
        choice=choice.value,
        cast_at=now,
    )
    if bulk.insert_new(session, Ballot, ballot.model_dump(exclude={"id"})):
        return Cast(choice, secret=False, changed=False, ballot=ballot)
    query = (
        select(Ballot)
        .where(Ballot.motion_id == motion.id, Ballot.voter == voter)
        .execution_options(populate_existing=True)
    )
    existing = session.exec(query.with_for_update()).one()
    may_cast(
        kind=BallotKind.NAMED, open_=True, already_cast_by=existing.cast_by, voter=user.id
    ).require()
    if existing.choice == choice.value:
        return Cast(choice, secret=False, changed=False, unchanged=True, ballot=existing)
    existing.choice, existing.changed_at = choice.value, now
    session.add(existing)
    return Cast(choice, secret=False, changed=True, ballot=existing)


def _secret(
    session: Session,
    motion: Motion,
    voter: str,
    member_id: int | None,
    user: User,
    choice: Choice,
    *,
    now: datetime,
) -> Cast:
    assert motion.id is not None
    cast = bulk.insert_new(
        session,
        SecretParticipation,
        {
            "motion_id": motion.id,
            "voter": voter,
            "member_id": member_id,
            "cast_by": user.id,
            "cast_at": now,
        },
    )
    if not cast:
        earlier = session.exec(
            select(SecretParticipation.cast_by).where(
                SecretParticipation.motion_id == motion.id, SecretParticipation.voter == voter
            )
        ).one()
        may_cast(
            kind=BallotKind.SECRET, open_=True, already_cast_by=earlier, voter=user.id
        ).require()
    key = ballot_key(session)
    key.check(motion.id, motion.ballot_key_id)
    session.add(
        SealedBallot(
            id=secrets.token_hex(16), motion_id=motion.id, seal=key.seal(motion.id, choice)
        )
    )
    return Cast(choice, secret=True, changed=False)


def ballot_key(session: Session) -> seals.BallotKey:
    return seals.key_of(session.info[SETTINGS])


# --- Counting ----------------------------------------------------------------


def count(session: Session, motion: Motion) -> Counter[Choice]:
    """Yes, No and Abstain as the ballots stand; a secret motion's seals are opened."""
    if motion.ballot == BallotKind.SECRET.value:
        assert motion.id is not None
        key = ballot_key(session)
        key.check(motion.id, motion.ballot_key_id)
        sealed = session.exec(select(SealedBallot.seal).where(SealedBallot.motion_id == motion.id))
        return Counter(key.open(motion.id, seal) for seal in sealed)
    rows = session.exec(
        select(Ballot.choice, func.count())
        .where(Ballot.motion_id == motion.id)
        .group_by(col(Ballot.choice))
    )
    return Counter({Choice(choice): number for choice, number in rows})


def who_voted(session: Session, motion: Motion) -> list[str]:
    table = SecretParticipation if motion.ballot == BallotKind.SECRET.value else Ballot
    return list(
        session.exec(
            select(table.voter).where(table.motion_id == motion.id).order_by(col(table.id))
        )
    )


def roll_call(session: Session, motion: Motion) -> list[Ballot]:
    """The named ballots, for the minutes; a secret motion has none."""
    if motion.ballot == BallotKind.SECRET.value:
        return []
    return list(
        session.exec(select(Ballot).where(Ballot.motion_id == motion.id).order_by(col(Ballot.id)))
    )


def discard_seals(session: Session, motion: Motion) -> None:
    """Once counted, a secret motion keeps its totals only: a ballot key that leaks
    later opens no seal left in the tables."""
    for row in session.exec(select(SealedBallot).where(SealedBallot.motion_id == motion.id)):
        session.delete(row)


KIND_NAMES = {
    MotionKind.ORDINARY: "ballots.kind_names.ordinary",
    MotionKind.RULES_OF_PROCEDURE: "ballots.kind_names.rules_of_procedure",
    MotionKind.CHARTER_AMENDMENT: "ballots.kind_names.charter_amendment",
}
BALLOT_NAMES = {
    BallotKind.NAMED: "ballots.ballot_names.named",
    BallotKind.SECRET: "ballots.ballot_names.secret",
}
BY_HAND = "ballots.by_hand"
