"""Fees for the Secretariat (Art. 11, 18, 25): the overview, lists and their CSV export,
confirming or disputing reports, recording payments, and voting rights by hand.

Who may press is decided from the database for every press; the workflows check
again with the charter's machines. Reasons are typed in the private chat, even
when the button was pressed in the Secretariat's group.
"""

import enum
from dataclasses import dataclass
from typing import ClassVar

from bot.buttons import PaymentDecision, keyboard
from bot.callbacks import Callback
from bot.chat import Button, Document, Keyboard, Reply
from bot.conversations import steps
from bot.conversations.fees import fee_forms, fee_periods
from bot.conversations.fees.dues import STATUS_NAMES
from bot.conversations.fees.fee_forms import Typing, policy_text
from bot.conversations.fees.payment_form import Mode, start_form
from bot.conversations.forms import clean_line
from bot.conversations.start import Item, opens
from bot.engine import FlowState, Router, Turn
from bot.i18n import Html, Text
from models import FeeDue, FeePayment, FeePeriod, Member
from workflows.charter.errors import NotAllowed
from workflows.charter.machines import FEE_PAYMENT, PaymentEvent
from workflows.charter.membership import VotingRight
from workflows.charter.roles import STAFF
from workflows.fees import payments, periods, statements, voting_rights
from workflows.fees.payments import Verdict
from workflows.membership import representation
from workflows.platform import people
from workflows.platform.values import Name

router = Router("fees_admin")
DISPUTE_FLOW = "fee_dispute"
VOTE_FLOW = "fee_vote"
#: Lines of a list shown in chat; the CSV export has them all.
LIST_LINES = 40


class Action(enum.StrEnum):
    HOME = "home"
    OPEN = "open"
    CSV = "csv"
    RECORD = "record"
    SUSPEND = "suspend"
    RESTORE = "restore"


@dataclass(frozen=True)
class FeeAdmin(Callback, prefix="fadm"):
    action: Action


@dataclass(frozen=True)
class FeeList(Callback, prefix="flist"):
    period_id: int
    status: statements.DueStatus


@dataclass(frozen=True)
class OpenPayment(Callback, prefix="fpay"):
    payment_id: int


@dataclass(frozen=True)
class RecordFor(Callback, prefix="frec"):
    due_id: int


class Right(enum.StrEnum):
    SUSPEND = "suspend"
    RESTORE = "restore"


@dataclass(frozen=True)
class VoteRight(Callback, prefix="fvote"):
    member_id: int
    action: Right


class DisputeReason(FlowState):
    """Why a reported payment cannot be confirmed, being typed privately."""

    FLOW: ClassVar[str] = DISPUTE_FLOW
    step: Typing = Typing.TEXT
    payment: int


class CouncilDecision(FlowState):
    """The Council's decision on a member's voting right, being typed privately."""

    FLOW: ClassVar[str] = VOTE_FLOW
    step: Typing = Typing.TEXT
    member: int
    action: Right


def require_staff(turn: Turn) -> None:
    if not turn.roles & STAFF:
        raise NotAllowed("fees are kept by the Secretariat", reason="role_not_allowed")


# --- The overview ------------------------------------------------------------------------------


