"""Honorary membership (Art. 15): the nomination form and the signatories' prompts.

/nominate (the Secretariat or a trustee) asks for the name in English and in
Arabic and the contribution that merits it, shows them for review, and sends
the nomination to the Chair and the Secretary-General. Each confirms or
declines it on their own prompt; a decline asks for a reason, typed privately.
"""

import enum
from dataclasses import dataclass
from typing import ClassVar

from bot.buttons import HonoraryDecision
from bot.callbacks import Callback
from bot.chat import Button, Keyboard
from bot.conversations import refusals, steps
from bot.conversations.forms import ARABIC_LETTER, ASKED_AGAIN, LATIN_LETTER, Nav, clean_line
from bot.engine import FlowState, Router, Turn
from bot.i18n import Html
from bot.reasons import in_words_of
from models import HonoraryNomination
from workflows.charter.errors import NotAllowed
from workflows.membership import honorary
from workflows.membership.honorary import Capacity, Verdict
from workflows.platform.values import N_

router = Router("honorary")
FLOW = "nominate"
DECLINE_FLOW = "hon_decline"


class Step(enum.StrEnum):
    NAME_EN = "name_en"
    NAME_AR = "name_ar"
    CONTRIBUTION = "contribution"
    REVIEW = "review"


ORDER = list(Step)


class Nomination(FlowState):
    """The nomination form: its step and the answers given so far."""

    FLOW: ClassVar[str] = FLOW
    step: Step = Step.NAME_EN
    name_en: str | None = None
    name_ar: str | None = None
    contribution: str | None = None

    def answer(self, step: Step) -> str | None:
        return {
            Step.NAME_EN: self.name_en,
            Step.NAME_AR: self.name_ar,
            Step.CONTRIBUTION: self.contribution,
        }.get(step)

    def answered(self, step: Step, value: str) -> None:
        if step is Step.NAME_EN:
            self.name_en = value
        elif step is Step.NAME_AR:
            self.name_ar = value
        elif step is Step.CONTRIBUTION:
            self.contribution = value


class Declining(steps.Typed):
    """A signatory typing why they decline a nomination."""

    FLOW: ClassVar[str] = DECLINE_FLOW
    nomination: int
    capacity: Capacity


@dataclass(frozen=True)
class SubmitNomination(Callback, prefix="nomsub"):
    pass


QUESTIONS = {
    Step.NAME_EN: N_(
        "<b>Nomination for honorary membership</b> (Art. 15)\n\nHonorary membership is open to "
        "persons and organisations who have made remarkable and distinguished contributions "
        "to the purposes of the Assembly.\n\nWhat is the name of the nominee, in English?"
    ),
    Step.NAME_AR: N_("What is the nominee's name in Arabic?"),
    Step.CONTRIBUTION: N_(
        "Describe the contribution that merits honorary membership, in a few sentences. "
        "The Chair and the Secretary-General will read it."
    ),
}
LABELS = {
    Step.NAME_EN: N_("Name (English)"),
    Step.NAME_AR: N_("Name (Arabic)"),
    Step.CONTRIBUTION: N_("Contribution"),
}


@router.command("nominate")
def nominate(turn: Turn) -> None:
    if not honorary.may_nominate(turn.session, turn.user):
        turn.say(turn.t._(NOT_NOMINATOR))
        return
    state = Nomination()
    turn.start(state)
    ask(turn, state, Step.NAME_EN)


def ask(turn: Turn, state: Nomination, step: Step) -> None:
    state.step = step
    turn.save(state)
    if step is Step.REVIEW:
        review(turn, state)
        return
    rows: Keyboard = steps.keep_row(turn, FLOW, step.value, state.answer(step))
    turn.say(turn.t._(QUESTIONS[step]), steps.with_nav(turn, FLOW, rows, back=step is not ORDER[0]))


def review(turn: Turn, state: Nomination) -> None:
    t = turn.t
    lines = [t._("<b>Please review the nomination</b>"), ""]
    for step in (Step.NAME_EN, Step.NAME_AR, Step.CONTRIBUTION):
        lines.append(f"{t._(LABELS[step])}: {t.show(state.answer(step) or '—')}")
    lines += ["", t._("It goes to the Chair and the Secretary-General when you press Submit.")]
    rows: Keyboard = [[Button(t._("Submit"), SubmitNomination().pack())]]
    turn.say(Html("\n".join(lines)), steps.with_nav(turn, FLOW, rows))


