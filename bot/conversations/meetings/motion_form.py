"""The Secretariat's form for a motion: text, kind, where an amendment comes from
(Art. 30), named or secret ballot, closing time or a close by hand; a review, then
the motion is tabled (and an amendment without the Board's motion starts
collecting the full members' support)."""

import enum
import logging
from datetime import datetime, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from bot.chat import Button, Keyboard
from bot.conversations import steps
from bot.conversations.dates import parse_moment
from bot.conversations.forms import ASKED_AGAIN, Nav, clean_line
from bot.conversations.meetings import votes
from bot.conversations.meetings.callbacks import NewMotion
from bot.conversations.meetings.choices import OTHER_STEP, Pick, chooses
from bot.conversations.refusals import explained
from bot.engine import FlowState, Router, Turn
from bot.i18n import Html
from models import Motion
from workflows.charter.bodies import Body
from workflows.charter.errors import NotAllowed
from workflows.charter.meetings import BallotKind, motion_kind_allowed
from workflows.charter.voting import MotionKind
from workflows.meetings import amendments, ballots, motions, seats, sessions
from workflows.platform.values import N_, message

log = logging.getLogger(__name__)
router = Router("motion_form")


class Step(enum.StrEnum):
    TEXT = "text"
    KIND = "kind"
    SOURCE = "source"
    BALLOT = "ballot"
    CLOSING = "closing"
    CLOSES_AT = "closes_at"
    REVIEW = "review"


#: Closing choices: minutes from now, "type" a time, or "hand".
CLOSINGS = {"10": 10, "60": 60, "1440": 1440}


class MotionForm(FlowState):
    """The motion being written for session ``meeting``."""

    FLOW: ClassVar[str] = "motion_new"
    step: Step = Step.TEXT
    meeting: int
    text: str = ""
    kind: MotionKind | None = None
    #: The Board of Trustees' motion an amendment comes from (Art. 30); 0 for none.
    source: int = 0
    ballot: BallotKind | None = None
    #: A key of ``CLOSINGS``, "type" or "hand".
    closing: str = ""
    closes_at: datetime | None = None


@router.button(NewMotion)
@explained
def start(turn: Turn, press: NewMotion) -> None:
    seats.require_staff(turn.session, turn.user)
    meeting = sessions.load(turn.session, press.meeting_id)
    form = MotionForm(meeting=meeting.id or 0)
    turn.start(form)
    ask(turn, form, Step.TEXT)


def steps_of(form: MotionForm, body: Body) -> list[Step]:
    order = list(Step)
    amendment_here = form.kind is MotionKind.CHARTER_AMENDMENT and body == Body.ASSEMBLY
    if not amendment_here:
        order.remove(Step.SOURCE)
    if form.closing != "type":
        order.remove(Step.CLOSES_AT)
    return order


def ask(turn: Turn, form: MotionForm, step: Step) -> None:
    t = turn.t
    form.step = step
    turn.save(form)
    meeting = sessions.load(turn.session, form.meeting)
    rows: Keyboard = []
    if step is Step.KIND:
        rows = [
            [Button(t._(ballots.KIND_NAMES[k]), Pick(step, k.value).pack())]
            for k in MotionKind
            if motion_kind_allowed(Body(meeting.body), k)
        ]
    elif step is Step.SOURCE:
        rows = [
            [Button(t._(FROM_MOTION, number=str(m.id)), Pick(step, str(m.id)).pack())]
            for m in amendments.passed_trustees_amendments(turn.session)[:10]
        ]
        rows.append([Button(t._(COLLECT_SUPPORT), Pick(step, "0").pack())])
    elif step is Step.BALLOT:
        rows = [
            [Button(t._(ballots.BALLOT_NAMES[b]), Pick(step, b.value).pack())] for b in BallotKind
        ]
    elif step is Step.CLOSING:
        rows = [
            [Button(t._(IN_MINUTES[key]), Pick(step, key).pack()) for key in CLOSINGS],
            [
                Button(t._(TYPE_TIME), Pick(step, "type").pack()),
                Button(t._(BY_HAND), Pick(step, "hand").pack()),
            ],
        ]
    elif step is Step.REVIEW:
        # The review comes after the kind and the ballot were chosen.
        assert form.kind is not None and form.ballot is not None
        rows = [[Button(t._(TABLE), Pick(step, "create").pack())]]
        closes = form.closes_at.isoformat() if form.closes_at else t._(ballots.BY_HAND)
        source = turn.session.get(Motion, form.source or -1)
        text = t._(
            REVIEW,
            # Art. 30: an amendment from the Board carries the Board's text.
            text=source.text if source is not None else form.text,
            kind=message(ballots.KIND_NAMES[form.kind]),
            ballot=message(ballots.BALLOT_NAMES[form.ballot]),
            closes=closes,
        )
        turn.say(Html(text), steps.with_nav(turn, MotionForm.FLOW, rows))
        return
    question = t._(QUESTIONS[step], zone=meeting.time_zone)
    turn.say(question, steps.with_nav(turn, MotionForm.FLOW, rows, back=step is not Step.TEXT))


def advance(turn: Turn, form: MotionForm, step: Step) -> None:
    meeting = sessions.load(turn.session, form.meeting)
    order = steps_of(form, Body(meeting.body))
    ask(turn, form, order[order.index(step) + 1])


