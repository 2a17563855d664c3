"""The minutes of a session: attendance, delegates, motions, results and roll calls.

Gathered here as plain rows; the bot renders them as CSV and as PDF in English
and Arabic. A secret motion has no roll call: only who took part.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from models import Delegation, Meeting, Member, Motion, SecretParticipation, User
from workflows.charter.meetings import BallotKind, DelegationState
from workflows.meetings import ballots, seats, sessions, speakers


@dataclass(frozen=True)
class Name:
    """A member's or person's name in both languages (a person's is the same in both)."""

    en: str
    ar: str


@dataclass(frozen=True)
class Present:
    name: Name
    by: str  # who checked in, or who recorded it by hand
    at: datetime
    by_hand: bool


@dataclass(frozen=True)
class Delegate:
    member: Name
    delegate: str
    state: str


@dataclass(frozen=True)
class Vote:
    voter: Name
    choice: str | None  # None: a secret ballot
    by: str


@dataclass(frozen=True)
class MotionMinutes:
    motion: Motion
    votes: list[Vote] = field(default_factory=list)


@dataclass(frozen=True)
class Minutes:
    meeting: Meeting
    present: list[Present]
    invited: int
    delegates: list[Delegate]
    motions: list[MotionMinutes]


def _person(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id is not None else None
    return user.first_name if user else "—"


def _name(session: Session, voter: str) -> Name:
    if voter.startswith("m"):
        member = session.get(Member, int(voter[1:]))
        if member is not None:
            return Name(member.name_en, member.name_ar)
    name = _person(session, int(voter[1:]))
    return Name(name, name)


def gather(session: Session, meeting_id: int, user: User) -> Minutes:
    """The minutes, for the Secretariat only."""
    seats.require_staff(session, user)
    meeting = sessions.load(session, meeting_id)
    present = [
        Present(
            name=_name(session, row.voter),
            by=_person(session, row.recorded_by or row.user_id),
            at=row.at,
            by_hand=row.recorded_by is not None,
        )
        for row in speakers.attended(session, meeting_id)
    ]
    delegates = []
    for row in session.exec(
        select(Delegation).where(Delegation.meeting_id == meeting_id).order_by(col(Delegation.id))
    ):
        member = session.get(Member, row.member_id)
        assert member is not None
        delegates.append(
            Delegate(
                Name(member.name_en, member.name_ar),
                _person(session, row.delegate_id),
                DelegationState(row.state).value,
            )
        )
    motions = []
    for motion in session.exec(
        select(Motion).where(Motion.meeting_id == meeting_id).order_by(col(Motion.id))
    ):
        if motion.ballot == BallotKind.SECRET.value:
            rows = session.exec(
                select(SecretParticipation)
                .where(SecretParticipation.motion_id == motion.id)
                .order_by(col(SecretParticipation.voter))
            )
            cast = [Vote(_name(session, r.voter), None, _person(session, r.cast_by)) for r in rows]
        else:
            cast = [
                Vote(_name(session, b.voter), b.choice, _person(session, b.cast_by))
                for b in ballots.roll_call(session, motion)
            ]
        motions.append(MotionMinutes(motion, cast))
    return Minutes(
        meeting=meeting,
        present=present,
        invited=len(speakers.invitations(session, meeting)),
        delegates=delegates,
        motions=motions,
    )
