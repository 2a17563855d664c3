"""Withdrawal from membership (Art. 21): the representative's request and the decisions.

/withdraw (or "Request withdrawal" in the menu) asks which member, when the
user represents several, then the reason, then for full and institutional
members the request signed by the highest authority, shows it all for review
and sends it to the Secretariat. The Secretariat acknowledges it with one tap;
the Secretary-General accepts it or refuses it with a reason typed privately.
Until then any representative of the member may cancel it.
"""

import enum
from dataclasses import dataclass
from typing import ClassVar

from bot.buttons import WITHDRAWAL_LABELS, WithdrawalDecision
from bot.callbacks import Callback
from bot.chat import Button, Keyboard
from bot.conversations import refusals, steps
from bot.conversations.forms import ASKED_AGAIN, Nav, max_letter_mb, refuse_file
from bot.conversations.start import Item, opens
from bot.engine import FlowState, Router, Turn
from bot.i18n import Html
from models import Member, WithdrawalRequest
from workflows.charter.errors import NotAllowed
from workflows.charter.machines import WithdrawalEvent, WithdrawalState
from workflows.membership import representation, withdrawals
from workflows.membership.withdrawals import Action
from workflows.platform.values import N_

router = Router("withdraw")
FLOW = "withdraw"
REFUSE_FLOW = "wdr_refuse"


class Step(enum.StrEnum):
    MEMBER = "member"
    REASON = "reason"
    LETTER = "letter"
    REVIEW = "review"


class Withdrawing(FlowState):
    """The request being written: for which member, why, and the signed letter."""

    FLOW: ClassVar[str] = FLOW
    step: Step = Step.MEMBER
    member: int | None = None
    #: Whether the user represents several members (and so picked this one first).
    several: bool = False
    reason: str | None = None
    letter: withdrawals.Letter | None = None


class Refusing(steps.Typed):
    """The Secretary-General typing why a withdrawal request is refused."""

    FLOW: ClassVar[str] = REFUSE_FLOW
    request: int


@dataclass(frozen=True)
class PickMember(Callback, prefix="wdm"):
    member_id: int


@dataclass(frozen=True)
class SubmitWithdrawal(Callback, prefix="wdsub"):
    pass


EVENTS = {
    Action.ACKNOWLEDGE: WithdrawalEvent.ACKNOWLEDGE,
    Action.ACCEPT: WithdrawalEvent.ACCEPT,
    Action.REFUSE: WithdrawalEvent.REFUSE,
    Action.CANCEL: WithdrawalEvent.CANCEL,
}
WHERE = {
    WithdrawalState.REQUESTED: N_("with the Secretariat"),
    WithdrawalState.ACKNOWLEDGED: N_("with the Secretary-General for decision"),
}


def cancel_button(turn: Turn, request: WithdrawalRequest) -> Keyboard:
    return [
        [
            Button(
                turn.t._(WITHDRAWAL_LABELS[Action.CANCEL]),
                WithdrawalDecision(request.id or 0, Action.CANCEL).pack(),
            )
        ]
    ]


# --- Starting: which member ----------------------------------------------------


@router.command("withdraw")
def withdraw_command(turn: Turn) -> None:
    start(turn)


def start(turn: Turn) -> None:
    """The entry of the flow, from /withdraw or the menu."""
    t = turn.t
    members = representation.represented_by(turn.session, turn.user.id)
    if not members:
        turn.say(
            t._(
                "Only a representative of a member may request its withdrawal, and you do not "
                "represent any member."
            )
        )
        return
    available: list[Member] = []
    for member in members:
        assert member.id is not None
        pending = withdrawals.open_for(turn.session, member.id)
        if pending is None:
            available.append(member)
            continue
        turn.say(
            t._(
                "Withdrawal request No. {number} for {name} is {where}. You may cancel it "
                "until it is decided.",
                number=str(pending.id),
                name=steps.name_for(turn, member.name_en, member.name_ar),
                where=Html(t._(WHERE[WithdrawalState(pending.state)])),
            ),
            cancel_button(turn, pending),
        )
    if not available:
        return
    if len(members) == 1:
        choose(turn, available[0], several=False)
        return
    turn.start(Withdrawing())
    rows: Keyboard = [
        [Button(f"{member.name_en} — {member.name_ar}", PickMember(member.id or 0).pack())]
        for member in available
    ]
    turn.say(
        t._("You represent several members. Which one requests to withdraw?"),
        steps.with_nav(turn, FLOW, rows, back=False),
    )


