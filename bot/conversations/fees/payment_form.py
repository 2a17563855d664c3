"""The payment form (Art. 18): amount, date paid, bank reference, receipt, review.

A representative reports what the member paid, or answers a dispute with a
corrected report; the Secretariat records a payment it saw itself
(``Mode.RECORD``, where the receipt is optional). The answers live in the
conversation row as a :class:`PaymentForm`, so a restart or a mistake loses nothing;
every step has Back and Cancel, and the review shows everything before it is sent.
"""

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel

from bot.callbacks import Callback
from bot.chat import Button, Keyboard
from bot.conversations import steps
from bot.conversations.dates import parse_day
from bot.conversations.fees import fee_forms
from bot.conversations.fees.fee_forms import date_hint
from bot.conversations.forms import ASKED_AGAIN, Nav, clean_line
from bot.conversations.steps import with_nav
from bot.engine import FlowState, Router, Turn
from bot.i18n import Html
from models import FeeDue, FeePayment
from workflows.charter.money import Money
from workflows.fees import payments, statements
from workflows.fees.payments import PaymentReport, Receipt
from workflows.platform.values import Name

router = Router("payment_form")
FLOW = "pay"


class Mode(enum.StrEnum):
    REPORT = "report"
    CORRECT = "correct"
    RECORD = "record"


class Step(enum.StrEnum):
    AMOUNT = "amount"
    DATE = "date"
    REFERENCE = "reference"
    RECEIPT = "receipt"
    REVIEW = "review"


ORDER = list(Step)


class Choice(enum.StrEnum):
    WHOLE = "whole"
    TODAY = "today"
    YESTERDAY = "yesterday"
    KEEP = "keep"
    NONE = "none"
    SEND = "send"


@dataclass(frozen=True)
class PayChoice(Callback, prefix="payc"):
    choice: Choice


class ReceiptSent(BaseModel):
    """The receipt's file as Telegram gave it."""

    file_id: str
    kind: str
    name: str | None = None
    mime: str | None = None
    size: int | None = None


class PaymentForm(FlowState):
    """The answers so far: for which due, in which mode, and what was typed."""

    FLOW: ClassVar[str] = FLOW
    step: Step
    mode: Mode
    due: int
    #: The disputed report a correction answers.
    payment: int | None = None
    amount: Decimal | None = None
    paid_on: date | None = None
    reference: str | None = None
    #: None until sent, and when the earlier receipt is kept or none is recorded.
    receipt: ReceiptSent | None = None

    def report(self) -> PaymentReport:
        assert self.amount is not None and self.paid_on is not None
        assert self.reference is not None
        stored = self.receipt
        return PaymentReport(
            amount=self.amount,
            paid_on=self.paid_on,
            reference=self.reference,
            receipt=Receipt(
                file_id=stored.file_id,
                kind=stored.kind,
                name=stored.name,
                mime=stored.mime,
                size=stored.size,
            )
            if stored
            else None,
        )


def money(amount: Decimal | None, currency: str) -> Money:
    assert amount is not None
    return Money(amount, currency)


def start_form(turn: Turn, due: FeeDue, mode: Mode, *, payment: FeePayment | None = None) -> None:
    """Begin the payment form for ``due``; a correction starts from the disputed report."""
    state = PaymentForm(step=Step.AMOUNT, mode=mode, due=due.id or 0)
    if payment is not None:
        state.payment = payment.id
        state.amount = statements.amount_of(payment).amount
        state.paid_on = payment.paid_on
        state.reference = payment.reference
    turn.start(state)
    ask(turn, Step.AMOUNT)


@dataclass
class Form:
    """The answers, with the due they are for and where it stands today."""

    state: PaymentForm
    due: FeeDue
    line: statements.DueLine

    @property
    def mode(self) -> Mode:
        return self.state.mode

    @property
    def step(self) -> Step:
        return self.state.step

    @property
    def currency(self) -> str:
        return self.due.currency


def current(turn: Turn) -> Form | None:
    state = turn.state(PaymentForm)
    if state is None:
        turn.say(turn.t._("This form is closed. Send /pay to report a payment."))
        return None
    due = turn.session.get(FeeDue, state.due)
    if due is None:
        turn.finish()
        turn.say(turn.t._("This form is closed. Send /pay to report a payment."))
        return None
    line = statements.line_of(turn.session, due, today=turn.uow.clock.now().date())
    return Form(state, due, line)


