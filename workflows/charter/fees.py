"""Membership fees: what is owed, when to remind, when the voting right is suspended.

Art. 18: only full members pay a fixed biennial fee, set by the Executive
Supreme Council. Art. 25: the Council may suspend the voting right of a member
for unpaid fees. The charter sets no grace period or reminders; they are the
Council's policy, kept here as data (``FeePolicy``) with documented defaults.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from workflows.charter.membership import MemberCategory, pays_fees
from workflows.charter.money import Money


@dataclass(frozen=True, slots=True, kw_only=True)
class FeePolicy:
    """The Council's fee policy (Art. 18, 25); none of these numbers is in the charter."""

    # Days after the due date before an unpaid member's voting right is
    # suspended: long enough for an international bank transfer to arrive
    # and be confirmed by the Secretariat.
    grace_days: int = 90
    # Reminders before the due date, in days before it.
    reminder_days_before: tuple[int, ...] = (30, 7)
    # Then one reminder every this many days after the due date.
    reminder_every_days_after: int = 14
    # Art. 25 says the Council *may* suspend; it may also choose to decide
    # every case by hand, in which case nothing is suspended automatically.
    suspend_automatically: bool = True

    def __post_init__(self) -> None:
        if self.grace_days < 0:
            raise ValueError("grace_days cannot be negative")
        if any(days <= 0 for days in self.reminder_days_before):
            raise ValueError("reminders before the due date must be at least a day before it")
        if self.reminder_every_days_after <= 0:
            raise ValueError("reminder_every_days_after must be at least one day")


DEFAULT_FEE_POLICY = FeePolicy()


def owes_fee(category: MemberCategory) -> bool:
    """Art. 18: a fee notice is issued to full members only."""
    return pays_fees(category)


def balance(amount_due: Money, confirmed_payments: Iterable[Money]) -> Money:
    """What is still owed (Art. 18): the fee less the payments the Secretariat
    confirmed. Negative when the member paid more than due (a credit).

    Only confirmed payments count: a reported or disputed one proves nothing
    yet. A payment in another currency raises ``InvalidAmount``
    (``currency_mismatch``); conversion is a decision for the Secretariat.
    """
    owed = amount_due
    for payment in confirmed_payments:
        owed = owed - payment
    return owed


def is_settled(owed: Money) -> bool:
    """Nothing left to pay: the voting right, if suspended for fees, is restored (Art. 25)."""
    return owed.amount <= 0


def suspension_date(due_date: date, *, policy: FeePolicy = DEFAULT_FEE_POLICY) -> date:
    """The first day on which an unpaid fee suspends the voting right (Art. 25):
    the day after the grace period ends."""
    return due_date + timedelta(days=policy.grace_days + 1)


def voting_suspension_due(
    *,
    due_date: date,
    owed: Money,
    today: date,
    policy: FeePolicy = DEFAULT_FEE_POLICY,
) -> bool:
    """Whether the voting right should now be suspended for unpaid fees (Art. 25).

    True only when the policy suspends automatically, something is still
    owed, and the grace period after ``due_date`` is over. The workflow fires
    ``VOTING_RIGHT``'s ``suspend_for_fees`` as ``Party.SYSTEM`` when it is.
    """
    return (
        policy.suspend_automatically
        and not is_settled(owed)
        and today >= suspension_date(due_date, policy=policy)
    )


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")
    return moment.astimezone(UTC)


def reminder_schedule(
    due_at: datetime,
    *,
    until: datetime,
    issued_at: datetime | None = None,
    policy: FeePolicy = DEFAULT_FEE_POLICY,
) -> list[datetime]:
    """When to remind a full member of its fee (Art. 18), in UTC, in order.

    By default 30 and 7 days before ``due_at``, then every 14 days after it,
    up to and including ``until`` (the workflow picks the horizon, such as the
    next fee's due date). Reminders at or before ``issued_at`` are dropped: a
    notice sent a week before the due date does not owe a "30 days left"
    reminder. Whether a reminder is still needed when it comes due (the fee
    may be paid by then) is for the sweep to check.
    """
    due = _utc(due_at, "due_at")
    end = _utc(until, "until")
    start = _utc(issued_at, "issued_at") if issued_at is not None else None
    moments = {due - timedelta(days=days) for days in policy.reminder_days_before}
    step = timedelta(days=policy.reminder_every_days_after)
    after = due + step
    while after <= end:
        moments.add(after)
        after += step
    return sorted(m for m in moments if m <= end and (start is None or m > start))
