"""Suspension for a breach of the charter (Art. 22), and its lifting.

/suspend (the Secretariat): pick the member from a list, or type part of its
name to find it, type the breach, review, and the proposal goes to the
Secretary-General, who suspends or rejects it. /lift works the same way for a
suspended member; the Secretary-General lifts the suspension or keeps it.
"""

import enum
from dataclasses import dataclass
from typing import ClassVar

from bot.buttons import SuspensionDecision
from bot.callbacks import Callback
from bot.chat import Button, Keyboard
from bot.conversations import refusals, steps
from bot.conversations.countries import fold
from bot.conversations.forms import ASKED_AGAIN, Nav
from bot.engine import FlowState, Router, Turn
from bot.i18n import Html
from bot.reasons import in_words_of
from models import Member, SuspensionCase
from workflows.charter.errors import NotAllowed
from workflows.charter.machines import SuspensionEvent
from workflows.membership import suspensions
from workflows.membership.suspensions import Action
from workflows.platform.values import N_

router = Router("suspend")
SUSPEND_FLOW = "suspend"
LIFT_FLOW = "lift"
FLOWS = (SUSPEND_FLOW, LIFT_FLOW)
PAGE = 8


class Step(enum.StrEnum):
    MEMBER = "member"
    REASON = "reason"
    REVIEW = "review"


ORDER = list(Step)


class Proposal(FlowState):
    """A proposal being written: the member and the reason given so far."""

    step: Step = Step.MEMBER
    member: int | None = None
    reason: str | None = None


class Suspending(Proposal):
    FLOW: ClassVar[str] = SUSPEND_FLOW


class Lifting(Proposal):
    FLOW: ClassVar[str] = LIFT_FLOW


KINDS: dict[str, type[Proposal]] = {SUSPEND_FLOW: Suspending, LIFT_FLOW: Lifting}


class Say(enum.StrEnum):
    """What each of the two flows says at the same point."""

    PICK = "pick"
    NONE = "none"
    REASON = "reason"
    REVIEW = "review"
    SENT = "sent"


@dataclass(frozen=True)
class PickMember(Callback, prefix="susm"):
    member_id: int


@dataclass(frozen=True)
class MemberPage(Callback, prefix="suspg"):
    page: int


@dataclass(frozen=True)
class SubmitProposal(Callback, prefix="sussub"):
    pass


TEXTS = {
    SUSPEND_FLOW: {
        Say.PICK: N_(
            "<b>Proposal to suspend a member</b> (Art. 22)\n\nWhich member? Type part of its "
            "name, or pick it from the list."
        ),
        Say.NONE: N_("There is no member in active standing that could be suspended."),
        Say.REASON: N_(
            "Which obligation or principle of the charter has {name} breached? Type it; the "
            "Secretary-General and, if the member is suspended, its representatives will read it."
        ),
        Say.REVIEW: N_(
            "<b>Please review the proposal</b>\n\nSuspend: {name} ({name_ar})\nBreach: "
            "{reason}\n\nIt then goes to the Secretary-General, who decides."
        ),
        Say.SENT: N_(
            "Sent: the proposal to suspend {name} (case No. {number}) is with the "
            "Secretary-General."
        ),
    },
    LIFT_FLOW: {
        Say.PICK: N_(
            "<b>Proposal to lift a suspension</b>\n\nWhich member? Type part of its name, or "
            "pick it from the list."
        ),
        Say.NONE: N_("No member is suspended at the moment."),
        Say.REASON: N_(
            "Why should the suspension of {name} be lifted? Type it; the Secretary-General will "
            "read it."
        ),
        Say.REVIEW: N_(
            "<b>Please review the proposal</b>\n\nLift the suspension of: {name} ({name_ar})\n"
            "Why: {reason}\n\nIt then goes to the Secretary-General, who decides."
        ),
        Say.SENT: N_(
            "Sent: the proposal to lift the suspension of {name} (case No. {number}) is with "
            "the Secretary-General."
        ),
    },
}
NOT_STAFF = N_("Suspensions are proposed by the Secretariat.")