def heading(turn: Turn, form: Form) -> str:
    t = turn.t
    args = {
        "member": Name.of(form.line.member),
        "start": form.line.period.starts_on,
        "end": form.line.period.ends_on,
        "fee": statements.amount_of(form.due),
        "balance": form.line.balance,
    }
    if form.mode is Mode.RECORD:
        return t._(
            "<b>Recording a payment — {member}</b>\nFee {start} – {end}: {fee}; owed: {balance}.",
            **args,
        )
    if form.mode is Mode.CORRECT:
        return t._(
            "<b>Correcting the report — {member}</b>\nFee {start} – {end}: {fee}; owed: {balance}.",
            **args,
        )
    return t._(
        "<b>Reporting a payment — {member}</b>\nFee {start} – {end}: {fee}; owed: {balance}.",
        **args,
    )


def ask(turn: Turn, step: Step) -> None:
    form = current(turn)
    if form is None:
        return
    form.state.step = step
    turn.save(form.state)
    t = turn.t
    rows: Keyboard = []
    if step is Step.AMOUNT:
        question = t._(
            "How much was paid, in {currency}? Type the amount, for example 1500 or 1,500.00. "
            "A partial payment is fine.",
            currency=form.currency,
        )
        if form.line.balance.amount > 0:
            rows = [
                [
                    Button(
                        t._("The whole balance: {balance}", balance=form.line.balance),
                        PayChoice(Choice.WHOLE).pack(),
                    )
                ]
            ]
    elif step is Step.DATE:
        question = (
            t._("On which date was it paid?") + "\n" + date_hint(turn, turn.uow.clock.now().date())
        )
        rows = [
            [
                Button(t._("Today"), PayChoice(Choice.TODAY).pack()),
                Button(t._("Yesterday"), PayChoice(Choice.YESTERDAY).pack()),
            ]
        ]
    elif step is Step.REFERENCE:
        question = t._("Type the bank reference of the transfer, as the bank gave it.")
    elif step is Step.RECEIPT:
        question = t._(
            "Send the bank's receipt as a PDF document or a photo (JPEG or PNG, at most {size} MB).",
            size=f"{turn.uow.settings.letter_max_mb:g}",
        )
        if form.mode is Mode.CORRECT:
            rows = [[Button(t._("Keep the earlier receipt"), PayChoice(Choice.KEEP).pack())]]
        elif form.mode is Mode.RECORD:
            rows = [[Button(t._("No receipt"), PayChoice(Choice.NONE).pack())]]
    else:
        review(turn, form)
        return
    text = heading(turn, form) + "\n\n" + question if step is Step.AMOUNT else question
    turn.say(Html(text), with_nav(turn, FLOW, rows, back=step is not Step.AMOUNT))


def review(turn: Turn, form: Form) -> None:
    t = turn.t
    answers = form.state
    receipt = answers.receipt
    if receipt:
        receipt_text = receipt.name or t._("photo")
    elif form.mode is Mode.CORRECT:
        receipt_text = t._("the earlier receipt")
    else:
        receipt_text = "—"
    lines = [
        heading(turn, form),
        "",
        t._("Amount paid: <b>{amount}</b>", amount=money(answers.amount, form.currency)),
        t._("Paid on: {paid_on}", paid_on=answers.paid_on),
        t._("Bank reference: {reference}", reference=answers.reference),
        t._("Receipt: {receipt}", receipt=receipt_text),
        "",
        t._("Please check, then send. Back changes an answer."),
    ]
    label = {
        Mode.REPORT: t._("Send the report"),
        Mode.CORRECT: t._("Send the corrected report"),
        Mode.RECORD: t._("Record the payment"),
    }[form.mode]
    turn.say(
        Html("\n".join(lines)),
        with_nav(turn, FLOW, [[Button(label, PayChoice(Choice.SEND).pack())]]),
    )


def next_step(turn: Turn, form: Form) -> None:
    """Keep the answer given at ``form``'s step and ask the next question."""
    turn.save(form.state)
    ask(turn, ORDER[ORDER.index(form.step) + 1])


