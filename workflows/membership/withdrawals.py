"""Withdrawal from membership (Art. 21): request, acknowledgement, decision.

A representative files the official request with a reason and, for full and
institutional members, the request signed by the highest authority. The
Secretariat acknowledges it; the Secretary-General accepts or refuses it. An
accepted withdrawal ends the membership: its standing, its representations, the
representative role of those left representing no one, and so its votes.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from models import Member, User, WithdrawalRequest
from workflows.charter.errors import NotAllowed
from workflows.charter.machines import WITHDRAWAL, WithdrawalEvent, WithdrawalState
from workflows.charter.membership import (
    MemberCategory,
    Standing,
    StandingEvent,
    needs_signature_of_highest_authority,
)
from workflows.charter.roles import Role
from workflows.membership import representation, standing, suspensions
from workflows.platform import audit, locks, outbox, people, prompts
from workflows.platform.buttons import Button
from workflows.platform.settings import Settings
from workflows.platform.values import Message, message

ACKNOWLEDGE = "withdrawal.acknowledge"
DECIDE = "withdrawal.decide"
OPEN_STATES = {WithdrawalState.REQUESTED, WithdrawalState.ACKNOWLEDGED}


class Action(StrEnum):
    """What a button does to a withdrawal request."""

    ACKNOWLEDGE = "ack"
    ACCEPT = "accept"
    REFUSE = "refuse"
    CANCEL = "cancel"


@dataclass(frozen=True)
class DecisionButton(Button, kind="withdrawal.decide"):
    """Under a withdrawal's prompt: acknowledge it, or accept or refuse it."""

    request_id: int
    action: Action


@dataclass(frozen=True)
class Letter:
    """The signed request, a document or photo kept at Telegram."""

    file_id: str
    kind: str
    name: str | None = None
    mime: str | None = None
    size: int | None = None


def needs_letter(member: Member) -> bool:
    """Art. 21: full members and other institutional members send a signed request."""
    return member.institutional or needs_signature_of_highest_authority(
        MemberCategory(member.category)
    )


def lock(session: Session, request_id: int) -> WithdrawalRequest:
    return locks.lock(session, WithdrawalRequest, request_id)


def open_for(session: Session, member_id: int) -> WithdrawalRequest | None:
    return session.exec(
        select(WithdrawalRequest).where(
            WithdrawalRequest.member_id == member_id,
            col(WithdrawalRequest.state).in_([state.value for state in OPEN_STATES]),
        )
    ).first()


def may_request(session: Session, member: Member, user: User) -> None:
    """Refuse early what :func:`request` would refuse: before the form is filled in."""
    assert member.id is not None
    if member.standing == Standing.WITHDRAWN.value:
        raise NotAllowed("the member has withdrawn", reason="withdrawn")
    owner = representation.represents(session, user.id, member.id)
    roles = people.actor_roles(session, user, owner=owner)
    WITHDRAWAL.check(None, WithdrawalEvent.REQUEST, roles)
    if open_for(session, member.id) is not None:
        raise NotAllowed("a request is already open", reason="duplicate")


def request(
    session: Session,
    member_id: int,
    user: User,
    *,
    reason: str,
    letter: Letter | None,
    now: datetime,
    settings: Settings,
) -> WithdrawalRequest:
    """Art. 21: the official request goes to the Secretariat, which is asked to acknowledge it."""
    member = standing.lock_member(session, member_id)
    may_request(session, member, user)
    if needs_letter(member) and letter is None:
        raise NotAllowed("the signed request is missing", reason="letter")
    withdrawal = WithdrawalRequest(
        member_id=member_id,
        requested_by=user.id,
        reason=reason,
        state=WithdrawalState.REQUESTED.value,
        created_at=now,
    )
    if letter is not None:
        withdrawal.letter_file_id = letter.file_id
        withdrawal.letter_kind = letter.kind
        withdrawal.letter_name = letter.name
        withdrawal.letter_mime = letter.mime
        withdrawal.letter_size = letter.size
    audit.create(
        session,
        withdrawal,
        WithdrawalEvent.REQUEST,
        entity="withdrawal",
        actor_id=user.id,
        now=now,
        reason=reason,
        member=member_id,
    )
    assert withdrawal.id is not None
    prompts.open_prompt(
        session,
        kind=ACKNOWLEDGE,
        subject_id=withdrawal.id,
        audience=Role.SECRETARIAT,
        text=summary(session, withdrawal, member, heading=ACKNOWLEDGE_HEADING),
        buttons=[[DecisionButton(withdrawal.id, Action.ACKNOWLEDGE)]],
        now=now,
        settings=settings,
        attachment=_letter(withdrawal),
    )
    outbox.notify(
        session,
        chat_id=user.id,
        key=RECEIVED,
        args={"number": str(withdrawal.id), "name": member.name_en, "name_ar": member.name_ar},
    )
    return withdrawal