def choose(turn: Turn, member: Member, *, several: bool) -> None:
    withdrawals.may_request(turn.session, member, turn.user)
    state = Withdrawing(step=Step.REASON, member=member.id, several=several)
    turn.start(state)
    ask(turn, state, Step.REASON)


@router.button(PickMember)
def pick_member(turn: Turn, press: PickMember) -> None:
    state = turn.state(Withdrawing)
    if state is None or state.step is not Step.MEMBER:
        turn.toast(turn.t._(steps.OTHER_STEP), alert=True)
        return
    member = turn.session.get(Member, press.member_id)
    if member is None or not representation.represents(turn.session, turn.user.id, press.member_id):
        raise NotAllowed("not a representative of this member", reason="not_owner")
    try:
        choose(turn, member, several=True)
    except NotAllowed as refusal:
        if refusal.reason != "duplicate":
            raise
        turn.toast(refusals.sentence(turn, "withdrawal.duplicate"), alert=True)


# --- The form ---------------------------------------------------------------------


def member_of(turn: Turn, state: Withdrawing) -> Member:
    member = turn.session.get(Member, state.member) if state.member is not None else None
    if member is None:
        raise NotAllowed("no such member", reason="not_found")
    return member


def order(member: Member, state: Withdrawing) -> list[Step]:
    found = [Step.MEMBER] if state.several else []
    found.append(Step.REASON)
    if withdrawals.needs_letter(member):
        found.append(Step.LETTER)
    return [*found, Step.REVIEW]


def ask(turn: Turn, state: Withdrawing, step: Step) -> None:
    state.step = step
    turn.save(state)
    member = member_of(turn, state)
    t = turn.t
    first = order(member, state)[0]
    if step is Step.MEMBER:
        start(turn)
        return
    if step is Step.REVIEW:
        review(turn, member, state)
        return
    if step is Step.REASON:
        question = t._(
            "<b>Request to withdraw {name} from the Assembly</b> (Art. 21)\n\nPlease type the "
            "reason for the withdrawal. The Secretariat and the Secretary-General will read it.",
            name=steps.name_for(turn, member.name_en, member.name_ar),
        )
        rows = steps.keep_row(turn, FLOW, step.value, state.reason)
    else:
        question = t._(
            "Art. 21 requires the request of a full or institutional member to be signed by its "
            "highest authority. Please send the signed request as a PDF document or a photo "
            "(JPEG or PNG, at most {size} MB).",
            size=max_letter_mb(turn),
        )
        letter = state.letter
        rows = steps.keep_row(
            turn, FLOW, step.value, (letter.name or t._("photo")) if letter else None
        )
    turn.say(question, steps.with_nav(turn, FLOW, rows, back=step is not first))


def following(turn: Turn, state: Withdrawing, step: Step) -> Step:
    steps_of = order(member_of(turn, state), state)
    return steps_of[steps_of.index(step) + 1]


@steps.navigates(FLOW)
def navigate(turn: Turn, action: Nav) -> None:
    state = turn.state(Withdrawing)
    if state is None or action is Nav.CANCEL:
        turn.finish()
        turn.say(turn.t._("The withdrawal request was not sent; the membership continues."))
        return
    step = state.step
    if step is Step.MEMBER:
        return
    steps_of = order(member_of(turn, state), state)
    ask(turn, state, steps_of[max(0, steps_of.index(step) - 1)])


@steps.keeps(FLOW)
def keep(turn: Turn, step: str) -> None:
    state = turn.state(Withdrawing)
    if state is not None:
        ask(turn, state, following(turn, state, Step(step)))


@router.flow(FLOW)
def typed(turn: Turn) -> None:
    state = steps.state_at(turn, Withdrawing)
    if state is None:
        return
    step = state.step
    if step is Step.REASON:
        reason = steps.typed(turn, FLOW, back=state.several)
        if reason is None:
            return
        state.reason = reason
        ask(turn, state, following(turn, state, step))
    elif step is Step.LETTER:
        receive_letter(turn, state)
    else:
        turn.say(turn.t._(ASKED_AGAIN))
        ask(turn, state, step)


def receive_letter(turn: Turn, state: Withdrawing) -> None:
    file = turn.event.file
    problem = refuse_file(turn)
    if problem is not None:
        turn.say(problem, steps.with_nav(turn, FLOW))
        return
    assert file is not None
    state.letter = withdrawals.Letter(
        file_id=file.file_id,
        kind=file.kind,
        name=file.file_name,
        mime=file.content_type or "image/jpeg",
        size=file.file_size,
    )
    ask(turn, state, following(turn, state, Step.LETTER))


