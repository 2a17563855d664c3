"""The charter's processes as state machines: who may take which step, and when.

Each machine cites the articles it follows. Where the charter is silent
(reminders, lapses, corrections) the step is marked as our procedure, so a
reader can tell the charter's rule from the bot's housekeeping.

Parties (``Party.OWNER``, ``Party.SYSTEM``) are decided per record by the
workflow layer: OWNER is the applicant of an application, or a representative
of the member a withdrawal request, suspension or payment is about.
"""

from enum import StrEnum
from typing import Any

from workflows.charter.roles import STAFF, Actor, Party, Role
from workflows.charter.statemachine import StateMachine, Transition

OWNER: frozenset[Actor] = frozenset({Party.OWNER})
SYSTEM: frozenset[Actor] = frozenset({Party.SYSTEM})
SG: frozenset[Actor] = frozenset({Role.SECRETARY_GENERAL})
CHAIR: frozenset[Actor] = frozenset({Role.CHAIR})
# Screening by the Secretariat; the Secretary-General leads it (Art. 9).
SECRETARIAT: frozenset[Actor] = frozenset(STAFF)


# --- Membership application (Art. 19, 20) -----------------------------------


class ApplicationState(StrEnum):
    DRAFT = "draft"  # the guided form, resumable
    SUBMITTED = "submitted"  # Art. 19: the statement is with the General Secretariat
    AWAITING_INFO = "awaiting_info"
    FORWARDED = "forwarded"  # Art. 20: addressed to the Secretary-General
    ADMITTED = "admitted"
    REJECTED = "rejected"
    LAPSED = "lapsed"
    CANCELLED = "cancelled"


class ApplicationEvent(StrEnum):
    START = "start"
    SUBMIT = "submit"
    FORWARD = "forward"
    ASK = "ask"
    ANSWER = "answer"
    LAPSE = "lapse"
    ADMIT = "admit"
    REJECT = "reject"
    CANCEL = "cancel"


_A, _AE = ApplicationState, ApplicationEvent

APPLICATION: StateMachine[ApplicationState, ApplicationEvent] = StateMachine(
    name="application",
    states=ApplicationState,
    events=ApplicationEvent,
    transitions=[
        # Art. 19: mayors of cities, and persons for associate membership (Art. 14),
        # apply; anyone who opens the bot may start the form.
        Transition(None, _AE.START, _A.DRAFT, frozenset({Role.GUEST, Role.REPRESENTATIVE})),
        Transition(_A.DRAFT, _AE.SUBMIT, _A.SUBMITTED, OWNER),
        Transition(_A.DRAFT, _AE.CANCEL, _A.CANCELLED, OWNER),
        # Art. 19: the General Secretariat receives and screens the statement.
        Transition(_A.SUBMITTED, _AE.FORWARD, _A.FORWARDED, SECRETARIAT),
        Transition(_A.SUBMITTED, _AE.ASK, _A.AWAITING_INFO, SECRETARIAT),
        Transition(_A.SUBMITTED, _AE.REJECT, _A.REJECTED, SECRETARIAT),
        Transition(_A.SUBMITTED, _AE.CANCEL, _A.CANCELLED, OWNER),
        # Our procedure: the applicant answers, or the request lapses at its deadline.
        Transition(_A.AWAITING_INFO, _AE.ANSWER, _A.SUBMITTED, OWNER),
        Transition(_A.AWAITING_INFO, _AE.LAPSE, _A.LAPSED, SYSTEM),
        Transition(_A.AWAITING_INFO, _AE.CANCEL, _A.CANCELLED, OWNER),
        # Art. 20: the Secretary-General ensures the applicant meets the requirements.
        Transition(_A.FORWARDED, _AE.ADMIT, _A.ADMITTED, SG),
        Transition(_A.FORWARDED, _AE.REJECT, _A.REJECTED, SG),
    ],
)


# --- Honorary membership (Art. 15) ------------------------------------------


class HonoraryState(StrEnum):
    NOMINATED = "nominated"
    CHAIR_CONFIRMED = "chair_confirmed"
    SG_CONFIRMED = "sg_confirmed"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class HonoraryEvent(StrEnum):
    NOMINATE = "nominate"
    CONFIRM_AS_CHAIR = "confirm_as_chair"
    CONFIRM_AS_SECRETARY_GENERAL = "confirm_as_secretary_general"
    DECLINE = "decline"


_H, _HE = HonoraryState, HonoraryEvent
_SIGNATORIES = CHAIR | SG

