"""Delegates (Art. 24) and attendance (Art. 26): naming and accepting a delegate,
checking in by button, and the Secretariat's record of attendance in the room."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models import Attendance, Delegation, Invitation, Meeting, Member, User
from workflows.charter.bodies import Body
from workflows.charter.errors import NotAllowed
from workflows.charter.meetings import (
    DelegationState,
    MeetingState,
    Rsvp,
    may_check_in,
    may_name_delegate,
    voter_key,
)
from workflows.charter.membership import MemberCategory, Standing
from workflows.meetings import ballots, seats, sessions, speakers, tallies
from workflows.membership import representation
from workflows.platform import audit, live, locks, outbox
from workflows.platform.buttons import Button


@dataclass(frozen=True)
class DelegationButton(Button, kind="meeting.delegation"):
    """Under a request to be a member's delegate: accept it, or refuse."""

    delegation_id: int
    accept: bool


# --- Delegates (Art. 24) -----------------------------------------------------


def name_delegate(
    session: Session, meeting_id: int, member_id: int, user: User, delegate: User, *, now: datetime
) -> Delegation:
    """A representative names the member's delegate for this session; they must accept.

    One delegate per member per session: naming another replaces the first. A
    person speaks for one member at a session, so one who already does is refused.
    """
    meeting = sessions.lock(session, meeting_id)
    member = session.get(Member, member_id)
    if member is None or user.id not in representation.representatives(session, member_id):
        raise NotAllowed(
            "only the member's representative names its delegate", reason="not_representative"
        )
    if meeting.state in (MeetingState.CLOSED.value, MeetingState.CANCELLED.value):
        raise NotAllowed("the session is over", reason="procedure.session_over")
    may_name_delegate(
        MemberCategory(member.category), Standing(member.standing), Body(meeting.body)
    ).require()
    if delegate.id == user.id or delegate.id in representation.representatives(session, member_id):
        raise NotAllowed(
            "a representative needs no delegation", reason="delegate_is_representative"
        )
    others = [m.id for m in speakers.members_of(session, meeting, delegate.id) if m.id != member_id]
    if others:
        raise NotAllowed("speaks for another member", reason="delegate_speaks_for_another_member")
    row = speakers.delegation(session, meeting_id, member_id)
    if row is None:
        row = Delegation(
            meeting_id=meeting_id, member_id=member_id, delegate_id=delegate.id, named_by=user.id
        )
    row.delegate_id, row.named_by, row.named_at = delegate.id, user.id, now
    row.state, row.answered_at = DelegationState.PENDING.value, None
    session.add(row)
    session.flush()
    invitation = session.exec(
        select(Invitation).where(
            Invitation.meeting_id == meeting_id, Invitation.voter == voter_key(member_id=member_id)
        )
    ).first()
    if invitation is not None:
        invitation.rsvp, invitation.answered_by, invitation.answered_at = (
            Rsvp.DELEGATE.value,
            user.id,
            now,
        )
        session.add(invitation)
    audit.record(
        session,
        entity="meeting",
        entity_id=meeting_id,
        action="name_delegate",
        actor_id=user.id,
        to_state=DelegationState.PENDING.value,
        at=now,
        member=member_id,
        delegate=delegate.id,
    )
    outbox.notify(
        session,
        chat_id=delegate.id,
        key=DELEGATE_ASKED,
        args={**sessions.describe(session, meeting, for_member=member_id), "by": user.first_name},
        buttons=[
            [
                DelegationButton(row.id or 0, accept=True),
                DelegationButton(row.id or 0, accept=False),
            ]
        ],
    )
    return row