def candidates(turn: Turn, flow: str) -> list[Member]:
    return suspensions.candidates(turn.session, lifting=flow == LIFT_FLOW)


def label(member: Member) -> str:
    return f"{member.name_en} — {member.name_ar}"


def member_rows(members: list[Member], page: int) -> Keyboard:
    pages = max(1, (len(members) + PAGE - 1) // PAGE)
    page = max(0, min(page, pages - 1))
    rows: Keyboard = [
        [Button(label(member), PickMember(member.id or 0).pack())]
        for member in members[page * PAGE : (page + 1) * PAGE]
    ]
    if pages > 1:
        arrows = []
        if page > 0:
            arrows.append(Button("‹", MemberPage(page - 1).pack()))
        arrows.append(Button(f"{page + 1}/{pages}", MemberPage(page).pack()))
        if page < pages - 1:
            arrows.append(Button("›", MemberPage(page + 1).pack()))
        rows.append(arrows)
    return rows


def search(members: list[Member], query: str) -> list[Member]:
    needle = fold(query.strip())
    if not needle:
        return []
    return [
        member
        for member in members
        if needle in fold(member.name_en) or needle in fold(member.name_ar)
    ]


# --- Starting -------------------------------------------------------------------


@router.command("suspend")
def suspend_command(turn: Turn) -> None:
    start(turn, SUSPEND_FLOW)


@router.command("lift")
def lift_command(turn: Turn) -> None:
    start(turn, LIFT_FLOW)


def start(turn: Turn, flow: str) -> None:
    if not suspensions.may_propose(turn.session, turn.user):
        turn.say(turn.t._(NOT_STAFF))
        return
    members = candidates(turn, flow)
    if not members:
        turn.finish()
        turn.say(turn.t._(TEXTS[flow][Say.NONE]))
        return
    turn.start(KINDS[flow]())
    turn.say(
        turn.t._(TEXTS[flow][Say.PICK]),
        steps.with_nav(turn, flow, member_rows(members, 0), back=False),
    )


def current(turn: Turn, step: Step | None = None) -> Proposal | None:
    """The proposal, if the user is in one of ours (at ``step``)."""
    state = turn.state(Suspending) or turn.state(Lifting)
    if state is None or (step is not None and state.step is not step):
        return None
    return state


@router.button(MemberPage)
def member_page(turn: Turn, press: MemberPage) -> None:
    state = current(turn, Step.MEMBER)
    if state is None:
        turn.toast(turn.t._(steps.OTHER_STEP), alert=True)
        return
    flow = state.FLOW
    turn.edit(
        turn.t._(TEXTS[flow][Say.PICK]),
        steps.with_nav(turn, flow, member_rows(candidates(turn, flow), press.page), back=False),
    )


@router.button(PickMember)
def pick_member(turn: Turn, press: PickMember) -> None:
    state = current(turn, Step.MEMBER)
    if state is None:
        turn.toast(turn.t._(steps.OTHER_STEP), alert=True)
        return
    member = next((m for m in candidates(turn, state.FLOW) if m.id == press.member_id), None)
    if member is None:
        why = "not_active" if state.FLOW == SUSPEND_FLOW else "not_suspended"
        turn.toast(refusals.sentence(turn, f"suspension.{why}"), alert=True)
        return
    choose(turn, state, member)


def choose(turn: Turn, state: Proposal, member: Member) -> None:
    state.member = member.id
    ask(turn, state, Step.REASON)


def member_of(turn: Turn, state: Proposal) -> Member:
    member = turn.session.get(Member, state.member) if state.member is not None else None
    if member is None:
        raise NotAllowed("no such member", reason="not_found")
    return member


def ask(turn: Turn, state: Proposal, step: Step) -> None:
    state.step = step
    turn.save(state)
    flow = state.FLOW
    if step is Step.MEMBER:
        start(turn, flow)
        return
    member = member_of(turn, state)
    t = turn.t
    if step is Step.REASON:
        rows = steps.keep_row(turn, flow, step.value, state.reason)
        turn.say(
            t._(TEXTS[flow][Say.REASON], name=steps.name_for(turn, member.name_en, member.name_ar)),
            steps.with_nav(turn, flow, rows),
        )
        return
    text = t._(
        TEXTS[flow][Say.REVIEW],
        name=member.name_en,
        name_ar=member.name_ar,
        reason=state.reason or "—",
    )
    rows = [[Button(t._("Send to the Secretary-General"), SubmitProposal().pack())]]
    turn.say(Html(text), steps.with_nav(turn, flow, rows))


def navigate(turn: Turn, action: Nav) -> None:
    state = current(turn)
    if state is None or action is Nav.CANCEL:
        turn.finish()
        turn.say(turn.t._("The proposal was not sent; nothing was changed."))
        return
    ask(turn, state, ORDER[max(0, ORDER.index(state.step) - 1)])


def keep(turn: Turn, step: str) -> None:
    state = current(turn)
    if state is not None:
        ask(turn, state, ORDER[ORDER.index(Step(step)) + 1])


def typed(turn: Turn) -> None:
    state = current(turn)
    if state is None:
        turn.say(turn.t._(steps.CLOSED))
        return
    flow, step, t = state.FLOW, state.step, turn.t
    if step is Step.MEMBER:
        members = candidates(turn, flow)
        found = search(members, turn.event.text or "")
        if len(found) == 1:
            choose(turn, state, found[0])
        elif found:
            turn.say(
                t._("Which one?"), steps.with_nav(turn, flow, member_rows(found, 0), back=False)
            )
        else:
            turn.say(
                t._(
                    "No member matches that. Please type another part of its name, or pick it "
                    "from the list."
                ),
                steps.with_nav(turn, flow, member_rows(members, 0), back=False),
            )
    elif step is Step.REASON:
        reason = steps.typed(turn, flow)
        if reason is not None:
            state.reason = reason
            ask(turn, state, Step.REVIEW)
    else:
        turn.say(t._(ASKED_AGAIN))
        ask(turn, state, step)


for _flow in FLOWS:
    steps.navigates(_flow)(navigate)
    steps.keeps(_flow)(keep)
    router.flow(_flow)(typed)


@router.button(SubmitProposal)
def submit(turn: Turn, _: SubmitProposal) -> None:
    state = current(turn, Step.REVIEW)
    if state is None or state.reason is None:
        turn.toast(turn.t._(steps.CLOSED), alert=True)
        return
    flow = state.FLOW
    propose = suspensions.propose_lift if flow == LIFT_FLOW else suspensions.propose
    member = member_of(turn, state)
    try:
        case = propose(
            turn.session,
            member.id or 0,
            turn.user,
            state.reason,
            now=turn.uow.clock.now(),
            settings=turn.uow.settings,
        )
    except NotAllowed as refusal:
        # Said in this form's words, and the form closed: the member's case has moved on.
        own = in_words_of("suspension", refusal.reason)
        if own is None:
            raise
        turn.finish()
        turn.say(refusals.sentence(turn, own))
        return
    turn.finish()
    name = steps.name_for(turn, member.name_en, member.name_ar)
    turn.edit(turn.t._(TEXTS[flow][Say.SENT], name=name, number=str(case.id)))


# --- The Secretary-General's decisions --------------------------------------------

TOASTS = {
    Action.SUSPEND: N_("Suspended. The member's representatives and the Secretariat are told."),
    Action.REJECT: N_("Proposal rejected. The Secretariat is told."),
    Action.LIFT: N_(
        "Suspension lifted. The member's representatives and the Secretariat are told."
    ),
    Action.KEEP: N_("The member stays suspended. The Secretariat is told."),
}


@router.button(SuspensionDecision)
def decide(turn: Turn, press: SuspensionDecision) -> None:
    case = turn.session.get(SuspensionCase, press.case_id)
    if case is None:
        raise NotAllowed("no such suspension case", reason="not_found")
    suspensions.decide(
        turn.session,
        press.case_id,
        SuspensionEvent(press.action.value),
        turn.user,
        now=turn.uow.clock.now(),
    )
    turn.toast(turn.t._(TOASTS[press.action]))
