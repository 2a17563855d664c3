"""Fee reminders and the end of the grace period (Art. 18, 25), from due rows.

``periods.open_period`` writes the rows; each, when it comes due, looks at who still
owes. Reminders go only to members who owe and have no report waiting for
confirmation. When the grace period is over, unpaid members' voting rights are
suspended if the policy (``MAJLIS_FEES_SUSPEND_AUTOMATICALLY``) says so; the
Secretariat is told either way. A done row is never run again, so a restart
neither loses nor repeats a reminder.
"""

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from models import FeeDue, FeePeriod, Member
from workflows.charter import fees as rules
from workflows.charter.membership import VotingRight
from workflows.charter.roles import Role
from workflows.fees import voting_rights
from workflows.fees.periods import (
    GRACE_OVER,
    REMIND,
    PayButton,
    owes_notice,
    period_args,
    policy_of,
    suspends_automatically,
)
from workflows.fees.statements import DueLine, DueStatus, line_of, lines_of
from workflows.membership.representation import representatives_of
from workflows.platform import locks, outbox, prompts, schedule
from workflows.platform.values import Name


def still_owes(line: DueLine) -> bool:
    """Reminded: something is owed and no report waits for confirmation."""
    return line.status in (DueStatus.OVERDUE, DueStatus.OWING) and owes_notice(line.member)


@schedule.handles(REMIND)
def remind(session: Session, args: dict[str, Any], now: datetime) -> None:
    period = session.get(FeePeriod, args["period_id"])
    if period is None:
        return
    on, today = args["on"], now.date()
    # A reminder the scheduler runs late (workers were down) speaks of the day it is sent.
    before = today < period.due_on
    dues = list(session.exec(select(FeeDue).where(FeeDue.period_id == period.id)))
    # Read and written in a fixed number of statements, whatever the number of members.
    lines = [line for line in lines_of(session, period, dues, today=today) if still_owes(line)]
    speakers = representatives_of(session, [line.member.id or 0 for line in lines])
    policy = policy_of(period, suspend_automatically=suspends_automatically(session))
    owed: list[outbox.Owed] = []
    for line in lines:
        details = {
            **period_args(period),
            "member": Name.of(line.member),
            "balance": line.balance,
            "count": (period.due_on - today).days,
            "suspension": rules.suspension_date(period.due_on, policy=policy),
        }
        owed.extend(
            outbox.Owed(
                chat_id=chat_id,
                key=REMINDER_BEFORE if before else REMINDER_AFTER,
                plural_key=REMINDER_BEFORE_PLURAL if before else None,
                args=details,
                buttons=[[PayButton(line.due.id or 0)]],
                dedupe_key=f"fees:remind:{line.due.id}:{on}:{chat_id}",
            )
            for chat_id in speakers[line.member.id or 0]
        )
    outbox.notify_many(session, owed)


@schedule.handles(GRACE_OVER)
def grace_over(session: Session, args: dict[str, Any], now: datetime) -> None:
    """Art. 25: suspend unpaid members' voting rights, when the policy says so; else
    tell the Secretariat who still owes, for the Council to decide."""
    period = session.get(FeePeriod, args["period_id"])
    if period is None:
        return
    automatic = suspends_automatically(session)
    policy = policy_of(period, suspend_automatically=automatic)
    unpaid: list[Name] = []
    suspended: list[Name] = []
    for due in session.exec(select(FeeDue).where(FeeDue.period_id == period.id)):
        line = line_of(session, due, today=now.date(), period=period)
        if rules.is_settled(line.balance) or not owes_notice(line.member):
            continue
        unpaid.append(Name.of(line.member))
        # Read under the lock: the Secretariat may have recorded a suspension meanwhile.
        if locks.lock(session, Member, due.member_id).voting_right != VotingRight.ACTIVE.value:
            continue
        if rules.voting_suspension_due(
            due_date=period.due_on, owed=line.balance, today=now.date(), policy=policy
        ):
            voting_rights.suspend(
                session,
                line.member.id or 0,
                None,
                reason=AUTOMATIC_REASON,
                period_id=period.id,
                now=now,
                tell_staff=False,
            )
            suspended.append(Name.of(line.member))
    if not unpaid:
        return
    for chat_id in prompts.audience_of(session, Role.SECRETARIAT):
        if suspended:
            outbox.notify(
                session,
                chat_id=chat_id,
                key=GRACE_SUSPENDED,
                args={**period_args(period), "names": suspended},
            )
        elif not automatic:
            outbox.notify(
                session,
                chat_id=chat_id,
                key=GRACE_BY_HAND,
                args={**period_args(period), "names": unpaid},
            )


#: Stored as the reason of an automatic suspension (the audit trail is in English).
AUTOMATIC_REASON = "unpaid membership fee after the grace period (Art. 25)"
#: Notices by their stable names: their words and tags are in bot/notices.py.
REMINDER_BEFORE, REMINDER_BEFORE_PLURAL = (
    "reminders.reminder_before",
    "reminders.reminder_before_plural",
)
REMINDER_AFTER = "reminders.reminder_after"
GRACE_SUSPENDED = "reminders.grace_suspended"
GRACE_BY_HAND = "reminders.grace_by_hand"