def answer_delegation(
    session: Session, delegation_id: int, user: User, accept: bool, *, now: datetime
) -> Delegation:
    row = locks.lock(session, Delegation, delegation_id)
    if row.delegate_id != user.id:
        raise NotAllowed("not your delegation", reason="not_the_delegate")
    if row.state != DelegationState.PENDING.value:
        raise NotAllowed("already answered", reason="delegation_answered")
    meeting = sessions.load(session, row.meeting_id)
    if accept:
        others = [
            m.id for m in speakers.members_of(session, meeting, user.id) if m.id != row.member_id
        ]
        if others:
            raise NotAllowed(
                "speaks for another member", reason="delegate_speaks_for_another_member"
            )
    row.state = (DelegationState.ACCEPTED if accept else DelegationState.DECLINED).value
    row.answered_at = now
    session.add(row)
    audit.record(
        session,
        entity="meeting",
        entity_id=meeting.id,
        action="delegation",
        actor_id=user.id,
        to_state=row.state,
        at=now,
        member=row.member_id,
    )
    args = {
        **sessions.describe(session, meeting, for_member=row.member_id),
        "delegate": user.first_name,
    }
    for chat_id in representation.representatives(session, row.member_id):
        outbox.notify(
            session,
            chat_id=chat_id,
            key=DELEGATE_ACCEPTED if accept else DELEGATE_REFUSED,
            args=args,
        )
    return row


# --- Check-in and attendance (Art. 24, 26) -----------------------------------


ARTICLE = {Body.TRUSTEES.value: 6, Body.STEERING.value: 8, Body.COUNCIL.value: 10}


def check_in(
    session: Session, meeting_id: int, user: User, *, member_id: int | None = None, now: datetime
) -> bool:
    """Record that ``user`` attends for their member or seat; False if already recorded."""
    meeting = sessions.load(session, meeting_id)
    body = Body(meeting.body)
    if body != Body.ASSEMBLY and user.id not in seats.holders(session, body):
        raise NotAllowed(
            "not a seat holder", reason=f"art{ARTICLE[meeting.body]}.not_a_seat_holder"
        )
    voter, member = ballots.voter_of(session, meeting, user, member_id)
    may_check_in(
        MeetingState(meeting.state), Standing(member.standing) if member else None
    ).require()
    return _attend(session, meeting, voter, member, user_id=user.id, recorded_by=None, now=now)


def record_by_hand(
    session: Session, meeting_id: int, voter: str, actor: User, *, now: datetime
) -> bool:
    """The Secretariat records someone present in the room (Art. 26)."""
    seats.require_staff(session, actor)
    meeting = sessions.load(session, meeting_id)
    invitation = session.exec(
        select(Invitation).where(Invitation.meeting_id == meeting_id, Invitation.voter == voter)
    ).first()
    if invitation is None:
        raise NotAllowed("not invited", reason="not_invited")
    member = session.get(Member, invitation.member_id) if invitation.member_id else None
    may_check_in(
        MeetingState(meeting.state), Standing(member.standing) if member else None
    ).require()
    return _attend(
        session, meeting, voter, member, user_id=invitation.user_id, recorded_by=actor.id, now=now
    )


def _attend(
    session: Session,
    meeting: Meeting,
    voter: str,
    member: Member | None,
    *,
    user_id: int | None,
    recorded_by: int | None,
    now: datetime,
) -> bool:
    assert meeting.id is not None
    exists = session.exec(
        select(Attendance.id).where(Attendance.meeting_id == meeting.id, Attendance.voter == voter)
    ).first()
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                Attendance(
                    meeting_id=meeting.id,
                    voter=voter,
                    member_id=member.id if member else None,
                    user_id=user_id,
                    recorded_by=recorded_by,
                    at=now,
                )
            )
    except IntegrityError:
        return False  # a double tap racing itself
    audit.record(
        session,
        entity="meeting",
        entity_id=meeting.id,
        action="check_in" if recorded_by is None else "record_attendance",
        actor_id=recorded_by or user_id,
        at=now,
        voter=voter,
    )
    live.refresh_soon(session, sessions.BOARD, meeting.id, now=now)
    tallies.send_open_ballots(session, meeting, voter, member, now=now)
    return True


#: Notices by their stable names: their words and tags are in bot/notices.py.
DELEGATE_ASKED = "attendance.delegate_asked"
DELEGATE_ACCEPTED = "attendance.delegate_accepted"
DELEGATE_REFUSED = "attendance.delegate_refused"