@router.command("fees")
def fees_home(turn: Turn) -> None:
    require_staff(turn)
    t = turn.t
    today = turn.uow.clock.now().date()
    period = periods.current_period(turn.session, today)
    if period is None:
        turn.say(
            t._("<b>Fees and payments</b>\n\nNo fee period is recorded yet."),
            [[Button(t._("Open a fee period"), FeeAdmin(Action.OPEN).pack())]],
        )
        return
    lines = statements.roster(turn.session, period.id or 0, today=today)
    counts = {
        status: sum(1 for line in lines if line.status is status) for status in statements.DueStatus
    }
    waiting = len(payments.waiting(turn.session))
    text = "\n".join(
        [
            t._("<b>Fees and payments</b>"),
            "",
            period_summary(t, period),
            t._("Voting rights are suspended: {policy}.", policy=Html(policy_text(turn))),
            "",
            t._(
                "Paid: {paid} · Reported: {reported} · Overdue: {overdue} · Not yet due: {owing}",
                paid=counts[statements.DueStatus.PAID],
                reported=counts[statements.DueStatus.REPORTED],
                overdue=counts[statements.DueStatus.OVERDUE],
                owing=counts[statements.DueStatus.OWING],
            ),
            t.n_(
                "{count} report waits for confirmation.",
                "{count} reports wait for confirmation.",
                waiting,
            ),
        ]
    )
    pid = period.id or 0
    rows: Keyboard = [
        [
            Button(t._("Paid"), FeeList(pid, statements.DueStatus.PAID).pack()),
            Button(t._("Reported"), FeeList(pid, statements.DueStatus.REPORTED).pack()),
        ],
        [
            Button(t._("Overdue"), FeeList(pid, statements.DueStatus.OVERDUE).pack()),
            Button(t._("Not yet due"), FeeList(pid, statements.DueStatus.OWING).pack()),
        ],
        [Button(t._("Export as CSV"), FeeAdmin(Action.CSV).pack())],
        [Button(t._("Record a payment"), FeeAdmin(Action.RECORD).pack())],
        [
            Button(t._("Suspend a voting right"), FeeAdmin(Action.SUSPEND).pack()),
            Button(t._("Restore a voting right"), FeeAdmin(Action.RESTORE).pack()),
        ],
        [Button(t._("Open a fee period"), FeeAdmin(Action.OPEN).pack())],
    ]
    turn.say(Html(text), rows)


def period_summary(t: Text, period: FeePeriod) -> str:
    return t._(
        "Fee period {start} – {end}: <b>{fee}</b>, due by {due}; grace period {grace} days.",
        start=period.starts_on,
        end=period.ends_on,
        fee=statements.fee_of(period),
        due=period.due_on,
        grace=period.grace_days,
    )


@router.button(FeeAdmin)
def fee_admin(turn: Turn, press: FeeAdmin) -> None:
    require_staff(turn)
    if press.action is Action.HOME:
        fees_home(turn)
    elif press.action is Action.OPEN:
        fee_periods.start(turn)
    elif press.action is Action.CSV:
        export(turn)
    elif press.action is Action.RECORD:
        choose_due_to_record(turn)
    else:
        choose_member(turn, Right(press.action.value))


# --- Lists and the CSV export -------------------------------------------------------------------


@router.button(FeeList)
def show_list(turn: Turn, press: FeeList) -> None:
    require_staff(turn)
    t = turn.t
    period = turn.session.get(FeePeriod, press.period_id)
    if period is None:
        raise NotAllowed("no such period", reason="not_found")
    today = turn.uow.clock.now().date()
    lines = [
        line
        for line in statements.roster(turn.session, press.period_id, today=today)
        if line.status is press.status
    ]
    title = t._(
        "<b>{status}</b> — fee {start} – {end}",
        status=Html(t._(STATUS_NAMES[press.status])),
        start=period.starts_on,
        end=period.ends_on,
    )
    if not lines:
        turn.say(Html(title + "\n\n" + t._("No member is in this list.")))
        return
    text = [title, ""]
    for number, line in enumerate(lines[:LIST_LINES], start=1):
        text.append(
            t._(
                "{number}. {member} ({member_ar}): paid {paid}, owes {balance}",
                number=str(number),
                member=line.member.name_en,
                member_ar=line.member.name_ar,
                paid=line.confirmed,
                balance=line.balance,
            )
        )
    if len(lines) > LIST_LINES:
        text.append(
            t._("… and {count} more: the CSV export has them all.", count=len(lines) - LIST_LINES)
        )
    rows: Keyboard = []
    if press.status is statements.DueStatus.REPORTED:
        waiting = [p for line in lines for p in line.payments if p.state == "reported"]
        rows = [
            [
                Button(
                    t._(
                        "No. {number}: {member}, {amount}",
                        number=str(p.id),
                        member=member_name(turn, p.member_id),
                        amount=statements.amount_of(p),
                    ),
                    OpenPayment(p.id or 0).pack(),
                )
            ]
            for p in waiting[:10]
        ]
    turn.say(Html("\n".join(text)), rows)