HONORARY: StateMachine[HonoraryState, HonoraryEvent] = StateMachine(
    name="honorary",
    states=HonoraryState,
    events=HonoraryEvent,
    transitions=[
        # The charter does not say who nominates; the Secretariat and the
        # Board of Trustees (Art. 6: it "may discuss any question") may.
        Transition(None, _HE.NOMINATE, _H.NOMINATED, SECRETARIAT | {Role.TRUSTEE}),
        # Art. 15: "signed and announced by the chairman of the assembly and the
        # secretary general": both must confirm, in either order.
        Transition(_H.NOMINATED, _HE.CONFIRM_AS_CHAIR, _H.CHAIR_CONFIRMED, CHAIR),
        Transition(_H.NOMINATED, _HE.CONFIRM_AS_SECRETARY_GENERAL, _H.SG_CONFIRMED, SG),
        Transition(_H.SG_CONFIRMED, _HE.CONFIRM_AS_CHAIR, _H.CONFIRMED, CHAIR),
        Transition(_H.CHAIR_CONFIRMED, _HE.CONFIRM_AS_SECRETARY_GENERAL, _H.CONFIRMED, SG),
        # Either signatory's refusal ends it: both signatures are required.
        Transition(_H.NOMINATED, _HE.DECLINE, _H.DECLINED, _SIGNATORIES),
        Transition(_H.CHAIR_CONFIRMED, _HE.DECLINE, _H.DECLINED, _SIGNATORIES),
        Transition(_H.SG_CONFIRMED, _HE.DECLINE, _H.DECLINED, _SIGNATORIES),
    ],
)


# --- Withdrawal (Art. 21) ---------------------------------------------------


class WithdrawalState(StrEnum):
    REQUESTED = "requested"
    ACKNOWLEDGED = "acknowledged"
    WITHDRAWN = "withdrawn"
    REFUSED = "refused"
    CANCELLED = "cancelled"


class WithdrawalEvent(StrEnum):
    REQUEST = "request"
    ACKNOWLEDGE = "acknowledge"
    ACCEPT = "accept"
    REFUSE = "refuse"
    CANCEL = "cancel"


_W, _WE = WithdrawalState, WithdrawalEvent

WITHDRAWAL: StateMachine[WithdrawalState, WithdrawalEvent] = StateMachine(
    name="withdrawal",
    states=WithdrawalState,
    events=WithdrawalEvent,
    transitions=[
        # Art. 21: "an official request submitted to the Secretariat"; the
        # Secretariat may also record a request that reached it on paper.
        Transition(None, _WE.REQUEST, _W.REQUESTED, OWNER | SECRETARIAT),
        Transition(_W.REQUESTED, _WE.ACKNOWLEDGE, _W.ACKNOWLEDGED, SECRETARIAT),
        # Art. 21: "The final decision shall be made by the Secretary General".
        Transition(_W.ACKNOWLEDGED, _WE.ACCEPT, _W.WITHDRAWN, SG),
        Transition(_W.ACKNOWLEDGED, _WE.REFUSE, _W.REFUSED, SG),
        # Art. 21 speaks of an "intention": it may be given up until decided.
        Transition(_W.REQUESTED, _WE.CANCEL, _W.CANCELLED, OWNER),
        Transition(_W.ACKNOWLEDGED, _WE.CANCEL, _W.CANCELLED, OWNER),
    ],
)


# --- Suspension for a breach (Art. 22) --------------------------------------


class SuspensionState(StrEnum):
    PROPOSED = "proposed"
    SUSPENDED = "suspended"
    REJECTED = "rejected"
    LIFT_PROPOSED = "lift_proposed"
    LIFTED = "lifted"


class SuspensionEvent(StrEnum):
    PROPOSE = "propose"
    SUSPEND = "suspend"
    REJECT = "reject"
    PROPOSE_LIFT = "propose_lift"
    LIFT = "lift"
    KEEP = "keep"


_S, _SE = SuspensionState, SuspensionEvent

SUSPENSION: StateMachine[SuspensionState, SuspensionEvent] = StateMachine(
    name="suspension",
    states=SuspensionState,
    events=SuspensionEvent,
    transitions=[
        # Art. 22 makes a member "liable for suspension" for a breach; the
        # Secretariat, which ensures compliance (Art. 11), proposes it and the
        # Secretary-General, who leads it (Art. 9), decides.
        Transition(None, _SE.PROPOSE, _S.PROPOSED, SECRETARIAT),
        Transition(_S.PROPOSED, _SE.SUSPEND, _S.SUSPENDED, SG),
        Transition(_S.PROPOSED, _SE.REJECT, _S.REJECTED, SG),
        Transition(_S.SUSPENDED, _SE.PROPOSE_LIFT, _S.LIFT_PROPOSED, SECRETARIAT),
        Transition(_S.LIFT_PROPOSED, _SE.LIFT, _S.LIFTED, SG),
        Transition(_S.LIFT_PROPOSED, _SE.KEEP, _S.SUSPENDED, SG),
    ],
)


