"""A full member's voting right (Art. 25): suspended for unpaid fees, and restored.

The Executive Supreme Council may suspend the voting right of a member because
of unpaid membership fees. By the policy (``MAJLIS_FEES_SUSPEND_AUTOMATICALLY``)
the scheduler does it when a fee's grace period is over; the Secretariat records
the Council's decisions by hand, either way. Confirming the payment that clears
what is overdue restores the right at once. Every change goes through the
charter's ``VOTING_RIGHT`` machine, with its audit record, and both the member
and the Secretariat are told.

The meetings read the standing here: :func:`entitled_to_vote`.
"""

from datetime import date, datetime

from sqlmodel import Session

from models import Member, User, VotingSuspension
from workflows.charter import fees as rules
from workflows.charter.errors import NotAllowed
from workflows.charter.membership import (
    VOTING_RIGHT,
    MemberCategory,
    Standing,
    VotingRight,
    VotingRightEvent,
    may_vote,
)
from workflows.charter.roles import Role
from workflows.fees import periods, statements
from workflows.membership import representation
from workflows.platform import audit, locks, outbox, people, prompts
from workflows.platform.values import Name, message


def entitled_to_vote(member: Member) -> bool:
    """Art. 21, 22, 25: a full member in active standing whose voting right is not suspended.

    A member suspended for unpaid fees neither votes nor counts as an entitled voter.
    """
    return may_vote(
        MemberCategory(member.category), Standing(member.standing), VotingRight(member.voting_right)
    )


def _lock(session: Session, member_id: int) -> Member:
    return locks.lock(session, Member, member_id)


def _step(
    session: Session,
    member: Member,
    event: VotingRightEvent,
    user: User | None,
    *,
    reason: str,
    now: datetime,
) -> None:
    if member.category != MemberCategory.FULL.value:
        raise NotAllowed("only full members vote (Art. 25)", reason="not_a_full_member")
    audit.transition(
        session,
        VOTING_RIGHT,
        member,
        event,
        people.actor_roles(session, user),
        entity="member",
        actor_id=user.id if user else None,
        now=now,
        reason=reason,
        field="voting_right",
    )


def suspend(
    session: Session,
    member_id: int,
    user: User | None,
    *,
    reason: str,
    now: datetime,
    period_id: int | None = None,
    tell_staff: bool = True,
) -> VotingSuspension:
    """Suspend for unpaid fees: ``user`` None is the policy applied after the grace period,
    a member of the Secretariat records the Council's decision."""
    member = _lock(session, member_id)
    _step(session, member, VotingRightEvent.SUSPEND_FOR_FEES, user, reason=reason, now=now)
    suspension = VotingSuspension(
        member_id=member_id,
        period_id=period_id,
        reason=reason,
        automatic=user is None,
        suspended_by=user.id if user else None,
        suspended_at=now,
    )
    session.add(suspension)
    session.flush()
    why = message(AUTOMATIC) if user is None else message(DECIDED, reason=reason)
    for chat_id in representation.representatives(session, member_id):
        outbox.notify(
            session,
            chat_id=chat_id,
            key=SUSPENDED_TO_MEMBER,
            args={"member": Name.of(member), "why": why},
        )
    if tell_staff:
        _tell_staff(session, SUSPENDED_TO_STAFF, member, why, user)
    return suspension


def restore(
    session: Session, member_id: int, user: User | None, *, reason: str, now: datetime
) -> VotingSuspension | None:
    """Restore the right: by a recorded decision, or (``user`` None) on a cleared balance."""
    member = _lock(session, member_id)
    _step(session, member, VotingRightEvent.RESTORE, user, reason=reason, now=now)
    suspension = statements.current_suspension(session, member_id)
    if suspension is not None:
        suspension.restored_at = now
        suspension.restored_by = user.id if user else None
        suspension.restore_reason = reason
        session.add(suspension)
    why = message(PAID_UP) if user is None else message(DECIDED, reason=reason)
    for chat_id in representation.representatives(session, member_id):
        outbox.notify(
            session,
            chat_id=chat_id,
            key=RESTORED_TO_MEMBER,
            args={"member": Name.of(member), "why": why},
        )
    _tell_staff(session, RESTORED_TO_STAFF, member, why, user)
    return suspension