def member_name(turn: Turn, member_id: int) -> str:
    member = turn.session.get(Member, member_id)
    return member.name_en if member else "—"


def export(turn: Turn) -> None:
    t = turn.t
    today = turn.uow.clock.now().date()
    period = periods.current_period(turn.session, today)
    if period is None:
        turn.say(t._("No fee period is recorded yet."))
        return
    header = [
        t._("Member (English)"),
        t._("Member (Arabic)"),
        t._("Country"),
        t._("Currency"),
        t._("Fee"),
        t._("Confirmed"),
        t._("Reported, not yet confirmed"),
        t._("Balance"),
        t._("Status"),
        t._("Last payment"),
        t._("Voting right"),
    ]
    rows = []
    for line in statements.roster(turn.session, period.id or 0, today=today):
        dates = [p.paid_on for p in line.payments if p.state in ("confirmed", "reported")]
        rows.append(
            [
                line.member.name_en,
                line.member.name_ar,
                t.country(line.member.country) if line.member.country else "",
                line.due.currency,
                str(statements.amount_of(line.due).amount),
                str(line.confirmed.amount),
                str(line.reported.amount),
                str(line.balance.amount),
                t._(STATUS_NAMES[line.status]),
                max(dates).isoformat() if dates else "",
                t._("may vote")
                if line.member.voting_right == VotingRight.ACTIVE.value
                else t._("suspended for unpaid fees"),
            ]
        )
    name = f"fees-{period.starts_on.year}-{period.ends_on.year}.csv"
    turn.out.append(
        Reply(
            text=t._(
                "Fees {start} – {end}, as of {today}.",
                start=period.starts_on,
                end=period.ends_on,
                today=today,
            ),
            document=Document(name, statements.to_csv(header, rows), "text/csv"),
        )
    )


# --- Confirming and disputing reports --------------------------------------------------------------


def load_payment(turn: Turn, payment_id: int) -> FeePayment:
    payment = turn.session.get(FeePayment, payment_id)
    if payment is None:
        raise NotAllowed("no such payment", reason="not_found")
    return payment


@router.button(PaymentDecision)
def decide(turn: Turn, press: PaymentDecision) -> None:
    payment = load_payment(turn, press.payment_id)
    event = PaymentEvent.CONFIRM if press.action is Verdict.CONFIRM else PaymentEvent.DISPUTE
    owner = representation.represents(turn.session, turn.user.id, payment.member_id)
    roles = people.actor_roles(turn.session, turn.user, owner=owner)
    FEE_PAYMENT.check(payment.state, event, roles, subject=payment.id)
    t = turn.t
    if press.action is Verdict.CONFIRM:
        payments.confirm_payment(turn.session, payment.id or 0, turn.user, now=turn.uow.clock.now())
        turn.toast(t._("Confirmed. The member is told."))
        return
    fee_forms.privately(
        turn,
        DisputeReason(payment=payment.id or 0),
        t._(
            "Type why fee payment No. {number} cannot be confirmed; the member will read it "
            "and can send a corrected report.",
            number=str(payment.id),
        ),
    )


@router.flow(DISPUTE_FLOW)
def typed_dispute(turn: Turn) -> None:
    reason = typed_reason(turn, DISPUTE_FLOW)
    state = turn.state(DisputeReason)
    if reason is None or state is None:
        return
    turn.finish()
    payments.dispute_payment(
        turn.session, state.payment, turn.user, reason, now=turn.uow.clock.now()
    )
    turn.say(turn.t._("The payment is disputed; the member is told why."))


def typed_reason(turn: Turn, flow: str) -> str | None:
    value = clean_line(turn.event.text, minimum=2, maximum=1000)
    if value is None:
        turn.say(
            turn.t._("Please type between 2 and {maximum} characters.", maximum=1000),
            steps.with_nav(turn, flow, back=False),
        )
    return value


steps.navigates(DISPUTE_FLOW)(steps.cancel_typing)


@router.button(OpenPayment)
def open_payment(turn: Turn, press: OpenPayment) -> None:
    require_staff(turn)
    payment = load_payment(turn, press.payment_id)
    text = payments.summary(turn.session, payment, heading=payments.REPORTED_HEADING)
    buttons = keyboard(turn.t, payments.decision_buttons(payment.id or 0))
    turn.say(turn.t.key(text.key, **text.args), buttons)