# --- Fee payment (Art. 18) --------------------------------------------------


class PaymentState(StrEnum):
    REPORTED = "reported"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    CANCELLED = "cancelled"


class PaymentEvent(StrEnum):
    REPORT = "report"
    RECORD = "record"
    CONFIRM = "confirm"
    DISPUTE = "dispute"
    CORRECT = "correct"
    CANCEL = "cancel"


_P, _PE = PaymentState, PaymentEvent

FEE_PAYMENT: StateMachine[PaymentState, PaymentEvent] = StateMachine(
    name="fee_payment",
    states=PaymentState,
    events=PaymentEvent,
    transitions=[
        # Art. 18: full members pay; the Secretariat manages financial
        # resources (Art. 11) and so confirms what a member reports, or records
        # a payment it has seen itself, which needs no confirmation.
        Transition(None, _PE.REPORT, _P.REPORTED, OWNER),
        Transition(None, _PE.RECORD, _P.CONFIRMED, SECRETARIAT),
        Transition(_P.REPORTED, _PE.CONFIRM, _P.CONFIRMED, SECRETARIAT),
        Transition(_P.REPORTED, _PE.DISPUTE, _P.DISPUTED, SECRETARIAT),
        # Our procedure: a disputed report is corrected and goes back for
        # confirmation, or the member takes back a report made in error.
        Transition(_P.DISPUTED, _PE.CORRECT, _P.REPORTED, OWNER),
        Transition(_P.REPORTED, _PE.CANCEL, _P.CANCELLED, OWNER),
        Transition(_P.DISPUTED, _PE.CANCEL, _P.CANCELLED, OWNER),
    ],
)


# --- Motion (Art. 26, 27, 30) -----------------------------------------------


class MotionState(StrEnum):
    DRAFT = "draft"
    COLLECTING_SUPPORT = "collecting_support"  # Art. 30: a members' charter amendment
    OPEN = "open"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class MotionEvent(StrEnum):
    PROPOSE = "propose"
    SEEK_SUPPORT = "seek_support"
    OPEN = "open"
    CLOSE = "close"
    WITHDRAW = "withdraw"


_M, _ME = MotionState, MotionEvent
# The Secretariat runs meetings and motions; the Chair chairs sessions (Art. 7).
_PRESIDING = SECRETARIAT | CHAIR

MOTION: StateMachine[MotionState, MotionEvent] = StateMachine(
    name="motion",
    states=MotionState,
    events=MotionEvent,
    transitions=[
        # Motions are tabled by the Secretariat, which prepares every body's
        # business (Art. 11) and proposes the Rules of Procedure (Art. 27). What
        # others propose reaches the agenda through it: the Board of Trustees'
        # amendments as its passed motions, the full members' as support
        # collected for the amendment (Art. 30). This row is the one place that
        # decides; ``motions.propose`` asks it and nothing else.
        Transition(None, _ME.PROPOSE, _M.DRAFT, SECRETARIAT),
        # Art. 30: an amendment not from the Board of Trustees needs two thirds
        # of the full members' support before it may be put to the vote.
        Transition(_M.DRAFT, _ME.SEEK_SUPPORT, _M.COLLECTING_SUPPORT, OWNER | SECRETARIAT),
        # Opening is refused by the workflow unless
        # ``voting.amendment_may_be_put_to_vote`` agrees, for amendments.
        Transition(_M.DRAFT, _ME.OPEN, _M.OPEN, _PRESIDING),
        Transition(_M.COLLECTING_SUPPORT, _ME.OPEN, _M.OPEN, _PRESIDING | SYSTEM),
        # Art. 26: decided by the votes cast; closed by hand or at the deadline.
        Transition(_M.OPEN, _ME.CLOSE, _M.CLOSED, _PRESIDING | SYSTEM),
        Transition(_M.DRAFT, _ME.WITHDRAW, _M.WITHDRAWN, OWNER | SECRETARIAT),
        Transition(_M.COLLECTING_SUPPORT, _ME.WITHDRAW, _M.WITHDRAWN, OWNER | SECRETARIAT),
    ],
)


ALL_MACHINES: tuple[StateMachine[Any, Any], ...] = (
    APPLICATION,
    HONORARY,
    WITHDRAWAL,
    SUSPENSION,
    FEE_PAYMENT,
    MOTION,
)
"""The process machines, for tests and for the audit log's legend."""
