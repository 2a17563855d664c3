"""Suspension for a breach of the charter (Art. 22), and its lifting.

The Secretariat proposes a suspension with its reason; the Secretary-General
suspends or rejects it. A suspended member keeps its access to information
(Art. 17) but not its vote: its standing is what the meetings read. Lifting is
proposed by the Secretariat and decided by the Secretary-General in the same
way. One case per suspension, from the proposal to the lifting.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from models import Member, SuspensionCase, User
from workflows.charter.errors import NotAllowed
from workflows.charter.machines import SUSPENSION, SuspensionEvent, SuspensionState
from workflows.charter.membership import MEMBERSHIP, Standing, StandingEvent
from workflows.charter.roles import Role
from workflows.membership import representation, standing
from workflows.platform import audit, locks, people, prompts
from workflows.platform.buttons import Button
from workflows.platform.settings import Settings
from workflows.platform.values import Message, message

DECIDE = "suspension.decide"
LIFT = "suspension.lift"
#: A case in one of these states is still the member's current story.
OPEN_STATES = {SuspensionState.PROPOSED, SuspensionState.SUSPENDED, SuspensionState.LIFT_PROPOSED}


class Action(StrEnum):
    """The Secretary-General's decisions on a case: the events of its machine."""

    SUSPEND = SuspensionEvent.SUSPEND.value
    REJECT = SuspensionEvent.REJECT.value
    LIFT = SuspensionEvent.LIFT.value
    KEEP = SuspensionEvent.KEEP.value


@dataclass(frozen=True)
class DecisionButton(Button, kind="suspension.decide"):
    """Under a proposal: suspend or reject it; under a proposed lifting: lift or keep."""

    case_id: int
    action: Action


def may_propose(session: Session, user: User) -> bool:
    return SuspensionEvent.PROPOSE in SUSPENSION.events_for(None, people.actor_roles(session, user))


def lock(session: Session, case_id: int) -> SuspensionCase:
    return locks.lock(session, SuspensionCase, case_id)


def open_case(session: Session, member_id: int) -> SuspensionCase | None:
    return session.exec(
        select(SuspensionCase)
        .where(
            SuspensionCase.member_id == member_id,
            col(SuspensionCase.state).in_([state.value for state in OPEN_STATES]),
        )
        .order_by(col(SuspensionCase.id).desc())
    ).first()


def candidates(session: Session, *, lifting: bool) -> list[Member]:
    """Members the Secretariat may propose to suspend, or whose suspension to lift."""
    wanted = SuspensionState.SUSPENDED if lifting else None
    members = session.exec(
        select(Member)
        .where(Member.standing == (Standing.SUSPENDED if lifting else Standing.ACTIVE).value)
        .order_by(col(Member.name_en))
    )
    found = []
    for member in members:
        assert member.id is not None
        case = open_case(session, member.id)
        if (case.state if case else None) == (wanted.value if wanted else None):
            found.append(member)
    return found


def _step(
    session: Session,
    case: SuspensionCase,
    event: SuspensionEvent,
    user: User,
    *,
    now: datetime,
    reason: str | None = None,
) -> SuspensionState:
    target = audit.transition(
        session,
        SUSPENSION,
        case,
        event,
        people.actor_roles(session, user),
        entity="suspension",
        actor_id=user.id,
        now=now,
        reason=reason,
        member=case.member_id,
    )
    return target


def check(session: Session, case: SuspensionCase, event: SuspensionEvent, user: User) -> None:
    SUSPENSION.check(case.state, event, people.actor_roles(session, user), subject=case.id)


def summary(session: Session, case: SuspensionCase, member: Member, *, heading: str) -> Message:
    proposer = session.get(User, case.proposed_by)
    text = message(
        SUMMARY,
        heading=message(heading, number=str(case.id)),
        name_en=member.name_en,
        name_ar=member.name_ar,
        reason=case.reason,
        proposer=proposer.first_name if proposer else str(case.proposed_by),
    )
    if heading == LIFT_HEADING:
        return message(LIFT_SUMMARY, summary=text, reason=case.lift_reason or "")
    return text


def propose(
    session: Session,
    member_id: int,
    user: User,
    reason: str,
    *,
    now: datetime,
    settings: Settings,
) -> SuspensionCase:
    """Art. 22: the Secretariat proposes; the Secretary-General is asked to decide."""
    member = standing.lock_member(session, member_id)
    SUSPENSION.check(None, SuspensionEvent.PROPOSE, people.actor_roles(session, user))
    if not MEMBERSHIP.can(member.standing, StandingEvent.SUSPEND):
        raise NotAllowed(f"member is {member.standing}", reason="not_active")
    if open_case(session, member_id) is not None:
        raise NotAllowed("a suspension is already proposed", reason="duplicate")
    case = SuspensionCase(
        member_id=member_id,
        proposed_by=user.id,
        reason=reason,
        state=SuspensionState.PROPOSED.value,
        created_at=now,
    )
    audit.create(
        session,
        case,
        SuspensionEvent.PROPOSE,
        entity="suspension",
        actor_id=user.id,
        now=now,
        reason=reason,
        member=member_id,
    )
    assert case.id is not None
    prompts.open_prompt(
        session,
        kind=DECIDE,
        subject_id=case.id,
        audience=Role.SECRETARY_GENERAL,
        text=summary(session, case, member, heading=DECIDE_HEADING),
        buttons=[
            [
                DecisionButton(case.id, Action.SUSPEND),
                DecisionButton(case.id, Action.REJECT),
            ]
        ],
        now=now,
        settings=settings,
    )
    return case