# --- Recording a payment ----------------------------------------------------------------------------


def choose_due_to_record(turn: Turn) -> None:
    t = turn.t
    today = turn.uow.clock.now().date()
    period = periods.current_period(turn.session, today)
    lines = (
        [
            line
            for line in statements.roster(turn.session, period.id or 0, today=today)
            if line.status is not statements.DueStatus.PAID
        ]
        if period
        else []
    )
    if not lines:
        turn.say(t._("No member owes anything in the current fee period."))
        return
    rows: Keyboard = [
        [
            Button(
                t._("{member}: owes {balance}", member=Name.of(line.member), balance=line.balance),
                RecordFor(line.due.id or 0).pack(),
            )
        ]
        for line in lines[:LIST_LINES]
    ]
    turn.say(t._("Whose payment do you record?"), rows)


@router.button(RecordFor)
def record_for(turn: Turn, press: RecordFor) -> None:
    require_staff(turn)
    due = turn.session.get(FeeDue, press.due_id)
    if due is None:
        raise NotAllowed("no such due", reason="not_found")
    if turn.event.chat_id != turn.user.id:
        turn.toast(turn.t._("Please record payments in our private chat."), alert=True)
        return
    start_form(turn, due, Mode.RECORD)


# --- Voting rights by hand (Art. 25) ---------------------------------------------------------------


def choose_member(turn: Turn, action: Right) -> None:
    t = turn.t
    wanted = VotingRight.ACTIVE if action is Right.SUSPEND else VotingRight.SUSPENDED_FOR_FEES
    members = [m for m in periods.full_members(turn.session) if m.voting_right == wanted.value]
    if not members:
        turn.say(
            t._("No full member has an active voting right.")
            if action is Right.SUSPEND
            else t._("No member's voting right is suspended.")
        )
        return
    rows: Keyboard = [
        [Button(f"{m.name_en} — {m.name_ar}", VoteRight(m.id or 0, action).pack())]
        for m in members[:LIST_LINES]
    ]
    turn.say(
        t._("Whose voting right does the Council suspend?")
        if action is Right.SUSPEND
        else t._("Whose voting right does the Council restore?"),
        rows,
    )


@router.button(VoteRight)
def vote_right(turn: Turn, press: VoteRight) -> None:
    require_staff(turn)
    member = turn.session.get(Member, press.member_id)
    if member is None:
        raise NotAllowed("no such member", reason="not_found")
    t = turn.t
    question = (
        t._(
            "Type the Council's decision to suspend the voting right of {member}: its "
            "reference and reason. The member will read it.",
            member=Name.of(member),
        )
        if press.action is Right.SUSPEND
        else t._(
            "Type the Council's decision to restore the voting right of {member}: its "
            "reference and reason. The member will read it.",
            member=Name.of(member),
        )
    )
    fee_forms.privately(turn, CouncilDecision(member=member.id or 0, action=press.action), question)


@router.flow(VOTE_FLOW)
def typed_vote_reason(turn: Turn) -> None:
    reason = typed_reason(turn, VOTE_FLOW)
    state = turn.state(CouncilDecision)
    if reason is None or state is None:
        return
    turn.finish()
    member_id, action = state.member, state.action
    now = turn.uow.clock.now()
    name = member_name(turn, member_id)
    if action is Right.SUSPEND:
        voting_rights.suspend(
            turn.session,
            member_id,
            turn.user,
            reason=reason,
            period_id=voting_rights.oldest_unpaid_period(turn.session, member_id, today=now.date()),
            now=now,
        )
        turn.say(
            turn.t._("The voting right of {member} is suspended; the member is told.", member=name)
        )
    else:
        voting_rights.restore(turn.session, member_id, turn.user, reason=reason, now=now)
        turn.say(
            turn.t._("The voting right of {member} is restored; the member is told.", member=name)
        )


steps.navigates(VOTE_FLOW)(steps.cancel_typing)
opens(Item.FEES, fees_home)
