"""Fee balance, reminder schedule and the day the voting right is suspended (Art. 18, 25)."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from workflows.charter.errors import AmountProblem, InvalidAmount
from workflows.charter.fees import (
    DEFAULT_FEE_POLICY,
    FeePolicy,
    balance,
    is_settled,
    owes_fee,
    reminder_schedule,
    suspension_date,
    voting_suspension_due,
)
from workflows.charter.membership import MemberCategory
from workflows.charter.money import Money


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


FEE = usd("1500")


@pytest.mark.parametrize(
    ("payments", "owed", "settled"),
    [
        ([], "1500", False),
        (["500"], "1000", False),
        (["500", "999.99"], "0.01", False),
        (["1000", "500"], "0", True),
        (["2000"], "-500", True),  # a credit, still settled
    ],
)
def test_balance(payments: list[str], owed: str, settled: bool) -> None:
    remaining = balance(FEE, [usd(p) for p in payments])
    assert remaining == usd(owed)
    assert is_settled(remaining) is settled


def test_balance_refuses_a_payment_in_another_currency() -> None:
    with pytest.raises(InvalidAmount) as refused:
        balance(FEE, [Money(Decimal(500), "EUR")])
    assert refused.value.problem is AmountProblem.CURRENCY_MISMATCH


def test_only_full_members_owe_fees() -> None:
    assert [c for c in MemberCategory if owes_fee(c)] == [MemberCategory.FULL]


DUE = date(2027, 1, 31)


@pytest.mark.parametrize(
    ("today", "owed", "policy", "due"),
    [
        (date(2027, 1, 31), "1500", DEFAULT_FEE_POLICY, False),
        (date(2027, 5, 1), "1500", DEFAULT_FEE_POLICY, False),  # day 90 of grace
        (date(2027, 5, 2), "1500", DEFAULT_FEE_POLICY, True),  # the day after
        (date(2028, 1, 1), "0.01", DEFAULT_FEE_POLICY, True),
        (date(2028, 1, 1), "0", DEFAULT_FEE_POLICY, False),
        (date(2028, 1, 1), "-10", DEFAULT_FEE_POLICY, False),
        (date(2027, 2, 1), "1500", FeePolicy(grace_days=0), True),
        (date(2027, 1, 31), "1500", FeePolicy(grace_days=0), False),
        (date(2028, 1, 1), "1500", FeePolicy(suspend_automatically=False), False),
    ],
)
def test_voting_suspension_is_due_the_day_after_the_grace_period(
    today: date, owed: str, policy: FeePolicy, due: bool
) -> None:
    assert voting_suspension_due(due_date=DUE, owed=usd(owed), today=today, policy=policy) is due


def test_suspension_date() -> None:
    assert suspension_date(DUE) == date(2027, 5, 2)
    assert suspension_date(DUE, policy=FeePolicy(grace_days=30)) == date(2027, 3, 3)


DUE_AT = datetime(2027, 1, 31, 9, 0, tzinfo=UTC)


def days(*offsets: int) -> list[datetime]:
    return [DUE_AT + timedelta(days=offset) for offset in offsets]


def test_default_reminders_30_and_7_days_before_then_every_14_days() -> None:
    schedule = reminder_schedule(DUE_AT, until=DUE_AT + timedelta(days=60))
    assert schedule == days(-30, -7, 14, 28, 42, 56)


def test_reminders_include_the_horizon_itself() -> None:
    assert reminder_schedule(DUE_AT, until=DUE_AT + timedelta(days=28)) == days(-30, -7, 14, 28)


def test_reminders_before_the_notice_are_dropped() -> None:
    issued = DUE_AT - timedelta(days=10)
    schedule = reminder_schedule(DUE_AT, until=DUE_AT + timedelta(days=14), issued_at=issued)
    assert schedule == days(-7, 14)
    # A reminder exactly at the notice would repeat it.
    at_notice = reminder_schedule(DUE_AT, until=DUE_AT, issued_at=DUE_AT - timedelta(days=7))
    assert at_notice == []


def test_reminders_follow_the_policy() -> None:
    policy = FeePolicy(reminder_days_before=(60, 1), reminder_every_days_after=30)
    schedule = reminder_schedule(DUE_AT, until=DUE_AT + timedelta(days=90), policy=policy)
    assert schedule == days(-60, -1, 30, 60, 90)


def test_reminders_are_in_utc_whatever_the_offset() -> None:
    riyadh = timezone(timedelta(hours=3))
    local_due = datetime(2027, 1, 31, 12, 0, tzinfo=riyadh)
    schedule = reminder_schedule(local_due, until=local_due)
    assert schedule == days(-30, -7)
    assert all(moment.tzinfo is UTC for moment in schedule)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        reminder_schedule(datetime(2027, 1, 31), until=DUE_AT)
    with pytest.raises(ValueError):
        reminder_schedule(DUE_AT, until=datetime(2027, 3, 1))


@pytest.mark.parametrize(
    "options",
    [
        {"grace_days": -1},
        {"reminder_days_before": (0,)},
        {"reminder_every_days_after": 0},
    ],
)
def test_fee_policy_refuses_nonsense(options: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        FeePolicy(**options)  # type: ignore[arg-type]