def propose_lift(
    session: Session,
    member_id: int,
    user: User,
    reason: str,
    *,
    now: datetime,
    settings: Settings,
) -> SuspensionCase:
    """The Secretariat proposes to lift a suspension; the Secretary-General decides."""
    member = standing.lock_member(session, member_id)
    found = open_case(session, member_id)
    if found is None or member.standing != Standing.SUSPENDED.value:
        raise NotAllowed("the member is not suspended", reason="not_suspended")
    case = lock(session, found.id or 0)
    _step(session, case, SuspensionEvent.PROPOSE_LIFT, user, now=now, reason=reason)
    case.lift_reason = reason
    assert case.id is not None
    prompts.open_prompt(
        session,
        kind=LIFT,
        subject_id=case.id,
        audience=Role.SECRETARY_GENERAL,
        text=summary(session, case, member, heading=LIFT_HEADING),
        buttons=[
            [
                DecisionButton(case.id, Action.LIFT),
                DecisionButton(case.id, Action.KEEP),
            ]
        ],
        now=now,
        settings=settings,
    )
    return case


def _resolve(
    session: Session, kind: str, case: SuspensionCase, user: User, outcome: str, text: Message
) -> None:
    assert case.id is not None and case.decided_at is not None
    prompts.close(
        session, kind, case.id, actor=user, outcome=outcome, outcome_text=text, now=case.decided_at
    )


def decide(
    session: Session, case_id: int, event: SuspensionEvent, user: User, *, now: datetime
) -> Member:
    """The Secretary-General's decision: suspend or reject, lift or keep suspended."""
    case = lock(session, case_id)
    member = standing.lock_member(session, case.member_id)
    check(session, case, event, user)
    assert member.id is not None
    if event is SuspensionEvent.SUSPEND:
        standing.change(
            session, member, StandingEvent.SUSPEND, user, now=now, reason=case.reason, case=case.id
        )
    elif event is SuspensionEvent.LIFT:
        standing.change(
            session,
            member,
            StandingEvent.LIFT,
            user,
            now=now,
            reason=case.lift_reason,
            case=case.id,
        )
    _step(session, case, event, user, now=now)
    case.decided_at = now
    kind = DECIDE if event in (SuspensionEvent.SUSPEND, SuspensionEvent.REJECT) else LIFT
    _resolve(session, kind, case, user, event.value, prompts.outcome(OUTCOMES[event], user, now))
    args = {
        "number": str(case.id),
        "name": member.name_en,
        "name_ar": member.name_ar,
        "reason": case.reason,
    }
    representatives = representation.representatives(session, member.id)
    if event in TO_MEMBER:
        standing.tell(session, representatives, TO_MEMBER[event], args)
    standing.tell(
        session,
        [case.proposed_by, *standing.secretariat(session)],
        NOTICES[event],
        args,
        skip=set(representatives) if event in TO_MEMBER else None,
    )
    return member


def close_for_withdrawn(session: Session, member: Member, user: User, *, now: datetime) -> None:
    """A member that has withdrawn (Art. 21) leaves no suspension question open."""
    assert member.id is not None
    case = open_case(session, member.id)
    if case is None or case.state == SuspensionState.SUSPENDED.value:
        return
    case = lock(session, case.id or 0)
    proposed = case.state == SuspensionState.PROPOSED.value
    event = SuspensionEvent.REJECT if proposed else SuspensionEvent.KEEP
    _step(session, case, event, user, now=now, reason="withdrawn")
    case.decided_at = now
    _resolve(
        session,
        DECIDE if proposed else LIFT,
        case,
        user,
        event.value,
        prompts.outcome(CLOSED_BY_WITHDRAWAL, user, now),
    )


#: Notices by their stable names: their words and tags are in bot/notices.py.
DECIDE_HEADING = "suspensions.decide_heading"
LIFT_HEADING = "suspensions.lift_heading"
SUMMARY = "suspensions.summary"
LIFT_SUMMARY = "suspensions.lift_summary"
OUTCOMES = {
    SuspensionEvent.SUSPEND: "suspensions.outcomes.suspend",
    SuspensionEvent.REJECT: "suspensions.outcomes.reject",
    SuspensionEvent.LIFT: "suspensions.outcomes.lift",
    SuspensionEvent.KEEP: "suspensions.outcomes.keep",
}
CLOSED_BY_WITHDRAWAL = "suspensions.closed_by_withdrawal"
TO_MEMBER = {
    SuspensionEvent.SUSPEND: "suspensions.to_member.suspend",
    SuspensionEvent.LIFT: "suspensions.to_member.lift",
}
NOTICES = {
    SuspensionEvent.SUSPEND: "suspensions.notices.suspend",
    SuspensionEvent.REJECT: "suspensions.notices.reject",
    SuspensionEvent.LIFT: "suspensions.notices.lift",
    SuspensionEvent.KEEP: "suspensions.notices.keep",
}
