"""Who acted first: what to tell someone whose decision came too late.

When several people press the same decision at once, one transaction takes the
lock and acts; the others read the row under the lock, find the step already
taken, and are refused (``IllegalTransition``). They are told who took it and
when, in their own language: for a decision asked by a prompt, the very line
every copy of the prompt was edited to show ("✅ Admitted by Omar, …"); for the
others (a vote closed, a session opened), the audit record of the step.
"""

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from models import AuditRecord, Prompt, User
from workflows.charter.errors import IllegalTransition
from workflows.charter.machines import ALL_MACHINES
from workflows.charter.meetings import MEETING
from workflows.charter.membership import MEMBERSHIP, VOTING_RIGHT
from workflows.charter.roles import STAFF, Actor, Role
from workflows.charter.statemachine import StateMachine
from workflows.fees import payments
from workflows.membership import applications, honorary, suspensions, withdrawals
from workflows.platform import prompts
from workflows.platform.values import Message, message

#: The prompts that ask for each machine's decisions.
PROMPTS: dict[str, tuple[str, ...]] = {
    "application": (applications.SCREEN, applications.DECIDE),
    "withdrawal": (withdrawals.ACKNOWLEDGE, withdrawals.DECIDE),
    "suspension": (suspensions.DECIDE, suspensions.LIFT),
    "fee_payment": (payments.CONFIRM,),
    "honorary": tuple(honorary.PROMPT.values()),
}
MACHINES: dict[str, StateMachine[Any, Any]] = {
    machine.name: machine for machine in (*ALL_MACHINES, MEETING, MEMBERSHIP, VOTING_RIGHT)
}
#: Where each machine's steps are recorded, when not under its own name.
ENTITIES = {"membership": "member", "voting_right": "member"}

BY = {
    ("motion", "open"): "decisions.by.motion_open",
    ("motion", "closed"): "decisions.by.motion_closed",
    ("motion", "withdrawn"): "decisions.by.motion_withdrawn",
    ("meeting", "open"): "decisions.by.meeting_open",
    ("meeting", "closed"): "decisions.by.meeting_closed",
    ("meeting", "cancelled"): "decisions.by.meeting_cancelled",
    ("voting_right", "suspended_for_fees"): "decisions.by.voting_right_suspended_for_fees",
    ("voting_right", "active"): "decisions.by.voting_right_active",
}
#: Notices by their stable names: their words and tags are in bot/notices.py.
#: A step someone took that has no sentence of its own above.
SOMEONE = "decisions.someone"
#: A step Majlis took itself: a deadline, a lapse, a fee's grace period.
AUTOMATIC = "decisions.automatic"


def first_to_act(
    session: Session, refusal: IllegalTransition, roles: Collection[Actor]
) -> Message | None:
    """Who took the step that made ``refusal``'s impossible, or None when unknown.

    Only someone whose ``roles`` could have taken such a step is told: to anyone else
    (a forged button) who decided what is none of their business.
    """
    subject = refusal.subject
    if subject is None or not _may_know(session, refusal, roles):
        return None
    if refusal.machine == "prompt":
        resolved = session.get(Prompt, subject, populate_existing=True)
        return prompts.outcome_of(session, resolved) if resolved is not None else None
    record = _last_step(session, refusal)
    kinds = PROMPTS.get(refusal.machine)
    if kinds and isinstance(subject, int):
        prompt = prompts.latest_resolved(session, kinds, subject)
        if (
            prompt is not None
            and prompt.resolved_at is not None
            and not _later(record, prompt.resolved_at)
        ):
            outcome = prompts.outcome_of(session, prompt)
            if outcome is not None:
                return outcome
    if record is None:
        return None
    if record.actor_id is None:
        return message(AUTOMATIC, when=record.at)
    actor = session.get(User, record.actor_id)
    return message(
        BY.get((refusal.machine, str(refusal.state)), SOMEONE),
        name=actor.first_name if actor else str(record.actor_id),
        when=record.at,
    )


def _may_know(session: Session, refusal: IllegalTransition, roles: Collection[Actor]) -> bool:
    if refusal.machine == "prompt":
        prompt = session.get(Prompt, refusal.subject)
        if prompt is None:
            return False
        audience = {Role(prompt.audience)}
        if Role.SECRETARIAT in audience:
            audience |= STAFF  # the Secretary-General leads the Secretariat (Art. 9)
        return not audience.isdisjoint(roles)
    machine = MACHINES.get(refusal.machine)
    if machine is None:
        return False
    allowed: set[Actor] = set()
    for transition in machine.transitions:
        if transition.event == refusal.event:
            allowed |= transition.allowed_roles
    return not allowed.isdisjoint(roles)


def _last_step(session: Session, refusal: IllegalTransition) -> AuditRecord | None:
    """The audit record of the step that led to the state the refusal found."""
    if refusal.state is None:
        return None
    return session.exec(
        select(AuditRecord)
        .where(
            AuditRecord.entity == ENTITIES.get(refusal.machine, refusal.machine),
            AuditRecord.entity_id == str(refusal.subject),
            AuditRecord.to_state == str(refusal.state),
        )
        .order_by(col(AuditRecord.at).desc(), col(AuditRecord.id).desc())
    ).first()


def _later(record: AuditRecord | None, moment: datetime) -> bool:
    return record is not None and record.at > moment
