"""Fee balances (Art. 18): what each member owes for each period, what it paid,
its statement, and the Secretariat's lists and their CSV export.

Only confirmed payments count towards a balance; a reported one shows as
waiting for the Secretariat. Amounts are exact ``Money`` in the due's currency.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sqlmodel import Session, col, select

from models import FeeDue, FeePayment, FeePeriod, Member, VotingSuspension, bulk
from workflows.charter import fees as rules
from workflows.charter.errors import NotAllowed
from workflows.charter.machines import PaymentState
from workflows.charter.money import Money
from workflows.platform import outbox, spreadsheets


class DueStatus(StrEnum):
    """Where one member's due stands, as the Secretariat's lists group it."""

    PAID = "paid"  # confirmed payments cover it
    REPORTED = "reported"  # a report waits for the Secretariat's confirmation
    OVERDUE = "overdue"  # the due date has passed and something is still owed
    OWING = "owing"  # not due yet


def fee_of(period: FeePeriod) -> Money:
    return Money.from_minor(period.amount_minor, period.currency)


def amount_of(row: FeeDue | FeePayment) -> Money:
    return Money.from_minor(row.amount_minor, row.currency)


def payments_of(session: Session, due_id: int) -> list[FeePayment]:
    return list(
        session.exec(
            select(FeePayment)
            .where(FeePayment.due_id == due_id)
            .order_by(col(FeePayment.paid_on), col(FeePayment.id))
        )
    )


def _total(payments: Iterable[FeePayment], state: PaymentState, currency: str) -> Money:
    total = Money.zero(currency)
    for payment in payments:
        if payment.state == state.value:
            total = total + amount_of(payment)
    return total


@dataclass(frozen=True)
class DueLine:
    """One member's due for one period, with what was paid and what is owed."""

    period: FeePeriod
    due: FeeDue
    member: Member
    payments: list[FeePayment]
    confirmed: Money
    reported: Money
    balance: Money
    status: DueStatus


def line_of(
    session: Session, due: FeeDue, *, today: date, period: FeePeriod | None = None
) -> DueLine:
    period = period or session.get(FeePeriod, due.period_id)
    member = session.get(Member, due.member_id)
    assert period is not None and member is not None
    return _line(period, due, member, payments_of(session, due.id or 0), today=today)


def lines_of(
    session: Session, period: FeePeriod, dues: list[FeeDue], *, today: date
) -> list[DueLine]:
    """:func:`line_of` for many dues of one period, read in a fixed number of
    statements per slice of dues (their members, their payments) rather than per due."""
    members: dict[int, Member] = {}
    payments: dict[int, list[FeePayment]] = {due.id or 0: [] for due in dues}
    for part in outbox.slices(dues):
        members.update(
            (member.id or 0, member)
            for member in session.exec(
                select(Member).where(
                    bulk.among(session, col(Member.id), [due.member_id for due in part])
                )
            )
        )
        for payment in session.exec(
            select(FeePayment)
            .where(bulk.among(session, col(FeePayment.due_id), [due.id for due in part]))
            .order_by(col(FeePayment.paid_on), col(FeePayment.id))
        ):
            payments[payment.due_id].append(payment)
    return [
        _line(period, due, members[due.member_id], payments[due.id or 0], today=today)
        for due in dues
    ]


def _line(
    period: FeePeriod, due: FeeDue, member: Member, payments: list[FeePayment], *, today: date
) -> DueLine:
    confirmed = _total(payments, PaymentState.CONFIRMED, due.currency)
    reported = _total(payments, PaymentState.REPORTED, due.currency)
    owed = rules.balance(amount_of(due), [confirmed])
    if rules.is_settled(owed):
        status = DueStatus.PAID
    elif reported.amount > 0:
        status = DueStatus.REPORTED
    elif period.due_on < today:
        status = DueStatus.OVERDUE
    else:
        status = DueStatus.OWING
    return DueLine(period, due, member, payments, confirmed, reported, owed, status)


def dues_of(session: Session, member_id: int) -> list[FeeDue]:
    query = (
        select(FeeDue)
        .join(FeePeriod, FeePeriod.id == FeeDue.period_id)  # type: ignore[arg-type]
        .where(FeeDue.member_id == member_id)
        .order_by(col(FeePeriod.starts_on).desc())
    )
    return list(session.exec(query))


@dataclass(frozen=True)
class Statement:
    """A member's fee statement: every period, its payments and balance, and its standing."""

    member: Member
    lines: list[DueLine]
    suspension: VotingSuspension | None
    #: What is still owed, per currency (periods may be in different currencies).
    owed: list[Money] = field(default_factory=list)


def statement(session: Session, member_id: int, *, today: date) -> Statement:
    member = session.get(Member, member_id)
    if member is None:
        raise NotAllowed("no such member", reason="not_found")
    lines = [line_of(session, due, today=today) for due in dues_of(session, member_id)]
    owed: dict[str, Money] = {}
    for line in lines:
        if line.balance.amount > 0:
            currency = line.balance.currency
            owed[currency] = owed.get(currency, Money.zero(currency)) + line.balance
    return Statement(member, lines, current_suspension(session, member_id), list(owed.values()))


def current_suspension(session: Session, member_id: int) -> VotingSuspension | None:
    return session.exec(
        select(VotingSuspension)
        .where(VotingSuspension.member_id == member_id, col(VotingSuspension.restored_at).is_(None))
        .order_by(col(VotingSuspension.id).desc())
    ).first()


def roster(session: Session, period_id: int, *, today: date) -> list[DueLine]:
    """Every member's due for the period, by member name: the Secretariat's lists."""
    period = session.get(FeePeriod, period_id)
    if period is None:
        raise NotAllowed("no such fee period", reason="not_found")
    dues = session.exec(select(FeeDue).where(FeeDue.period_id == period_id))
    lines = [line_of(session, due, today=today, period=period) for due in dues]
    return sorted(lines, key=lambda line: line.member.name_en.casefold())


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A spreadsheet-ready CSV (``spreadsheets``): Excel shows Arabic, runs no formula."""
    return spreadsheets.to_csv(header, rows)