@router.button(PayChoice)
def pay_choice(turn: Turn, press: PayChoice) -> None:
    form = current(turn)
    if form is None:
        return
    today = turn.uow.clock.now().date()
    expected = {
        Choice.WHOLE: Step.AMOUNT,
        Choice.TODAY: Step.DATE,
        Choice.YESTERDAY: Step.DATE,
        Choice.KEEP: Step.RECEIPT,
        Choice.NONE: Step.RECEIPT,
        Choice.SEND: Step.REVIEW,
    }[press.choice]
    if form.step is not expected:
        turn.toast(turn.t._("This button belongs to another step of the form."), alert=True)
        return
    if press.choice is Choice.WHOLE:
        form.state.amount = form.line.balance.amount
    elif press.choice in (Choice.TODAY, Choice.YESTERDAY):
        form.state.paid_on = today if press.choice is Choice.TODAY else today - timedelta(days=1)
    elif press.choice in (Choice.KEEP, Choice.NONE):
        form.state.receipt = None
    else:
        submit(turn, form)
        return
    next_step(turn, form)


@router.flow(FLOW)
def typed(turn: Turn) -> None:
    form = current(turn)
    if form is None:
        return
    t = turn.t
    text = turn.event.text
    if form.step is Step.RECEIPT:
        problem = fee_forms.receipt_problem(turn)
        if problem is not None:
            turn.say(problem, with_nav(turn, FLOW))
            return
        file = turn.event.file
        assert file is not None
        form.state.receipt = ReceiptSent(
            file_id=file.file_id,
            kind=file.kind,
            name=file.file_name,
            mime=file.content_type or "image/jpeg",
            size=file.file_size,
        )
    elif form.step is Step.AMOUNT:
        amount = fee_forms.read_amount(
            turn, text, form.currency, payments.largest_payment(form.due)
        )
        if amount is None:
            return
        form.state.amount = amount
    elif form.step is Step.DATE:
        day = parse_day(text)
        today = turn.uow.clock.now().date()
        if day is None:
            turn.say(date_hint(turn, turn.uow.clock.now().date()), with_nav(turn, FLOW))
            return
        if day > today:
            turn.say(
                t._("The payment date cannot be in the future. Please type it again."),
                with_nav(turn, FLOW),
            )
            return
        if day < form.line.period.starts_on - timedelta(days=366):
            turn.say(
                t._("This date is long before the fee period. Please check it and type it again."),
                with_nav(turn, FLOW),
            )
            return
        form.state.paid_on = day
    elif form.step is Step.REFERENCE:
        reference = clean_line(text, minimum=2, maximum=100)
        if reference is None:
            turn.say(
                t._("Please type between 2 and {maximum} characters.", maximum=100),
                with_nav(turn, FLOW),
            )
            return
        form.state.reference = reference
    else:
        turn.say(t._(ASKED_AGAIN))
        ask(turn, form.step)
        return
    next_step(turn, form)


def submit(turn: Turn, form: Form) -> None:
    t = turn.t
    report = form.state.report()
    now, settings = turn.uow.clock.now(), turn.uow.settings
    amount = money(report.amount, form.currency)
    if form.mode is Mode.RECORD:
        payments.record_payment(turn.session, form.due.id or 0, turn.user, report, now=now)
        turn.finish()
        turn.say(
            t._(
                "Recorded: {amount} from {member}. The member is told.",
                amount=amount,
                member=Name.of(form.line.member),
            )
        )
        return
    if form.mode is Mode.CORRECT:
        payments.correct_payment(
            turn.session, form.state.payment or 0, turn.user, report, now=now, settings=settings
        )
    else:
        if report.receipt is None:
            ask(turn, Step.RECEIPT)
            return
        payments.report_payment(
            turn.session, form.due.id or 0, turn.user, report, now=now, settings=settings
        )
    turn.finish()
    turn.say(
        t._(
            "Thank you. The payment of {amount} is reported to the Secretariat, which will "
            "confirm it; you will be told. /statement shows the fee statement.",
            amount=amount,
        )
    )


@steps.navigates(FLOW)
def navigate(turn: Turn, action: Nav) -> None:
    """Back asks the question before; Cancel closes the form."""
    if action is Nav.CANCEL:
        steps.cancel_typing(turn, action)
        return
    form = current(turn)
    if form is not None:
        ask(turn, ORDER[max(0, ORDER.index(form.step) - 1)])
