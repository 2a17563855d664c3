"""Fees for a member's representative (Art. 18, 25): the statement, and where a payment
report starts: /pay, the button under a notice or reminder, and the answer to a
dispute. The form itself is :mod:`bot.conversations.fees.payment_form`.
"""

from dataclasses import dataclass
from datetime import date

from bot.buttons import REPORT_LABEL, FixPayment, PayFee
from bot.callbacks import Callback
from bot.chat import Button, Keyboard
from bot.conversations.fees.payment_form import Mode, start_form
from bot.conversations.start import Item, opens
from bot.engine import Router, Turn
from bot.i18n import Html
from models import FeeDue, FeePayment, Member
from workflows.charter.errors import IllegalTransition, NotAllowed
from workflows.charter.machines import PaymentState
from workflows.charter.membership import MemberCategory
from workflows.fees import payments, statements
from workflows.fees.payments import Fix
from workflows.membership import representation
from workflows.platform.values import N_, Name

router = Router("fees")


@dataclass(frozen=True)
class PayMenu(Callback, prefix="paymenu"):
    """The "Report a payment" button under a statement."""


STATUS_NAMES = {
    statements.DueStatus.PAID: N_("paid in full"),
    statements.DueStatus.REPORTED: N_("a payment awaits the Secretariat's confirmation"),
    statements.DueStatus.OVERDUE: N_("overdue"),
    statements.DueStatus.OWING: N_("not yet due"),
}
PAYMENT_STATES = {
    PaymentState.REPORTED: N_("awaiting confirmation"),
    PaymentState.CONFIRMED: N_("confirmed"),
    PaymentState.DISPUTED: N_("disputed"),
    PaymentState.CANCELLED: N_("withdrawn"),
}


# --- The statement --------------------------------------------------------------------


def my_members(turn: Turn) -> list[Member]:
    return representation.represented_by(turn.session, turn.user.id)


@router.command("statement")
def statement_command(turn: Turn) -> None:
    t = turn.t
    members = my_members(turn)
    if not members:
        turn.say(t._("The fee statement is for the representatives of members."))
        return
    today = turn.uow.clock.now().date()
    for member in members:
        turn.say(
            statement_text(turn, member, today),
            [[Button(t._(REPORT_LABEL), PayMenu().pack())]],
        )


def statement_text(turn: Turn, member: Member, today: date) -> str:
    t = turn.t
    lines = [
        t._(
            "<b>Fee statement — {name} ({name_ar})</b>", name=member.name_en, name_ar=member.name_ar
        )
    ]
    if member.category != MemberCategory.FULL.value:
        lines.append(
            t._(
                "Only full members pay the membership fee (Art. 18); {name} owes none.",
                name=Name.of(member),
            )
        )
        return Html("\n".join(lines))
    statement = statements.statement(turn.session, member.id or 0, today=today)
    if statement.suspension is not None:
        lines.append(
            t._(
                "Voting right: <b>suspended</b> since {when} (Art. 25). It is restored once "
                "the payment is confirmed.",
                when=statement.suspension.suspended_at.date(),
            )
        )
    else:
        lines.append(t._("Voting right: active."))
    if not statement.lines:
        lines += ["", t._("No membership fee has been charged yet.")]
    for line in statement.lines:
        lines += [
            "",
            t._(
                "<b>Biennium {start} – {end}</b>",
                start=line.period.starts_on,
                end=line.period.ends_on,
            ),
            t._(
                "Fee: {fee}, due by {due}",
                fee=statements.amount_of(line.due),
                due=line.period.due_on,
            ),
        ]
        for payment in line.payments:
            lines.append(
                t._(
                    "• {amount} paid on {paid_on}, reference {reference}: {state}",
                    amount=statements.amount_of(payment),
                    paid_on=payment.paid_on,
                    reference=payment.reference,
                    state=Html(t._(PAYMENT_STATES[PaymentState(payment.state)])),
                )
            )
        lines.append(
            t._(
                "Balance: <b>{balance}</b> — {status}",
                balance=line.balance,
                status=Html(t._(STATUS_NAMES[line.status])),
            )
        )
    lines.append("")
    if statement.owed:
        lines.append(
            t._(
                "<b>Total owed:</b> {amounts}",
                amounts=Html(", ".join(t.show(m) for m in statement.owed)),
            )
        )
    else:
        lines.append(t._("Nothing is owed. Thank you."))
    return Html("\n".join(lines))


# --- Starting a report ----------------------------------------------------------------------


def open_dues(turn: Turn) -> list[statements.DueLine]:
    today = turn.uow.clock.now().date()
    found = []
    for member in my_members(turn):
        for due in statements.dues_of(turn.session, member.id or 0):
            line = statements.line_of(turn.session, due, today=today)
            if line.status is not statements.DueStatus.PAID:
                found.append(line)
    return found


@router.command("pay")
def pay_command(turn: Turn) -> None:
    t = turn.t
    if not my_members(turn):
        turn.say(t._("Fee payments are reported by the representatives of full members."))
        return
    lines = open_dues(turn)
    if not lines:
        turn.say(t._("Nothing is owed at the moment. /statement shows the fee statement."))
        return
    if len(lines) == 1:
        start_form(turn, lines[0].due, Mode.REPORT)
        return
    rows: Keyboard = [
        [
            Button(
                t._(
                    "{member}, {start} – {end}: owes {balance}",
                    member=Name.of(line.member),
                    # A year is a name, not a quantity: no grouping ("2,026").
                    start=str(line.period.starts_on.year),
                    end=str(line.period.ends_on.year),
                    balance=line.balance,
                ),
                PayFee(line.due.id or 0).pack(),
            )
        ]
        for line in lines[:20]
    ]
    turn.say(t._("Which fee was the payment for?"), rows)


@router.button(PayMenu)
def pay_menu(turn: Turn, _: PayMenu) -> None:
    pay_command(turn)


@router.button(PayFee)
def pay_fee(turn: Turn, press: PayFee) -> None:
    due = turn.session.get(FeeDue, press.due_id)
    if due is None:
        raise NotAllowed("no such due", reason="not_found")
    if turn.user.id not in representation.representatives(turn.session, due.member_id):
        raise NotAllowed("only the member's representatives report", reason="not_owner")
    start_form(turn, due, Mode.REPORT)


@router.button(FixPayment)
def fix_payment(turn: Turn, press: FixPayment) -> None:
    payment = turn.session.get(FeePayment, press.payment_id)
    if payment is None:
        raise NotAllowed("no such payment", reason="not_found")
    if turn.user.id not in representation.representatives(turn.session, payment.member_id):
        raise NotAllowed("only the member's representatives correct", reason="not_owner")
    if press.action is Fix.CANCEL:
        payments.cancel_payment(turn.session, payment.id or 0, turn.user, now=turn.uow.clock.now())
        turn.say(turn.t._("The report was withdrawn. /pay reports a payment again."))
        return
    if payment.state != PaymentState.DISPUTED.value:
        raise IllegalTransition(machine="fee_payment", state=payment.state, event="correct")
    due = turn.session.get(FeeDue, payment.due_id)
    assert due is not None
    start_form(turn, due, Mode.CORRECT, payment=payment)


opens(Item.STATEMENT, statement_command)
opens(Item.PAYMENT, pay_command)
