"""Fee payments (Art. 18): reported by a member, confirmed or disputed by the Secretariat.

A representative of the member (``Party.OWNER``) reports what was paid: amount,
date, bank reference and receipt; partial payments are allowed and leave the
rest owed. The Secretariat gets a prompt (first to act wins) and confirms it or
disputes it with a reason that goes back to the member, who may answer with a
corrected report. The Secretariat may also record a payment it saw itself.
Only confirmed payments count; the one that clears what is owed restores a
suspended voting right at once (Art. 25).
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlmodel import Session, select

from models import FeeDue, FeePayment, FeePeriod, Member, User
from workflows.charter import fees as rules
from workflows.charter.errors import AmountProblem, InvalidAmount, NotAllowed
from workflows.charter.machines import FEE_PAYMENT, PaymentEvent, PaymentState
from workflows.charter.money import Money
from workflows.charter.roles import Role
from workflows.fees import periods, statements, voting_rights
from workflows.membership import representation
from workflows.platform import audit, locks, outbox, people, prompts
from workflows.platform.buttons import Button
from workflows.platform.settings import Settings
from workflows.platform.values import Message, Name, message

CONFIRM = "fee.confirm"
#: A payment more than this many times the fee is a typing mistake, not a payment.
MOST_TIMES_THE_FEE = 10


class Verdict(StrEnum):
    """The Secretariat's answer to a reported payment."""

    CONFIRM = "confirm"
    DISPUTE = "dispute"


class Fix(StrEnum):
    """The member's answer to a dispute: correct the report, or withdraw it."""

    CORRECT = "correct"
    CANCEL = "cancel"


@dataclass(frozen=True)
class DecisionButton(Button, kind="payment.decide"):
    """Under a reported payment: confirm or dispute it."""

    payment_id: int
    verdict: Verdict


@dataclass(frozen=True)
class CorrectionButton(Button, kind="payment.correct"):
    """Under a dispute: correct the report, or withdraw it."""

    payment_id: int
    action: Fix


@dataclass(frozen=True)
class Receipt:
    """A receipt sent as a document or photo; the bytes stay at Telegram."""

    file_id: str
    kind: str
    name: str | None = None
    mime: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class PaymentReport:
    amount: Decimal
    paid_on: date
    reference: str
    receipt: Receipt | None = None


def largest_payment(due: FeeDue) -> Decimal:
    return statements.amount_of(due).amount * MOST_TIMES_THE_FEE


def _amount(due: FeeDue, report: PaymentReport, today: date) -> Money:
    """The reported amount as exact money in the due's currency; refused when absurd."""
    text = str(report.amount)
    if report.amount <= 0:
        problem = AmountProblem.ZERO if report.amount == 0 else AmountProblem.NEGATIVE
        raise InvalidAmount(reason=problem, text=text)
    if report.amount > largest_payment(due):
        raise InvalidAmount(reason=AmountProblem.ABSURD, text=text)
    try:
        amount = Money(report.amount, due.currency)
    except ValueError:
        raise InvalidAmount(reason=AmountProblem.TOO_PRECISE, text=text) from None
    if report.paid_on > today:
        raise NotAllowed("a payment cannot be dated in the future", reason="paid_in_future")
    if len(report.reference.strip()) < 2:
        raise NotAllowed("a bank reference is needed", reason="reference_missing")
    return amount


def lock(session: Session, payment_id: int) -> FeePayment:
    return locks.lock(session, FeePayment, payment_id)


def _step(
    session: Session,
    payment: FeePayment,
    event: PaymentEvent,
    user: User,
    *,
    now: datetime,
    reason: str | None = None,
) -> None:
    audit.transition(
        session,
        FEE_PAYMENT,
        payment,
        event,
        people.actor_roles(
            session, user, owner=representation.represents(session, user.id, payment.member_id)
        ),
        entity="fee_payment",
        actor_id=user.id,
        now=now,
        reason=reason,
    )


def _fill(payment: FeePayment, amount: Money, report: PaymentReport) -> None:
    payment.amount_minor = amount.minor
    payment.currency = amount.currency
    payment.paid_on = report.paid_on
    payment.reference = report.reference.strip()[:200]
    if report.receipt is not None:
        payment.receipt_file_id = report.receipt.file_id
        payment.receipt_kind = report.receipt.kind
        payment.receipt_name = report.receipt.name
        payment.receipt_mime = report.receipt.mime
        payment.receipt_size = report.receipt.size


def _create(
    session: Session,
    due: FeeDue,
    user: User,
    report: PaymentReport,
    event: PaymentEvent,
    *,
    now: datetime,
) -> FeePayment:
    """The payment ``user`` reports or records against ``due``, with its audit record;
    refused when the amount, date or reference cannot be right."""
    assert due.id is not None
    amount = _amount(due, report, now.date())
    payment = FeePayment(
        due_id=due.id,
        member_id=due.member_id,
        state=FEE_PAYMENT.next(None, event).value,
        amount_minor=amount.minor,
        currency=amount.currency,
        paid_on=report.paid_on,
        reference="",
        reported_by=user.id,
        reported_at=now,
    )
    if event is PaymentEvent.RECORD:
        # The Secretariat records what it saw itself: decided as it is written.
        payment.decided_by, payment.decided_at = user.id, now
    _fill(payment, amount, report)
    return audit.create(
        session,
        payment,
        event,
        entity="fee_payment",
        actor_id=user.id,
        now=now,
        amount=str(amount),
        paid_on=report.paid_on.isoformat(),
        reference=payment.reference,
    )