def _letter(withdrawal: WithdrawalRequest) -> tuple[str, str] | None:
    if withdrawal.letter_file_id is None:
        return None
    return withdrawal.letter_file_id, withdrawal.letter_kind or "document"


def summary(
    session: Session, withdrawal: WithdrawalRequest, member: Member, *, heading: str
) -> Message:
    requester = session.get(User, withdrawal.requested_by)
    return message(
        SUMMARY,
        heading=message(heading, number=str(withdrawal.id)),
        name_en=member.name_en,
        name_ar=member.name_ar,
        category=message(CATEGORY_NAMES[MemberCategory(member.category)]),
        reason=withdrawal.reason,
        letter=message(LETTER_ATTACHED if withdrawal.letter_file_id else LETTER_NOT_NEEDED),
        requester=requester.first_name if requester else "",
        requester_id=str(withdrawal.requested_by),
    )


def _step(
    session: Session,
    withdrawal: WithdrawalRequest,
    event: WithdrawalEvent,
    user: User,
    *,
    now: datetime,
    reason: str | None = None,
) -> WithdrawalState:
    owner = representation.represents(session, user.id, withdrawal.member_id)
    return audit.transition(
        session,
        WITHDRAWAL,
        withdrawal,
        event,
        people.actor_roles(session, user, owner=owner),
        entity="withdrawal",
        actor_id=user.id,
        now=now,
        reason=reason,
    )


def check(
    session: Session, withdrawal: WithdrawalRequest, event: WithdrawalEvent, user: User
) -> None:
    """Refuse early, before a reason is asked for, what the charter would refuse anyway."""
    owner = representation.represents(session, user.id, withdrawal.member_id)
    roles = people.actor_roles(session, user, owner=owner)
    WITHDRAWAL.check(withdrawal.state, event, roles, subject=withdrawal.id)


def _resolve(
    session: Session,
    kind: str,
    withdrawal: WithdrawalRequest,
    user: User,
    outcome: str,
    text: Message,
    now: datetime,
) -> None:
    assert withdrawal.id is not None
    prompts.close(
        session, kind, withdrawal.id, actor=user, outcome=outcome, outcome_text=text, now=now
    )


def acknowledge(
    session: Session, request_id: int, user: User, *, now: datetime, settings: Settings
) -> None:
    """The Secretariat acknowledges the request and puts it to the Secretary-General."""
    withdrawal = lock(session, request_id)
    _step(session, withdrawal, WithdrawalEvent.ACKNOWLEDGE, user, now=now)
    _resolve(
        session,
        ACKNOWLEDGE,
        withdrawal,
        user,
        "acknowledge",
        prompts.outcome(ACKNOWLEDGED_BY, user, now),
        now,
    )
    member = standing.lock_member(session, withdrawal.member_id)
    assert withdrawal.id is not None
    prompts.open_prompt(
        session,
        kind=DECIDE,
        subject_id=withdrawal.id,
        audience=Role.SECRETARY_GENERAL,
        text=summary(session, withdrawal, member, heading=DECIDE_HEADING),
        buttons=[
            [
                DecisionButton(withdrawal.id, Action.ACCEPT),
                DecisionButton(withdrawal.id, Action.REFUSE),
            ]
        ],
        now=now,
        settings=settings,
        attachment=_letter(withdrawal),
    )
    outbox.notify(
        session,
        chat_id=withdrawal.requested_by,
        key=ACKNOWLEDGED_TO_REQUESTER,
        args={"number": str(withdrawal.id), "name": member.name_en, "name_ar": member.name_ar},
    )