@steps.navigates(FLOW)
def navigate(turn: Turn, action: Nav) -> None:
    state = turn.state(Nomination)
    if state is None or action is Nav.CANCEL:
        turn.finish()
        turn.say(turn.t._("The nomination was cancelled; nothing was sent."))
        return
    index = ORDER.index(state.step)
    ask(turn, state, ORDER[max(0, index - 1)])


@steps.keeps(FLOW)
def keep(turn: Turn, step: str) -> None:
    state = turn.state(Nomination)
    if state is not None:
        ask(turn, state, ORDER[ORDER.index(Step(step)) + 1])


@router.flow(FLOW)
def typed(turn: Turn) -> None:
    state = steps.state_at(turn, Nomination)
    if state is None:
        return
    step = state.step
    t = turn.t
    if step is Step.REVIEW:
        turn.say(t._(ASKED_AGAIN))
        ask(turn, state, step)
        return
    maximum = 1000 if step is Step.CONTRIBUTION else 200
    value = clean_line(turn.event.text, maximum=maximum)
    if value is None:
        problem = t._("Please type between 2 and {maximum} characters.", maximum=maximum)
    elif step is Step.NAME_AR and not ARABIC_LETTER.search(value):
        problem = t._("Please type the name in Arabic letters.")
    elif step is Step.NAME_EN and not LATIN_LETTER.search(value):
        problem = t._("Please type the name in Latin letters.")
    else:
        state.answered(step, value)
        ask(turn, state, ORDER[ORDER.index(step) + 1])
        return
    turn.say(problem, steps.with_nav(turn, FLOW, back=step is not ORDER[0]))


@router.button(SubmitNomination)
def submit(turn: Turn, _: SubmitNomination) -> None:
    state = turn.state(Nomination)
    if (
        state is None
        or state.step is not Step.REVIEW
        or state.name_en is None
        or state.name_ar is None
        or state.contribution is None
    ):
        turn.toast(turn.t._(steps.CLOSED), alert=True)
        return
    t = turn.t
    try:
        nomination = honorary.nominate(
            turn.session,
            turn.user,
            name_en=state.name_en,
            name_ar=state.name_ar,
            contribution=state.contribution,
            now=turn.uow.clock.now(),
            settings=turn.uow.settings,
        )
    except NotAllowed as refusal:
        # Said in this form's words, with the form kept open to try again.
        own = in_words_of("nomination", refusal.reason)
        if own is None:
            raise
        turn.say(refusals.sentence(turn, own), steps.with_nav(turn, FLOW))
        return
    turn.finish()
    turn.edit(
        t._(
            "Nomination No. {number} of {name} was sent to the Chair and the Secretary-General.",
            number=str(nomination.id),
            name=steps.name_for(turn, nomination.name_en, nomination.name_ar),
        )
    )


NOT_NOMINATOR = N_(
    "Honorary members are nominated by the Secretariat or by a member of the Board of Trustees."
)


# --- The signatories' prompts ------------------------------------------------


def load(turn: Turn, nomination_id: int) -> HonoraryNomination:
    nomination = turn.session.get(HonoraryNomination, nomination_id)
    if nomination is None:
        raise NotAllowed("no such nomination", reason="not_found")
    return nomination


@router.button(HonoraryDecision)
def decide(turn: Turn, press: HonoraryDecision) -> None:
    nomination = load(turn, press.nomination_id)
    honorary.check(turn.session, nomination, press.capacity, press.verdict, turn.user)
    t = turn.t
    if press.verdict is Verdict.CONFIRM:
        member = honorary.confirm(
            turn.session,
            press.nomination_id,
            press.capacity,
            turn.user,
            now=turn.uow.clock.now(),
        )
        turn.toast(
            t._("Confirmed: the honorary membership is conferred.")
            if member is not None
            else t._("Confirmed. The other signatory's confirmation is still needed.")
        )
        return
    steps.privately(
        turn,
        Declining(nomination=nomination.id or 0, capacity=press.capacity),
        t._(
            "Type the reason for declining nomination No. {number} ({name}); the nominator "
            "will read it.",
            number=str(nomination.id),
            name=steps.name_for(turn, nomination.name_en, nomination.name_ar),
        ),
    )


steps.navigates(DECLINE_FLOW)(steps.cancel_typing)


@router.flow(DECLINE_FLOW)
def typed_reason(turn: Turn) -> None:
    reason = steps.typed(turn, DECLINE_FLOW, back=False)
    state = turn.state(Declining)
    if reason is None or state is None:
        return
    if steps.settle(
        turn,
        lambda: honorary.decline(
            turn.session,
            state.nomination,
            state.capacity,
            turn.user,
            reason,
            now=turn.uow.clock.now(),
        ),
    ):
        turn.say(turn.t._("The nomination was declined and the nominator told why."))