def report_payment(
    session: Session,
    due_id: int,
    user: User,
    report: PaymentReport,
    *,
    now: datetime,
    settings: Settings,
) -> FeePayment:
    """A representative reports what the member paid; the Secretariat is asked to confirm."""
    due = periods.lock_due(session, due_id)
    owner = representation.represents(session, user.id, due.member_id)
    FEE_PAYMENT.check(None, PaymentEvent.REPORT, people.actor_roles(session, user, owner=owner))
    if report.receipt is None:
        raise NotAllowed("a report needs its receipt", reason="receipt_missing")
    payment = _create(session, due, user, report, PaymentEvent.REPORT, now=now)
    _ask_secretariat(session, payment, heading=REPORTED_HEADING, now=now, settings=settings)
    return payment


def correct_payment(
    session: Session,
    payment_id: int,
    user: User,
    report: PaymentReport,
    *,
    now: datetime,
    settings: Settings,
) -> FeePayment:
    """The member's answer to a dispute: the corrected report goes back for confirmation.
    Without a new receipt, the earlier one stands."""
    payment = lock(session, payment_id)
    due = periods.lock_due(session, payment.due_id)
    amount = _amount(due, report, now.date())
    earlier = {
        "amount_minor": payment.amount_minor,
        "paid_on": payment.paid_on.isoformat(),
        "reference": payment.reference,
        "receipt_file_id": payment.receipt_file_id,
        "dispute_reason": payment.dispute_reason,
    }
    _step(session, payment, PaymentEvent.CORRECT, user, now=now, reason=payment.dispute_reason)
    payment.corrections = [*payment.corrections, earlier]
    _fill(payment, amount, report)
    payment.reported_by = user.id
    payment.reported_at = now
    _ask_secretariat(session, payment, heading=CORRECTED_HEADING, now=now, settings=settings)
    return payment


def _ask_secretariat(
    session: Session, payment: FeePayment, *, heading: str, now: datetime, settings: Settings
) -> None:
    assert payment.id is not None
    receipt = None
    if payment.receipt_file_id is not None:
        receipt = (payment.receipt_file_id, payment.receipt_kind or "document")
    prompts.open_prompt(
        session,
        kind=CONFIRM,
        subject_id=payment.id,
        audience=Role.SECRETARIAT,
        text=summary(session, payment, heading=heading),
        buttons=decision_buttons(payment.id),
        now=now,
        settings=settings,
        attachment=receipt,
        caption=message(RECEIPT_CAPTION, number=str(payment.id)),
    )


def decision_buttons(payment_id: int) -> list[list[Button]]:
    return [[DecisionButton(payment_id, verdict) for verdict in Verdict]]


def summary(session: Session, payment: FeePayment, *, heading: str) -> Message:
    """Everything the Secretariat needs to confirm: the member, the fee, what is already
    confirmed, the report, and an earlier dispute if this is a correction."""
    due = session.get(FeeDue, payment.due_id)
    assert due is not None
    period = session.get(FeePeriod, due.period_id)
    member = session.get(Member, payment.member_id)
    assert period is not None and member is not None
    line = statements.line_of(session, due, today=payment.reported_at.date(), period=period)
    reporter = session.get(User, payment.reported_by) if payment.reported_by else None
    text = message(
        PAYMENT_SUMMARY,
        heading=message(heading, number=str(payment.id)),
        member=member.name_en,
        member_ar=member.name_ar,
        start=period.starts_on,
        end=period.ends_on,
        fee=statements.amount_of(due),
        confirmed=line.confirmed,
        amount=statements.amount_of(payment),
        paid_on=payment.paid_on,
        reference=payment.reference,
        reporter=reporter.first_name if reporter else "",
        reporter_id=str(payment.reported_by or ""),
    )
    if payment.corrections and payment.corrections[-1].get("dispute_reason"):
        return message(
            CORRECTED_SUMMARY, summary=text, reason=payment.corrections[-1]["dispute_reason"]
        )
    return text


def _resolve(
    session: Session,
    payment: FeePayment,
    user: User,
    outcome: str,
    key: str,
    now: datetime,
    **args: object,
) -> None:
    text = prompts.outcome(key, user, now, **args)
    prompts.close(
        session, CONFIRM, payment.id or 0, actor=user, outcome=outcome, outcome_text=text, now=now
    )


def _settle(session: Session, due: FeeDue, *, now: datetime) -> statements.DueLine:
    """After a confirmed payment: stamp the due settled once it is covered."""
    line = statements.line_of(session, due, today=now.date())
    if rules.is_settled(line.balance) and due.settled_at is None:
        due.settled_at = now
        session.add(due)
        audit.record(
            session,
            entity="fee_due",
            entity_id=due.id,
            action="settle",
            actor_id=None,
            from_state=statements.DueStatus.OWING.value,
            to_state=statements.DueStatus.PAID.value,
            at=now,
        )
    return line