@chooses(MotionForm.FLOW)
def pick(turn: Turn, press: Pick) -> None:
    """A choice at a step of this form; a refusal is told with its reason (``choices``)."""
    form = turn.state(MotionForm)
    if form is None or form.step != press.step:
        turn.toast(turn.t._(OTHER_STEP), alert=True)
        return
    step = form.step
    if step is Step.REVIEW:
        create(turn, form)
        return
    meeting = sessions.load(turn.session, form.meeting)
    offered = {
        Step.KIND: {k.value for k in MotionKind if motion_kind_allowed(Body(meeting.body), k)},
        Step.BALLOT: {b.value for b in BallotKind},
        Step.CLOSING: {*CLOSINGS, "type", "hand"},
        # Typed, never pressed.
        Step.TEXT: set(),
        Step.CLOSES_AT: set(),
    }
    if step in offered and press.value not in offered[step]:
        log.warning("user %s: forged %s %r in the motion form", turn.user.id, step, press.value)
        turn.toast(turn.t._(NOT_OFFERED), alert=True)
        return
    if step is Step.SOURCE and press.value != "0":
        # The id is the client's: check it is a passed Board amendment not yet before
        # the Assembly (Art. 30), as ``motions.propose`` will again.
        refusal = (
            amendments.source_refusal(turn.session, int(press.value))
            if press.value.isdecimal()
            else "art30.source_not_passed_by_trustees"
        )
        if refusal is not None:
            log.warning("user %s: refused amendment source %r", turn.user.id, press.value)
            raise NotAllowed("not the Board's amendment", reason=refusal)
    if step is Step.KIND:
        form.kind = MotionKind(press.value)
    elif step is Step.SOURCE:
        form.source = int(press.value)
    elif step is Step.BALLOT:
        form.ballot = BallotKind(press.value)
    elif step is Step.CLOSING:
        minutes = CLOSINGS.get(press.value)
        form.closing = press.value
        form.closes_at = turn.uow.clock.now() + timedelta(minutes=minutes) if minutes else None
    advance(turn, form, step)


@router.flow(MotionForm.FLOW)
def typed(turn: Turn) -> None:
    form = turn.state(MotionForm)
    if form is None:
        turn.finish()
        turn.say(turn.t._(CLOSED_FORM))
        return
    step = form.step
    t = turn.t
    if step is Step.TEXT:
        text = clean_line(turn.event.text, minimum=5, maximum=3000)
        if text is None:
            turn.say(t._(TEXT_LENGTH), steps.with_nav(turn, MotionForm.FLOW, back=False))
            return
        form.text = text
    elif step is Step.CLOSES_AT:
        local = parse_moment(turn.event.text)
        meeting = sessions.load(turn.session, form.meeting)
        if local is None:
            turn.say(t._(BAD_TIME), steps.with_nav(turn, MotionForm.FLOW))
            return
        closes = local.replace(tzinfo=ZoneInfo(meeting.time_zone))
        if closes <= turn.uow.clock.now():
            turn.say(t._(PAST_TIME), steps.with_nav(turn, MotionForm.FLOW))
            return
        form.closes_at = closes
    else:
        turn.say(t._(ASKED_AGAIN))
        ask(turn, form, step)
        return
    advance(turn, form, step)


@steps.navigates(MotionForm.FLOW)
def navigate(turn: Turn, action: Nav) -> None:
    form = turn.state(MotionForm)
    if form is None:
        turn.finish()
        turn.edit(turn.t._(CLOSED_FORM))
        return
    if action is Nav.CANCEL:
        turn.finish()
        turn.edit(turn.t._(CANCELLED))
        return
    meeting = sessions.load(turn.session, form.meeting)
    order = steps_of(form, Body(meeting.body))
    step = form.step
    ask(turn, form, order[max(0, order.index(step) - 1)] if step in order else Step.TEXT)


def create(turn: Turn, form: MotionForm) -> None:
    # Tabled from the review, which comes after the kind and the ballot were chosen.
    assert form.kind is not None and form.ballot is not None
    motion = motions.propose(
        turn.session,
        form.meeting,
        turn.user,
        text=form.text,
        kind=form.kind,
        ballot=form.ballot,
        closes_at=form.closes_at,
        source_motion_id=form.source or None,
        now=turn.uow.clock.now(),
    )
    turn.finish()
    votes.motion_page(turn, motion)


QUESTIONS = {
    Step.TEXT: N_("<b>New motion</b>\nType the text of the motion."),
    Step.KIND: N_("What kind of motion is it?"),
    Step.SOURCE: N_(
        "Where does this amendment come from (Art. 30)? A motion passed by the Board of "
        "Trustees, or the support of two thirds of the full members, collected now."
    ),
    Step.BALLOT: N_("Named vote or secret ballot?"),
    Step.CLOSING: N_("When does the vote close?"),
    Step.CLOSES_AT: N_("Type the closing date and time as 2026-12-01 18:00 ({zone})."),
}
REVIEW = N_(
    "<b>Please review the motion</b>\n{text}\n\nKind: {kind}\nBallot: {ballot}\nCloses: {closes}"
)
TABLE = N_("Table the motion")
FROM_MOTION = N_("Board of Trustees motion No. {number}")
COLLECT_SUPPORT = N_("Collect the full members' support")
IN_MINUTES = {"10": N_("In 10 minutes"), "60": N_("In an hour"), "1440": N_("In 24 hours")}
TYPE_TIME = N_("Type a time")
BY_HAND = N_("Close by hand")
TEXT_LENGTH = N_("Please type between 5 and 3000 characters.")
BAD_TIME = N_(
    "Please type the date and time as day/month/year hours:minutes, for example "
    "01/12/2026 18:00 (or 2026-12-01 18:00)."
)
PAST_TIME = N_("That time has passed; please type a later one.")
NOT_OFFERED = N_("This choice is not one the form offers; please use its buttons.")
CLOSED_FORM = N_("This form is closed.")
CANCELLED = N_("Cancelled; nothing was created.")
