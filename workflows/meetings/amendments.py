"""Charter amendments (Art. 30): from a motion the Board of Trustees passed, or with
the support of two thirds of the full members, collected through the bot with a
button and counted live on the Secretariat's copy."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models import AmendmentSupport, Meeting, Member, Motion, User
from workflows.charter.bodies import Body
from workflows.charter.errors import NotAllowed
from workflows.charter.machines import MotionState
from workflows.charter.meetings import may_support_amendment, voter_key
from workflows.charter.membership import MemberCategory, Standing
from workflows.charter.roles import Role
from workflows.charter.voting import (
    MotionKind,
    Result,
    amendment_may_be_put_to_vote,
    amendment_support_needed,
)
from workflows.meetings import ballots, sessions
from workflows.membership import representation
from workflows.platform import audit, live, locks, outbox, prompts, schedule
from workflows.platform.buttons import Button

SUPPORT_BOARD = "motion.support"


@dataclass(frozen=True)
class SupportButton(Button, kind="amendment.support"):
    """Under the call for support: the member supports the proposed amendment."""

    motion_id: int
    member_id: int


def supporting_voters(session: Session, motion_id: int) -> list[str]:
    """The members that supported the amendment, as voter keys, whatever their
    standing now: ``Bases.supporters`` counts those still among the full members."""
    rows = session.exec(
        select(AmendmentSupport.member_id).where(AmendmentSupport.motion_id == motion_id)
    )
    return [voter_key(member_id=member_id) for member_id in rows]


def support_counts(session: Session, motion: Motion) -> tuple[int, int]:
    """(supporters, full members) of Art. 30, on the session's one reading of "full
    Members" (``sessions.bases_of``), as they stand now."""
    assert motion.id is not None
    meeting = sessions.load(session, motion.meeting_id)
    base = sessions.bases_of(session, meeting)
    return base.supporters(supporting_voters(session, motion.id)), len(base.full_members)


def from_trustees(session: Session, motion: Motion) -> bool:
    """Art. 30: the amendment comes from the Board of Trustees: its source is a
    charter amendment the Board passed, and it proposes that same text."""
    if motion.source_motion_id is None:
        return False
    refusal = source_refusal(
        session, motion.source_motion_id, text=motion.text, amendment_id=motion.id
    )
    return refusal is None


def source_refusal(
    session: Session, source_id: int, *, text: str | None = None, amendment_id: int | None = None
) -> str | None:
    """Why ``source_id`` may not be the source of an Assembly amendment, or None.

    Art. 30: a proposal "has to emanate from the Board of trustees": a motion of
    the Board, of kind charter amendment, passed; the amendment carries its text
    (``text``); one proposal is put to the Assembly once, not by several motions.
    The id comes from a button, so everything about it is checked here.
    """
    source = session.get(Motion, source_id)
    meeting = session.get(Meeting, source.meeting_id) if source is not None else None
    if source is None or meeting is None or meeting.body != Body.TRUSTEES.value:
        return "art30.source_not_passed_by_trustees"
    if source.kind != MotionKind.CHARTER_AMENDMENT.value:
        return "art30.source_not_an_amendment"
    if source.result != Result.PASSED.value:
        return "art30.source_not_passed_by_trustees"
    if text is not None and text != source.text:
        return "art30.source_text_changed"
    used = session.exec(
        select(Motion.id).where(
            Motion.source_motion_id == source_id,
            Motion.state != MotionState.WITHDRAWN.value,
            Motion.id != (amendment_id or 0),
        )
    ).first()
    if used is not None:
        return "art30.source_already_proposed"
    return None


def passed_trustees_amendments(session: Session) -> list[Motion]:
    """The Board's passed amendments not yet put to the Assembly: the sources a new
    amendment may come from."""
    query = (
        select(Motion)
        .join(Meeting, Meeting.id == Motion.meeting_id)  # type: ignore[arg-type]
        .where(
            Meeting.body == Body.TRUSTEES.value,
            Motion.kind == MotionKind.CHARTER_AMENDMENT.value,
            Motion.result == Result.PASSED.value,
        )
    )
    return [
        motion
        for motion in session.exec(query)
        if motion.id is not None and source_refusal(session, motion.id) is None
    ]


def seek_support(session: Session, motion: Motion, actor: User, *, now: datetime) -> None:
    """A members' amendment now collecting support: the call to every full member's
    representatives and the count on the proposer's copy."""
    full = session.exec(
        select(Member).where(
            Member.category == MemberCategory.FULL.value, Member.standing == Standing.ACTIVE.value
        )
    )
    for member in full:
        assert member.id is not None
        for chat_id in representation.representatives(session, member.id):
            outbox.notify(
                session,
                chat_id=chat_id,
                key=SUPPORT_CALL,
                args={**ballots.describe(motion), "member": sessions.member_name(member)},
                buttons=[[SupportButton(motion.id or 0, member.id)]],
            )
    board = outbox.notify(
        session, chat_id=actor.id, key=SUPPORT_COUNT, args=support_args(session, motion)
    )
    motion.support_board_id = board.id if board else None
    session.add(motion)


def support_args(session: Session, motion: Motion) -> dict[str, Any]:
    count, full = support_counts(session, motion)
    return {
        **ballots.describe(motion),
        "supporters": count,
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
    if member is None or user.id not in representation.representatives(session, member_id):
        raise NotAllowed("not the member's representative", reason="not_representative")
    may_support_amendment(MemberCategory(member.category), Standing(member.standing)).require()
    base = sessions.bases_of(session, sessions.load(session, motion.meeting_id))
    if voter_key(member_id=member_id) not in base.full_members:
        # Art. 25, 30: the session counts the two thirds among the full members
        # whose voting right stands; support that would not count is not taken.
        raise NotAllowed(
            "not counted among the full members", reason="art25.voting_right_suspended_for_fees"
        )
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
    count, full = support_counts(session, motion)
    if amendment_may_be_put_to_vote(
        from_board_of_trustees=False, supporters=count, full_members=full
    ) and not amendment_may_be_put_to_vote(
        from_board_of_trustees=False, supporters=max(0, count - 1), full_members=full
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


#: Notices by their stable names: their words and tags are in bot/notices.py.
SUPPORT_CALL = "amendments.support_call"
SUPPORT_COUNT = "amendments.support_count"
SUPPORT_REACHED = "amendments.support_reached"