def _tell_staff(session: Session, key: str, member: Member, why: object, user: User | None) -> None:
    for chat_id in prompts.audience_of(session, Role.SECRETARIAT):
        if user is not None and chat_id == user.id:
            continue  # the one who recorded it is answered in the chat
        outbox.notify(
            session,
            chat_id=chat_id,
            key=key,
            args={"member": member.name_en, "member_ar": member.name_ar, "why": why},
        )


def arrears(session: Session, member_id: int, *, today: date) -> list[statements.DueLine]:
    """Dues still unpaid after their grace period: what keeps a voting right suspended."""
    late = []
    for due in statements.dues_of(session, member_id):
        line = statements.line_of(session, due, today=today)
        policy = periods.policy_of(line.period, suspend_automatically=True)
        if not rules.is_settled(line.balance) and today >= rules.suspension_date(
            line.period.due_on, policy=policy
        ):
            late.append(line)
    return late


def restore_if_paid_up(session: Session, member_id: int, *, now: datetime) -> bool:
    """Art. 25: once a confirmed payment clears what is owed, the right comes back at once.

    Cleared means: the due of the period the suspension was for is settled, and
    no other due is unpaid past its grace period. A suspension tied to no period
    (decided when nothing was owed) is lifted only by another decision.
    """
    # Locked first: two payments confirmed at once must not both restore it.
    member = _lock(session, member_id)
    if member.voting_right != VotingRight.SUSPENDED_FOR_FEES.value:
        return False
    suspension = statements.current_suspension(session, member_id)
    if suspension is None or suspension.period_id is None:
        return False
    due = periods.due_of(session, suspension.period_id, member_id)
    if due is not None and not rules.is_settled(
        statements.line_of(session, due, today=now.date()).balance
    ):
        return False
    if arrears(session, member_id, today=now.date()):
        return False
    restore(session, member_id, None, reason=PAID_UP_REASON, now=now)
    return True


def follow_what_is_owed(session: Session, member_id: int, *, now: datetime) -> None:
    """Art. 25: the voting right follows what the member owes, whenever its standing
    changes, not only on the day a grace period ends. A member reinstated (Art. 22)
    with a fee unpaid past its grace period is suspended for fees as the others
    were, by the same policy; one with nothing overdue has its right back."""
    member = session.get(Member, member_id)
    if member is None or member.category != MemberCategory.FULL.value:
        return
    if member.standing != Standing.ACTIVE.value:
        return
    if member.voting_right == VotingRight.SUSPENDED_FOR_FEES.value:
        restore_if_paid_up(session, member_id, now=now)
        return
    late = arrears(session, member_id, today=now.date())
    if not late:
        return
    if not periods.suspends_automatically(session):
        # The Council decides (Art. 25): the Secretariat is told, as at the grace date.
        _tell_staff(session, REINSTATED_OWES, member, message(BY_COUNCIL), None)
        return
    oldest = min(late, key=lambda line: line.period.due_on).period
    suspend(
        session,
        member_id,
        None,
        reason=AUTOMATIC_REASON,
        period_id=oldest.id,
        now=now,
    )


def oldest_unpaid_period(session: Session, member_id: int, *, today: date) -> int | None:
    """The period a decision on unpaid fees is about: the oldest one still owed."""
    unpaid = [
        line
        for line in (
            statements.line_of(session, due, today=today)
            for due in statements.dues_of(session, member_id)
        )
        if not rules.is_settled(line.balance)
    ]
    return min(unpaid, key=lambda line: line.period.starts_on).period.id if unpaid else None


PAID_UP_REASON = "payment confirmed: nothing overdue is owed (Art. 25)"
#: As the scheduler's at the end of a grace period (``reminders.AUTOMATIC_REASON``).
AUTOMATIC_REASON = "unpaid membership fee after the grace period (Art. 25)"
#: Notices by their stable names: their words and tags are in bot/notices.py.
AUTOMATIC = "voting_rights.automatic"
DECIDED = "voting_rights.decided"
PAID_UP = "voting_rights.paid_up"
SUSPENDED_TO_MEMBER = "voting_rights.suspended_to_member"
SUSPENDED_TO_STAFF = "voting_rights.suspended_to_staff"
REINSTATED_OWES = "voting_rights.reinstated_owes"
BY_COUNCIL = "voting_rights.by_council"
RESTORED_TO_MEMBER = "voting_rights.restored_to_member"
RESTORED_TO_STAFF = "voting_rights.restored_to_staff"
