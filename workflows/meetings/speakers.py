"""Who speaks for whom at a session (Art. 24): a member's representatives and its
accepted delegate; who is invited and who is present; everyone a session's news goes to."""

from sqlalchemy import bindparam, or_
from sqlmodel import Session, col, select

from models import Attendance, Delegation, Invitation, Meeting, Member, Representation, bulk
from workflows.charter.meetings import DelegationState
from workflows.charter.roles import Role
from workflows.membership import representation
from workflows.platform import outbox, prompts


def delegation(session: Session, meeting_id: int, member_id: int) -> Delegation | None:
    return session.exec(
        select(Delegation).where(
            Delegation.meeting_id == meeting_id, Delegation.member_id == member_id
        )
    ).first()


def speakers(session: Session, meeting_id: int, member_id: int) -> list[int]:
    """Who may act for ``member_id`` at this session: its representatives and its
    accepted delegate (Art. 24)."""
    people_ids = representation.representatives(session, member_id)
    named = delegation(session, meeting_id, member_id)
    if named is not None and named.state == DelegationState.ACCEPTED.value:
        people_ids.append(named.delegate_id)
    return sorted(set(people_ids))


def speakers_of(session: Session, meeting_id: int, member_ids: list[int]) -> dict[int, list[int]]:
    """:func:`speakers` of many members, in two statements per slice of members."""
    found: dict[int, set[int]] = {
        member_id: set(user_ids)
        for member_id, user_ids in representation.representatives_of(session, member_ids).items()
    }
    for part in outbox.slices(member_ids):
        for member_id, delegate_id in session.exec(
            select(Delegation.member_id, Delegation.delegate_id).where(
                Delegation.meeting_id == meeting_id,
                bulk.among(session, col(Delegation.member_id), part),
                Delegation.state == DelegationState.ACCEPTED.value,
            )
        ):
            found[member_id].add(delegate_id)
    return {member_id: sorted(people_ids) for member_id, people_ids in found.items()}


#: The members someone speaks for at a session, built once: every ballot press asks.
_MEMBERS_OF = (
    select(Member)
    .where(
        or_(
            col(Member.id).in_(
                select(Representation.member_id).where(
                    Representation.user_id == bindparam("user_id"),
                    col(Representation.until).is_(None),
                )
            ),
            col(Member.id).in_(
                select(Delegation.member_id).where(
                    Delegation.meeting_id == bindparam("meeting_id"),
                    Delegation.delegate_id == bindparam("user_id"),
                    Delegation.state == DelegationState.ACCEPTED.value,
                )
            ),
        )
    )
    .order_by(col(Member.id))
)


def members_of(session: Session, meeting: Meeting, user_id: int) -> list[Member]:
    """The members ``user_id`` speaks for at ``meeting``: as representative or delegate.

    One statement, built once: every press on a ballot asks it."""
    return list(session.exec(_MEMBERS_OF, params={"user_id": user_id, "meeting_id": meeting.id}))


def invitation_recipients(session: Session, meeting: Meeting, invitation: Invitation) -> list[int]:
    if invitation.user_id is not None:
        return [invitation.user_id]
    assert invitation.member_id is not None and meeting.id is not None
    return speakers(session, meeting.id, invitation.member_id)


def audience(session: Session, meeting: Meeting) -> list[int]:
    """Everyone the session concerns: invitees' speakers, the Secretariat, the group."""
    chats: set[int] = set()
    for invitation in invitations(session, meeting):
        chats.update(invitation_recipients(session, meeting, invitation))
    chats.update(prompts.audience_of(session, Role.SECRETARIAT))
    if meeting.group_chat_id is not None:
        chats.add(meeting.group_chat_id)
    return sorted(chats)


def invitations(session: Session, meeting: Meeting) -> list[Invitation]:
    return list(
        session.exec(
            select(Invitation)
            .where(Invitation.meeting_id == meeting.id)
            .order_by(col(Invitation.id))
        )
    )


def attended(session: Session, meeting_id: int) -> list[Attendance]:
    return list(
        session.exec(
            select(Attendance)
            .where(Attendance.meeting_id == meeting_id)
            .order_by(col(Attendance.at), col(Attendance.id))
        )
    )


def attendance_of(session: Session, meeting_id: int, voter: str) -> Attendance | None:
    return session.exec(
        select(Attendance).where(Attendance.meeting_id == meeting_id, Attendance.voter == voter)
    ).first()
