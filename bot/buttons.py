"""The buttons notifications carry: their words and their callback data.

A workflow asks for a button as a fact (``periods.PayButton(due_id=7)``, see
``workflows/platform/buttons.py``). Here each fact gets its label, in the reader's
language, and the typed callback that the conversation handling the press unpacks:
the callbacks below are those presses, defined once, next to the facts they answer.
Their prefixes and field order are the bytes of buttons already sent: they never change.

Rows of the outbox written before buttons were facts hold a label key and callback
data (``{"key": msgid, "data": "feepay:7"}``); :func:`keyboard` shows them as they are.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from bot.callbacks import Callback
from bot.chat import Button, Keyboard
from bot.i18n import N_, Text
from workflows.charter.meetings import Choice, Rsvp
from workflows.fees import payments, periods
from workflows.meetings import amendments, attendance, sessions, tallies
from workflows.membership import applications, honorary, suspensions, withdrawals
from workflows.membership.honorary import Capacity, Verdict
from workflows.outreach import broadcasts
from workflows.platform import buttons as facts

__all__ = [
    "AnswerQuestion",
    "BallotAgain",
    "BallotConfirm",
    "BallotPick",
    "CheckIn",
    "Decision",
    "DelegationAnswer",
    "FixPayment",
    "GroupVote",
    "History",
    "HonoraryDecision",
    "PayFee",
    "PaymentDecision",
    "ReportCsv",
    "RsvpPress",
    "Support",
    "SuspensionDecision",
    "WithdrawalDecision",
    "keyboard",
    "pressed",
]

# --- Fees ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayFee(Callback, prefix="feepay"):
    """The "Report a payment" button under a notice or a reminder: the due it is for."""

    due_id: int


@dataclass(frozen=True)
class PaymentDecision(Callback, prefix="feedec"):
    payment_id: int
    action: payments.Verdict


@dataclass(frozen=True)
class FixPayment(Callback, prefix="feefix"):
    """Under a dispute: correct the report, or withdraw it."""

    payment_id: int
    action: payments.Fix


REPORT_LABEL = N_("Report a payment")
VERDICT_LABELS = {payments.Verdict.CONFIRM: N_("Confirm"), payments.Verdict.DISPUTE: N_("Dispute")}
FIX_LABELS = {
    payments.Fix.CORRECT: N_("Correct the report"),
    payments.Fix.CANCEL: N_("Withdraw the report"),
}

# --- Membership ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision(Callback, prefix="app"):
    application_id: int
    action: applications.Action


@dataclass(frozen=True)
class AnswerQuestion(Callback, prefix="answer"):
    application_id: int


@dataclass(frozen=True)
class History(Callback, prefix="ahist"):
    application_id: int


@dataclass(frozen=True)
class HonoraryDecision(Callback, prefix="hon"):
    nomination_id: int
    capacity: Capacity
    verdict: Verdict


@dataclass(frozen=True)
class WithdrawalDecision(Callback, prefix="wdr"):
    request_id: int
    action: withdrawals.Action


@dataclass(frozen=True)
class SuspensionDecision(Callback, prefix="sus"):
    case_id: int
    action: suspensions.Action


APPLICATION_LABELS = {
    applications.Action.FORWARD: N_("Forward to the Secretary-General"),
    applications.Action.ASK: N_("Ask the applicant"),
    applications.Action.REJECT: N_("Reject"),
    applications.Action.ADMIT: N_("Admit"),
}
ANSWER_LABEL = N_("Answer")
SAME_CITY_LINK = N_("Open the application of the same city")
HONORARY_LABELS = {Verdict.CONFIRM: N_("Confirm"), Verdict.DECLINE: N_("Decline the nomination")}
WITHDRAWAL_LABELS = {
    withdrawals.Action.ACKNOWLEDGE: N_("Acknowledge receipt"),
    withdrawals.Action.ACCEPT: N_("Accept the withdrawal"),
    withdrawals.Action.REFUSE: N_("Refuse the withdrawal"),
    withdrawals.Action.CANCEL: N_("Cancel the withdrawal request"),
}
SUSPENSION_LABELS = {
    suspensions.Action.SUSPEND: N_("Suspend the member"),
    suspensions.Action.REJECT: N_("Reject the proposal"),
    suspensions.Action.LIFT: N_("Lift the suspension"),
    suspensions.Action.KEEP: N_("Keep suspended"),
}

# --- Meetings -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RsvpPress(Callback, prefix="rsvp"):
    meeting_id: int
    invitation_id: int
    answer: Rsvp


@dataclass(frozen=True)
class DelegationAnswer(Callback, prefix="dlg"):
    delegation_id: int
    answer: str


@dataclass(frozen=True)
class CheckIn(Callback, prefix="chk"):
    meeting_id: int
    member_id: int


@dataclass(frozen=True)
class BallotPick(Callback, prefix="bal"):
    motion_id: int
    member_id: int
    choice: Choice


@dataclass(frozen=True)
class BallotConfirm(Callback, prefix="cast"):
    motion_id: int
    member_id: int
    choice: Choice


@dataclass(frozen=True)
class BallotAgain(Callback, prefix="again"):
    motion_id: int
    member_id: int


@dataclass(frozen=True)
class GroupVote(Callback, prefix="gv"):
    motion_id: int
    choice: Choice


@dataclass(frozen=True)
class Support(Callback, prefix="sup"):
    motion_id: int
    member_id: int


RSVP_LABELS = {
    Rsvp.ATTEND: N_("Attend"),
    Rsvp.DELEGATE: N_("Send a delegate"),
    Rsvp.DECLINE: N_("Decline"),
}
CHECK_IN_LABEL = N_("Check in")
#: A delegate's answer: its label and the word its callback carries.
DELEGATION_ANSWERS = {True: (N_("Accept"), "yes"), False: (N_("Refuse"), "no")}
CONFIRM_LABEL = N_("Confirm")
CHANGE_LABEL = N_("Choose again")
CHANGE_VOTE = N_("Change my vote")
SUPPORT_LABEL = N_("Support")

# --- Outreach -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportCsv(Callback, prefix="bcsv"):
    broadcast_id: int


REPORT_BUTTON = N_("CSV of those not reached")


# --- From facts to buttons ----------------------------------------------------------------


def pressed(fact: facts.Button) -> tuple[str, Callback]:
    """The label key of a workflow's button and the callback its press carries."""
    match fact:
        case periods.PayButton():
            return REPORT_LABEL, PayFee(fact.due_id)
        case payments.DecisionButton():
            return VERDICT_LABELS[fact.verdict], PaymentDecision(fact.payment_id, fact.verdict)
        case payments.CorrectionButton():
            return FIX_LABELS[fact.action], FixPayment(fact.payment_id, fact.action)
        case applications.DecisionButton():
            label = APPLICATION_LABELS[fact.action]
            return label, Decision(fact.application_id, fact.action)
        case applications.AnswerButton():
            return ANSWER_LABEL, AnswerQuestion(fact.application_id)
        case applications.HistoryButton():
            return SAME_CITY_LINK, History(fact.application_id)
        case honorary.DecisionButton():
            label = HONORARY_LABELS[fact.verdict]
            return label, HonoraryDecision(fact.nomination_id, fact.capacity, fact.verdict)
        case withdrawals.DecisionButton():
            label = WITHDRAWAL_LABELS[fact.action]
            return label, WithdrawalDecision(fact.request_id, fact.action)
        case suspensions.DecisionButton():
            return SUSPENSION_LABELS[fact.action], SuspensionDecision(fact.case_id, fact.action)
        case sessions.RsvpButton():
            label = RSVP_LABELS[fact.answer]
            return label, RsvpPress(fact.meeting_id, fact.invitation_id, fact.answer)
        case sessions.CheckInButton():
            return CHECK_IN_LABEL, CheckIn(fact.meeting_id, fact.member_id)
        case attendance.DelegationButton():
            label, word = DELEGATION_ANSWERS[fact.accept]
            return label, DelegationAnswer(fact.delegation_id, word)
        case tallies.PickButton():
            label = tallies.LABELS[fact.choice]
            return label, BallotPick(fact.motion_id, fact.member_id, fact.choice)
        case tallies.CastButton():
            return CONFIRM_LABEL, BallotConfirm(fact.motion_id, fact.member_id, fact.choice)
        case tallies.PickAgainButton():
            return CHANGE_LABEL, BallotAgain(fact.motion_id, fact.member_id)
        case tallies.ChangeVoteButton():
            return CHANGE_VOTE, BallotAgain(fact.motion_id, fact.member_id)
        case tallies.GroupVoteButton():
            return tallies.LABELS[fact.choice], GroupVote(fact.motion_id, fact.choice)
        case amendments.SupportButton():
            return SUPPORT_LABEL, Support(fact.motion_id, fact.member_id)
        case broadcasts.ReportButton():
            return REPORT_BUTTON, ReportCsv(fact.broadcast_id)
    raise TypeError(f"no button for {fact!r}")


def button(t: Text, cell: facts.Cell) -> Button:
    """One button in the reader's language: a fact, or a cell of an older row."""
    fact = cell if isinstance(cell, facts.Button) else facts.decode(cell)
    if fact is None:
        assert not isinstance(cell, facts.Button)
        return Button(t.key(cell["key"]) if "key" in cell else cell["text"], cell["data"])
    label, callback = pressed(fact)
    return Button(t.key(label), callback.pack())


def keyboard(t: Text, rows: Sequence[Sequence[facts.Cell]]) -> Keyboard:
    return [[button(t, cell) for cell in row] for row in rows]
