"""Honorary membership (Art. 15): a nomination both signatories must confirm.

The Secretariat or a trustee nominates; the Chair of the Assembly and the
Secretary-General each get a prompt and confirm or decline it, in either order.
The second confirmation creates the honorary member (no fees, no vote:
Art. 18, 25); a decline by either ends the nomination.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from models import HonoraryNomination, Member, User
from workflows.charter.errors import IllegalTransition, NotAllowed
from workflows.charter.machines import HONORARY, HonoraryEvent, HonoraryState
from workflows.charter.membership import MemberCategory, Standing
from workflows.charter.roles import Role
from workflows.membership import standing
from workflows.platform import audit, locks, outbox, people, prompts
from workflows.platform.buttons import Button
from workflows.platform.settings import Settings
from workflows.platform.values import Message, Name, message

OPEN_STATES = {HonoraryState.NOMINATED, HonoraryState.CHAIR_CONFIRMED, HonoraryState.SG_CONFIRMED}


class Capacity(StrEnum):
    """In which capacity a signatory acts: each has a prompt of their own."""

    CHAIR = "chair"
    SECRETARY_GENERAL = "sg"


class Verdict(StrEnum):
    CONFIRM = "confirm"
    DECLINE = "decline"


@dataclass(frozen=True)
class DecisionButton(Button, kind="honorary.decide"):
    """Under a signatory's prompt: confirm the nomination in this capacity, or decline it."""

    nomination_id: int
    capacity: Capacity
    verdict: Verdict


ROLE = {Capacity.CHAIR: Role.CHAIR, Capacity.SECRETARY_GENERAL: Role.SECRETARY_GENERAL}
CONFIRM_EVENT = {
    Capacity.CHAIR: HonoraryEvent.CONFIRM_AS_CHAIR,
    Capacity.SECRETARY_GENERAL: HonoraryEvent.CONFIRM_AS_SECRETARY_GENERAL,
}
PROMPT = {Capacity.CHAIR: "honorary.chair", Capacity.SECRETARY_GENERAL: "honorary.sg"}


def may_nominate(session: Session, user: User) -> bool:
    return HonoraryEvent.NOMINATE in HONORARY.events_for(None, people.actor_roles(session, user))


def lock(session: Session, nomination_id: int) -> HonoraryNomination:
    return locks.lock(session, HonoraryNomination, nomination_id)


def duplicate_of(session: Session, name_en: str) -> HonoraryNomination | Member | None:
    """An open nomination, or a member in good standing, of the same name."""
    wanted = name_en.casefold()
    nominations = session.exec(
        select(HonoraryNomination).where(
            col(HonoraryNomination.state).in_([state.value for state in OPEN_STATES])
        )
    )
    for nomination in nominations:
        if nomination.name_en.casefold() == wanted:
            return nomination
    members = session.exec(
        select(Member).where(
            Member.category == MemberCategory.HONORARY.value,
            Member.standing != Standing.WITHDRAWN.value,
        )
    )
    for member in members:
        if member.name_en.casefold() == wanted:
            return member
    return None


def nominate(
    session: Session,
    user: User,
    *,
    name_en: str,
    name_ar: str,
    contribution: str,
    now: datetime,
    settings: Settings,
) -> HonoraryNomination:
    """Record the nomination and ask both signatories (Art. 15)."""
    HONORARY.check(None, HonoraryEvent.NOMINATE, people.actor_roles(session, user))
    for capacity, role in ROLE.items():
        if not people.holders_of(session, role):
            raise NotAllowed(f"no one holds {role}", reason=f"no_{capacity.value}")
    # The same person nominated by two people at once: one nomination.
    locks.serialise(session, "honorary_nominations")
    if duplicate_of(session, name_en) is not None:
        raise NotAllowed("already nominated or already a member", reason="duplicate")
    nomination = HonoraryNomination(
        name_en=name_en,
        name_ar=name_ar,
        contribution=contribution,
        nominated_by=user.id,
        state=HonoraryState.NOMINATED.value,
        created_at=now,
    )
    audit.create(
        session, nomination, HonoraryEvent.NOMINATE, entity="honorary", actor_id=user.id, now=now
    )
    assert nomination.id is not None
    for capacity, role in ROLE.items():
        prompts.open_prompt(
            session,
            kind=PROMPT[capacity],
            subject_id=nomination.id,
            audience=role,
            text=summary(session, nomination, capacity),
            buttons=decision_buttons(nomination.id, capacity),
            now=now,
            settings=settings,
        )
    outbox.notify(
        session,
        chat_id=user.id,
        key=NOMINATED,
        args={"number": str(nomination.id), "name": Name.of(nomination)},
    )
    return nomination


def summary(session: Session, nomination: HonoraryNomination, capacity: Capacity) -> Message:
    nominator = session.get(User, nomination.nominated_by)
    return message(
        SUMMARY,
        heading=message(HEADING, number=str(nomination.id), capacity=message(CAPACITY[capacity])),
        name_en=nomination.name_en,
        name_ar=nomination.name_ar,
        contribution=nomination.contribution,
        nominator=nominator.first_name if nominator else str(nomination.nominated_by),
    )


def decision_buttons(nomination_id: int, capacity: Capacity) -> list[list[Button]]:
    return [[DecisionButton(nomination_id, capacity, verdict) for verdict in Verdict]]


