"""Charter amendments (Art. 30): from a motion the Board of Trustees passed, or with
the support of two thirds of the full members, collected through the bot with a
button and counted live on the Secretariat's copy."""

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models import AmendmentSupport, Meeting, Member, Motion, User
from workflows import audit, live, locks, meetings, motions, outbox, prompts, schedule, speakers
from workflows.charter.bodies import Body
from workflows.charter.errors import NotAllowed
from workflows.charter.machines import MotionEvent, MotionState
from workflows.charter.meetings import may_support_amendment
from workflows.charter.membership import MemberCategory, Standing
from workflows.charter.roles import Role
from workflows.charter.voting import (
    MotionKind,
    Result,
    amendment_may_be_put_to_vote,
    amendment_support_needed,
)
from workflows.values import N_, button

SUPPORT = "sup"
SUPPORT_BOARD = "motion.support"


def full_members(session: Session) -> int:
    """Art. 30: the full members in active standing, suspended for fees or not."""
    return session.exec(
        select(func.count())
        .select_from(Member)
        .where(
            Member.category == MemberCategory.FULL.value, Member.standing == Standing.ACTIVE.value
        )
    ).one()


def supporters(session: Session, motion_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(AmendmentSupport)
        .where(AmendmentSupport.motion_id == motion_id)
    ).one()


def from_trustees(session: Session, motion: Motion) -> bool:
    """Art. 30: the amendment comes from a motion the Board of Trustees passed."""
    if motion.source_motion_id is None:
        return False
    source = session.get(Motion, motion.source_motion_id)
    if source is None or source.result != Result.PASSED.value:
        return False
    meeting = session.get(Meeting, source.meeting_id)
    return meeting is not None and meeting.body == Body.TRUSTEES.value


def passed_trustees_amendments(session: Session) -> list[Motion]:
    query = (
        select(Motion)
        .join(Meeting, Meeting.id == Motion.meeting_id)  # type: ignore[arg-type]
        .where(
            Meeting.body == Body.TRUSTEES.value,
            Motion.kind == MotionKind.CHARTER_AMENDMENT.value,
            Motion.result == Result.PASSED.value,
        )
    )
    return list(session.exec(query))


def seek_support(session: Session, motion: Motion, actor: User, *, now: datetime) -> None:
    motions.step(session, motion, MotionEvent.SEEK_SUPPORT, actor, now=now)
    full = session.exec(
        select(Member).where(
            Member.category == MemberCategory.FULL.value, Member.standing == Standing.ACTIVE.value
        )
    )
    for member in full:
        assert member.id is not None
        for chat_id in speakers.representatives(session, member.id):
            outbox.notify(
                session,
                chat_id=chat_id,
                key=SUPPORT_CALL,
                args={**motions.describe(motion), "member": meetings.member_name(member)},
                buttons=[[button(SUPPORT_LABEL, SUPPORT, motion.id, member.id)]],
            )
    board = outbox.notify(
        session, chat_id=actor.id, key=SUPPORT_COUNT, args=support_args(session, motion)
    )
    motion.support_board_id = board.id if board else None
    session.add(motion)


def support_args(session: Session, motion: Motion) -> dict[str, Any]:
    assert motion.id is not None
    full = full_members(session)
    return {
        **motions.describe(motion),
        "supporters": supporters(session, motion.id),
        "needed": amendment_support_needed(full),
        "full": full,
    }


def support(session: Session, motion_id: int, member_id: int, user: User, *, now: datetime) -> bool:
    """Art. 30: a full member's representative supports putting the amendment to the vote.
    False when the member already had; the Secretariat is told once the two thirds are in."""
    # Shared: supports go in side by side, but not while the motion is put to the vote.
    motion = locks.lock(session, Motion, motion_id, shared=True)
    if motion.state != MotionState.COLLECTING_SUPPORT.value:
        raise NotAllowed("no support is being collected", reason="procedure.support_closed")
    member = session.get(Member, member_id)
    if member is None or user.id not in speakers.representatives(session, member_id):
        raise NotAllowed("not the member's representative", reason="not_representative")
    may_support_amendment(MemberCategory(member.category), Standing(member.standing)).require()
    try:
        with session.begin_nested():
            session.add(
                AmendmentSupport(motion_id=motion_id, member_id=member_id, user_id=user.id, at=now)
            )
    except IntegrityError:
        return False
    audit.record(
        session,
        entity="motion",
        entity_id=motion_id,
        action="support",
        actor_id=user.id,
        at=now,
        member=member_id,
    )
    count, full = supporters(session, motion_id), full_members(session)
    if amendment_may_be_put_to_vote(
        from_board_of_trustees=False, supporters=count, full_members=full
    ) and not amendment_may_be_put_to_vote(
        from_board_of_trustees=False, supporters=count - 1, full_members=full
    ):
        for chat_id in prompts.audience_of(session, Role.SECRETARIAT):
            outbox.notify(
                session, chat_id=chat_id, key=SUPPORT_REACHED, args=support_args(session, motion)
            )
    if motion.support_board_id is not None:
        live.refresh_soon(session, SUPPORT_BOARD, motion_id, now=now)
    return True


@schedule.handles(SUPPORT_BOARD)
def _refresh_support(session: Session, args: dict[str, Any], now: datetime) -> None:
    motion = session.get(Motion, args["subject_id"])
    if motion is not None and motion.support_board_id is not None:
        live.edit(
            session,
            target_id=motion.support_board_id,
            key=SUPPORT_COUNT,
            args=support_args(session, motion),
            buttons=[],
            now=now,
        )


SUPPORT_LABEL = N_("Support")
SUPPORT_CALL = N_(
    "<b>Proposed amendment to the charter — No. {number}</b>\n\n{text}\n\nUnder Art. 30 it is "
    "put to the vote when two thirds of the full members support it. Does {member} support it?"
)
SUPPORT_COUNT = N_(
    "<b>Support for amendment No. {number}</b>\n{supporters} of {full} full members support it; "
    "{needed} are needed (Art. 30)."
)
SUPPORT_REACHED = N_(
    "Amendment No. {number} has the support of {supporters} of {full} full members: it may now "
    "be put to the vote (Art. 30)."
)