def _tell_member(session: Session, payment: FeePayment, line: statements.DueLine, key: str) -> None:
    args = {
        "member": Name.of(line.member),
        "amount": statements.amount_of(payment),
        "paid_on": payment.paid_on,
        "start": line.period.starts_on,
        "end": line.period.ends_on,
    }
    if rules.is_settled(line.balance):
        args["balance"] = message(PAID_IN_FULL)
    else:
        args["balance"] = message(STILL_OWED, balance=line.balance)
    for chat_id in representation.representatives(session, payment.member_id):
        outbox.notify(session, chat_id=chat_id, key=key, args=args)


def confirm_payment(session: Session, payment_id: int, user: User, *, now: datetime) -> FeePayment:
    """The Secretariat confirms a report: it counts now; a second tap changes nothing."""
    payment = lock(session, payment_id)
    _step(session, payment, PaymentEvent.CONFIRM, user, now=now)
    payment.decided_by, payment.decided_at = user.id, now
    _resolve(
        session,
        payment,
        user,
        "confirm",
        CONFIRMED_BY,
        now,
        amount=statements.amount_of(payment),
    )
    due = periods.lock_due(session, payment.due_id)
    line = _settle(session, due, now=now)
    _tell_member(session, payment, line, CONFIRMED_TO_MEMBER)
    voting_rights.restore_if_paid_up(session, due.member_id, now=now)
    return payment


def dispute_payment(
    session: Session, payment_id: int, user: User, reason: str, *, now: datetime
) -> FeePayment:
    """The Secretariat disputes a report; the reason goes back to the member."""
    payment = lock(session, payment_id)
    _step(session, payment, PaymentEvent.DISPUTE, user, now=now, reason=reason)
    payment.decided_by, payment.decided_at = user.id, now
    payment.dispute_reason = reason
    _resolve(session, payment, user, "dispute", DISPUTED_BY, now, reason=reason)
    member = session.get(Member, payment.member_id)
    assert member is not None
    for chat_id in representation.representatives(session, payment.member_id):
        outbox.notify(
            session,
            chat_id=chat_id,
            key=DISPUTED_TO_MEMBER,
            args={
                "member": Name.of(member),
                "amount": statements.amount_of(payment),
                "paid_on": payment.paid_on,
                "reference": payment.reference,
                "reason": reason,
            },
            buttons=[
                [
                    CorrectionButton(payment.id or 0, Fix.CORRECT),
                    CorrectionButton(payment.id or 0, Fix.CANCEL),
                ]
            ],
        )
    return payment


def cancel_payment(session: Session, payment_id: int, user: User, *, now: datetime) -> FeePayment:
    """The member takes back a report made in error, before or after a dispute."""
    payment = lock(session, payment_id)
    _step(session, payment, PaymentEvent.CANCEL, user, now=now)
    _resolve(session, payment, user, "cancel", WITHDRAWN_BY_MEMBER, now)
    return payment


def record_payment(
    session: Session, due_id: int, user: User, report: PaymentReport, *, now: datetime
) -> FeePayment:
    """The Secretariat records a payment it saw itself (a transfer on the bank statement):
    confirmed at once, without a member's report."""
    due = periods.lock_due(session, due_id)
    owner = representation.represents(session, user.id, due.member_id)
    FEE_PAYMENT.check(None, PaymentEvent.RECORD, people.actor_roles(session, user, owner=owner))
    payment = _create(session, due, user, report, PaymentEvent.RECORD, now=now)
    line = _settle(session, due, now=now)
    _tell_member(session, payment, line, RECORDED_TO_MEMBER)
    voting_rights.restore_if_paid_up(session, due.member_id, now=now)
    return payment


def waiting(session: Session) -> list[FeePayment]:
    """Reports waiting for the Secretariat's confirmation, oldest first."""
    return list(
        session.exec(
            select(FeePayment)
            .where(FeePayment.state == PaymentState.REPORTED.value)
            .order_by(FeePayment.reported_at)  # type: ignore[arg-type]
        )
    )


#: Notices by their stable names: their words and tags are in bot/notices.py.
REPORTED_HEADING = "payments.reported_heading"
CORRECTED_HEADING = "payments.corrected_heading"
PAYMENT_SUMMARY = "payments.payment_summary"
CORRECTED_SUMMARY = "payments.corrected_summary"
RECEIPT_CAPTION = "payments.receipt_caption"
CONFIRMED_BY = "payments.confirmed_by"
DISPUTED_BY = "payments.disputed_by"
WITHDRAWN_BY_MEMBER = "payments.withdrawn_by_member"
PAID_IN_FULL = "payments.paid_in_full"
STILL_OWED = "payments.still_owed"
CONFIRMED_TO_MEMBER = "payments.confirmed_to_member"
RECORDED_TO_MEMBER = "payments.recorded_to_member"
DISPUTED_TO_MEMBER = "payments.disputed_to_member"