def check(
    session: Session,
    nomination: HonoraryNomination,
    capacity: Capacity,
    verdict: Verdict,
    user: User,
) -> None:
    """Refuse what the charter would refuse, before a reason is asked for.

    A signatory acts on their own prompt, in their own capacity, once: a copy of
    a prompt already answered is stale even where the machine would still allow
    the event (the Chair who confirmed cannot decline from the same prompt).
    """
    assert nomination.id is not None
    roles = people.actor_roles(session, user)
    # The role first: whether the prompt is still open is none of a stranger's business.
    if ROLE[capacity] not in roles:
        raise NotAllowed(f"{capacity} prompt answered by someone else", reason="role_not_allowed")
    event = CONFIRM_EVENT[capacity] if verdict is Verdict.CONFIRM else HonoraryEvent.DECLINE
    if prompts.open_for(session, PROMPT[capacity], nomination.id) is None:
        raise IllegalTransition(
            machine="honorary", state=nomination.state, event=event.value, subject=nomination.id
        )
    HONORARY.check(nomination.state, event, roles, subject=nomination.id)


def _step(
    session: Session,
    nomination: HonoraryNomination,
    event: HonoraryEvent,
    user: User,
    *,
    now: datetime,
    reason: str | None = None,
) -> HonoraryState:
    return audit.transition(
        session,
        HONORARY,
        nomination,
        event,
        people.actor_roles(session, user),
        entity="honorary",
        actor_id=user.id,
        now=now,
        reason=reason,
    )


def _resolve(
    session: Session,
    nomination: HonoraryNomination,
    capacity: Capacity,
    user: User,
    outcome: str,
    text: Message,
    now: datetime,
) -> None:
    assert nomination.id is not None
    kind = PROMPT[capacity]
    prompts.close(
        session, kind, nomination.id, actor=user, outcome=outcome, outcome_text=text, now=now
    )


def confirm(
    session: Session, nomination_id: int, capacity: Capacity, user: User, *, now: datetime
) -> Member | None:
    """One signature; the second creates the honorary member, which is returned."""
    nomination = lock(session, nomination_id)
    check(session, nomination, capacity, Verdict.CONFIRM, user)
    target = _step(session, nomination, CONFIRM_EVENT[capacity], user, now=now)
    if capacity is Capacity.CHAIR:
        nomination.chair_by, nomination.chair_at = user.id, now
    else:
        nomination.sg_by, nomination.sg_at = user.id, now
    _resolve(
        session,
        nomination,
        capacity,
        user,
        Verdict.CONFIRM.value,
        prompts.outcome(CONFIRMED_BY, user, now, capacity=message(CAPACITY[capacity])),
        now,
    )
    if target is not HonoraryState.CONFIRMED:
        other = Capacity.SECRETARY_GENERAL if capacity is Capacity.CHAIR else Capacity.CHAIR
        outbox.notify(
            session,
            chat_id=nomination.nominated_by,
            key=HALF_CONFIRMED,
            args={
                "number": str(nomination.id),
                "name": Name.of(nomination),
                "signatory": message(CAPACITY[capacity]),
                "other": message(CAPACITY[other]),
            },
        )
        return None
    return _admit(session, nomination, user, now=now)


def _admit(
    session: Session, nomination: HonoraryNomination, user: User, *, now: datetime
) -> Member:
    member = Member(
        category=MemberCategory.HONORARY.value,
        name_en=nomination.name_en,
        name_ar=nomination.name_ar,
        institutional=False,
        contribution=nomination.contribution,
        admitted_at=now,
        fee_notice_due_at=None,
    )
    session.add(member)
    session.flush()
    nomination.member_id = member.id
    session.add(nomination)
    audit.record(
        session,
        entity="member",
        entity_id=member.id,
        action="admit",
        actor_id=user.id,
        to_state=Standing.ACTIVE.value,
        at=now,
        honorary=nomination.id,
    )
    args = {"number": str(nomination.id), "name": member.name_en, "name_ar": member.name_ar}
    outbox.notify(session, chat_id=nomination.nominated_by, key=CONFIRMED_TO_NOMINATOR, args=args)
    standing.tell(
        session,
        standing.secretariat(session),
        CONFIRMED_NOTICE,
        args,
        skip={nomination.nominated_by},
    )
    return member


def decline(
    session: Session,
    nomination_id: int,
    capacity: Capacity,
    user: User,
    reason: str,
    *,
    now: datetime,
) -> None:
    """Either signatory's refusal ends the nomination: both signatures are required."""
    nomination = lock(session, nomination_id)
    check(session, nomination, capacity, Verdict.DECLINE, user)
    _step(session, nomination, HonoraryEvent.DECLINE, user, now=now, reason=reason)
    nomination.reason = reason
    text = prompts.outcome(
        DECLINED_BY, user, now, capacity=message(CAPACITY[capacity]), reason=reason
    )
    for each in Capacity:
        _resolve(session, nomination, each, user, Verdict.DECLINE.value, text, now)
    outbox.notify(
        session,
        chat_id=nomination.nominated_by,
        key=DECLINED_TO_NOMINATOR,
        args={
            "number": str(nomination.id),
            "name": Name.of(nomination),
            "signatory": message(CAPACITY[capacity]),
            "reason": reason,
        },
    )


CAPACITY = {
    Capacity.CHAIR: "honorary.capacity.chair",
    Capacity.SECRETARY_GENERAL: "honorary.capacity.secretary_general",
}
#: Notices by their stable names: their words and tags are in bot/notices.py.
HEADING = "honorary.heading"
SUMMARY = "honorary.summary"
CONFIRMED_BY = "honorary.confirmed_by"
DECLINED_BY = "honorary.declined_by"
NOMINATED = "honorary.nominated"
HALF_CONFIRMED = "honorary.half_confirmed"
CONFIRMED_TO_NOMINATOR = "honorary.confirmed_to_nominator"
CONFIRMED_NOTICE = "honorary.confirmed_notice"
DECLINED_TO_NOMINATOR = "honorary.declined_to_nominator"