def accept(session: Session, request_id: int, user: User, *, now: datetime) -> Member:
    """Art. 21: the Secretary-General's final decision ends the membership."""
    withdrawal = lock(session, request_id)
    member = standing.lock_member(session, withdrawal.member_id)
    check(session, withdrawal, WithdrawalEvent.ACCEPT, user)
    # The standing's own machine is asked first, so a refusal changes nothing.
    standing.change(
        session, member, StandingEvent.WITHDRAW, user, now=now, withdrawal=withdrawal.id
    )
    _step(session, withdrawal, WithdrawalEvent.ACCEPT, user, now=now)
    withdrawal.decided_at = now
    told = standing.end_representation(session, member, user, now=now)
    suspensions.close_for_withdrawn(session, member, user, now=now)
    _resolve(
        session, DECIDE, withdrawal, user, "accept", prompts.outcome(ACCEPTED_BY, user, now), now
    )
    args = {"number": str(withdrawal.id), "name": member.name_en, "name_ar": member.name_ar}
    standing.tell(session, [withdrawal.requested_by, *told], ACCEPTED_TO_MEMBER, args)
    standing.tell(
        session,
        standing.secretariat(session),
        ACCEPTED_NOTICE,
        args,
        skip={withdrawal.requested_by, *told},
    )
    return member


def refuse(session: Session, request_id: int, user: User, reason: str, *, now: datetime) -> None:
    withdrawal = lock(session, request_id)
    _step(session, withdrawal, WithdrawalEvent.REFUSE, user, now=now, reason=reason)
    withdrawal.decision_reason = reason
    withdrawal.decided_at = now
    _resolve(
        session,
        DECIDE,
        withdrawal,
        user,
        "refuse",
        prompts.outcome(REFUSED_BY, user, now, reason=reason),
        now,
    )
    member = standing.lock_member(session, withdrawal.member_id)
    args = {
        "number": str(withdrawal.id),
        "name": member.name_en,
        "name_ar": member.name_ar,
        "reason": reason,
    }
    assert member.id is not None
    told = [withdrawal.requested_by, *representation.representatives(session, member.id)]
    standing.tell(session, told, REFUSED_TO_MEMBER, args)
    standing.tell(session, standing.secretariat(session), REFUSED_NOTICE, args, skip=set(told))


def cancel(session: Session, request_id: int, user: User, *, now: datetime) -> None:
    """A representative gives up the request before the decision (Art. 21: an intention)."""
    withdrawal = lock(session, request_id)
    _step(session, withdrawal, WithdrawalEvent.CANCEL, user, now=now)
    withdrawal.decided_at = now
    text = prompts.outcome(CANCELLED_BY, user, now)
    for kind in (ACKNOWLEDGE, DECIDE):
        _resolve(session, kind, withdrawal, user, "cancel", text, now)


CATEGORY_NAMES = {
    MemberCategory.FULL: "withdrawals.category_names.full",
    MemberCategory.ASSOCIATE: "withdrawals.category_names.associate",
    MemberCategory.OBSERVER: "withdrawals.category_names.observer",
    MemberCategory.HONORARY: "withdrawals.category_names.honorary",
}
#: Notices by their stable names: their words and tags are in bot/notices.py.
ACKNOWLEDGE_HEADING = "withdrawals.acknowledge_heading"
DECIDE_HEADING = "withdrawals.decide_heading"
SUMMARY = "withdrawals.summary"
LETTER_ATTACHED = "withdrawals.letter_attached"
LETTER_NOT_NEEDED = "withdrawals.letter_not_needed"
ACKNOWLEDGED_BY = "withdrawals.acknowledged_by"
ACCEPTED_BY = "withdrawals.accepted_by"
REFUSED_BY = "withdrawals.refused_by"
CANCELLED_BY = "withdrawals.cancelled_by"
RECEIVED = "withdrawals.received"
ACKNOWLEDGED_TO_REQUESTER = "withdrawals.acknowledged_to_requester"
ACCEPTED_TO_MEMBER = "withdrawals.accepted_to_member"
ACCEPTED_NOTICE = "withdrawals.accepted_notice"
REFUSED_TO_MEMBER = "withdrawals.refused_to_member"
REFUSED_NOTICE = "withdrawals.refused_notice"