def review(turn: Turn, member: Member, state: Withdrawing) -> None:
    t = turn.t
    letter = state.letter
    lines = [
        t._("<b>Please review your withdrawal request</b>"),
        "",
        t._("Member: {name} ({name_ar})", name=member.name_en, name_ar=member.name_ar),
        t._("Reason: {reason}", reason=state.reason or "—"),
    ]
    if withdrawals.needs_letter(member):
        lines.append(
            t._(
                "Signed request: {file}",
                file=(letter.name if letter else None) or (Html(t._("photo")) if letter else "—"),
            )
        )
    lines += [
        "",
        t._(
            "If the Secretary-General accepts it, the membership ends, and with it the "
            "representation and the voting right."
        ),
    ]
    rows: Keyboard = [[Button(t._("Submit"), SubmitWithdrawal().pack())]]
    turn.say(Html("\n".join(lines)), steps.with_nav(turn, FLOW, rows))


@router.button(SubmitWithdrawal)
def submit(turn: Turn, _: SubmitWithdrawal) -> None:
    state = turn.state(Withdrawing)
    if (
        state is None
        or state.step is not Step.REVIEW
        or state.member is None
        or state.reason is None
    ):
        turn.toast(turn.t._(steps.CLOSED), alert=True)
        return
    try:
        request = withdrawals.request(
            turn.session,
            state.member,
            turn.user,
            reason=state.reason,
            letter=state.letter,
            now=turn.uow.clock.now(),
            settings=turn.uow.settings,
        )
    except NotAllowed as refusal:
        # Said as a message, and the form closed: the open request is the one to see.
        if refusal.reason != "duplicate":
            raise
        turn.finish()
        turn.say(refusals.sentence(turn, "withdrawal.duplicate"))
        return
    turn.finish()
    turn.edit(
        turn.t._(
            "Sent: withdrawal request No. {number} is with the Secretariat.",
            number=str(request.id),
        ),
        cancel_button(turn, request),
    )


# --- The Secretariat's and the Secretary-General's decisions, the cancellation ----


@router.button(WithdrawalDecision)
def decide(turn: Turn, press: WithdrawalDecision) -> None:
    request = turn.session.get(WithdrawalRequest, press.request_id)
    if request is None:
        raise NotAllowed("no such withdrawal request", reason="not_found")
    withdrawals.check(turn.session, request, EVENTS[press.action], turn.user)
    now, t = turn.uow.clock.now(), turn.t
    if press.action is Action.ACKNOWLEDGE:
        withdrawals.acknowledge(
            turn.session, press.request_id, turn.user, now=now, settings=turn.uow.settings
        )
        turn.toast(t._("Acknowledged; the request is with the Secretary-General."))
    elif press.action is Action.ACCEPT:
        withdrawals.accept(turn.session, press.request_id, turn.user, now=now)
        turn.toast(
            t._("Withdrawal accepted. The member's representatives and the Secretariat are told.")
        )
    elif press.action is Action.CANCEL:
        withdrawals.cancel(turn.session, press.request_id, turn.user, now=now)
        turn.edit(
            t._(
                "Withdrawal request No. {number} is cancelled; the membership continues.",
                number=str(request.id),
            )
        )
    else:
        member = turn.session.get(Member, request.member_id)
        steps.privately(
            turn,
            Refusing(request=request.id or 0),
            t._(
                "Type the reason for refusing withdrawal request No. {number} ({name}); the "
                "member's representatives will read it.",
                number=str(request.id),
                name=steps.name_for(turn, member.name_en, member.name_ar) if member else "—",
            ),
        )


steps.navigates(REFUSE_FLOW)(steps.cancel_typing)


@router.flow(REFUSE_FLOW)
def typed_refusal(turn: Turn) -> None:
    reason = steps.typed(turn, REFUSE_FLOW, back=False)
    state = turn.state(Refusing)
    if reason is None or state is None:
        return
    request_id = state.request
    if steps.settle(
        turn,
        lambda: withdrawals.refuse(
            turn.session, request_id, turn.user, reason, now=turn.uow.clock.now()
        ),
    ):
        turn.say(turn.t._("The withdrawal was refused and the member's representatives told why."))


opens(Item.WITHDRAW, start)
