"""The Secretariat's form for a motion: text, kind, where an amendment comes from
(Art. 30), named or secret ballot, closing time or a close by hand; a review, then
the motion is tabled (and an amendment without the Board's motion starts
collecting the full members' support)."""

import enum
import logging
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.callbacks import Callback
from bot.chat import Button, Keyboard
from bot.conversations.forms import ASKED_AGAIN, Nav, clean_line
from bot.conversations.meetings.session_form import FormNav, Pick, nav, parse_when
from bot.conversations.refusals import explained, tell
from bot.engine import Router, Turn
from bot.i18n import Html
from models import Motion
from workflows.charter.bodies import Body
from workflows.charter.errors import NotAllowed
from workflows.charter.meetings import BallotKind, motion_kind_allowed
from workflows.charter.voting import MotionKind
from workflows.meetings import amendments, motions, seats, sessions
from workflows.platform.values import N_, message

log = logging.getLogger(__name__)
router = Router("motion_form")
FLOW = "motion_new"


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


@dataclass(frozen=True)
class NewMotion(Callback, prefix="mnm"):
    meeting_id: int


@router.button(NewMotion)
@explained
def start(turn: Turn, press: NewMotion) -> None:
    seats.require_staff(turn.session, turn.user)
    meeting = sessions.load(turn.session, press.meeting_id)
    turn.begin(FLOW, Step.TEXT.value, meeting=meeting.id)
    ask(turn, Step.TEXT)


def _data(turn: Turn) -> dict[str, str]:
    return dict(turn.conversation.data) if turn.conversation else {}


def steps(data: dict[str, str], body: Body) -> list[Step]:
    order = list(Step)
    amendment_here = (
        data.get("kind") == MotionKind.CHARTER_AMENDMENT.value and body == Body.ASSEMBLY
    )
    if not amendment_here:
        order.remove(Step.SOURCE)
    if data.get("closing") != "type":
        order.remove(Step.CLOSES_AT)
    return order


def ask(turn: Turn, step: Step) -> None:
    t = turn.t
    turn.move(step.value)
    data = _data(turn)
    meeting = sessions.load(turn.session, int(data["meeting"]))
    rows: Keyboard = []
    if step is Step.KIND:
        rows = [
            [Button(t._(motions.KIND_NAMES[k]), Pick(step, k.value).pack())]
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
            [Button(t._(motions.BALLOT_NAMES[b]), Pick(step, b.value).pack())] for b in BallotKind
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
        rows = [[Button(t._(TABLE), Pick(step, "create").pack())]]
        closes = t._(motions.BY_HAND) if not data.get("closes_at") else data["closes_at"]
        source = turn.session.get(Motion, int(data.get("source") or 0) or -1)
        text = t._(
            REVIEW,
            # Art. 30: an amendment from the Board carries the Board's text.
            text=source.text if source is not None else data["text"],
            kind=message(motions.KIND_NAMES[MotionKind(data["kind"])]),
            ballot=message(motions.BALLOT_NAMES[BallotKind(data["ballot"])]),
            closes=closes,
        )
        turn.say(Html(text), nav(turn, FLOW, rows))
        return
    question = t._(QUESTIONS[step], zone=meeting.time_zone)
    turn.say(question, nav(turn, FLOW, rows, back=step is not Step.TEXT))


def advance(turn: Turn, step: Step) -> None:
    data = _data(turn)
    meeting = sessions.load(turn.session, int(data["meeting"]))
    order = steps(data, Body(meeting.body))
    ask(turn, order[order.index(step) + 1])


def pick(turn: Turn, press: Pick) -> None:
    """Buttons of this form (routed here by the session form's handler)."""
    conversation = turn.conversation
    if conversation is None or conversation.flow != FLOW or conversation.step != press.step:
        turn.toast(turn.t._(OTHER_STEP), alert=True)
        return
    step = Step(press.step)
    if step is Step.REVIEW:
        create(turn)
        return
    data = _data(turn)
    meeting = sessions.load(turn.session, int(data["meeting"]))
    offered = {
        Step.KIND: {k.value for k in MotionKind if motion_kind_allowed(Body(meeting.body), k)},
        Step.BALLOT: {b.value for b in BallotKind},
        Step.CLOSING: {*CLOSINGS, "type", "hand"},
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
            tell(turn, NotAllowed("not the Board's amendment", reason=refusal))
            return
    if step is Step.CLOSING:
        minutes = CLOSINGS.get(press.value)
        closes = turn.uow.clock.now() + timedelta(minutes=minutes) if minutes else None
        turn.move(step.value, closing=press.value, closes_at=closes.isoformat() if closes else "")
    else:
        turn.move(step.value, **{step.value: press.value})
    advance(turn, step)


@router.flow(FLOW)
def typed(turn: Turn) -> None:
    conversation = turn.conversation
    assert conversation is not None
    step = Step(conversation.step)
    t = turn.t
    if step is Step.TEXT:
        text = clean_line(turn.event.text, minimum=5, maximum=3000)
        if text is None:
            turn.say(t._(TEXT_LENGTH), nav(turn, FLOW, back=False))
            return
        turn.move(step.value, text=text)
    elif step is Step.CLOSES_AT:
        local = parse_when(turn.event.text)
        meeting = sessions.load(turn.session, int(conversation.data["meeting"]))
        if local is None:
            turn.say(t._(BAD_TIME), nav(turn, FLOW))
            return
        closes = local.replace(tzinfo=ZoneInfo(meeting.time_zone))
        if closes <= turn.uow.clock.now():
            turn.say(t._(PAST_TIME), nav(turn, FLOW))
            return
        turn.move(step.value, closes_at=closes.isoformat())
    else:
        turn.say(t._(ASKED_AGAIN))
        ask(turn, step)
        return
    advance(turn, step)


def navigate(turn: Turn, press: FormNav) -> None:
    conversation = turn.conversation
    if conversation is None or conversation.flow != FLOW or press.flow != FLOW:
        turn.edit(turn.t._(CLOSED_FORM))
        return
    if press.action is Nav.CANCEL:
        turn.finish()
        turn.edit(turn.t._(CANCELLED))
        return
    data = _data(turn)
    meeting = sessions.load(turn.session, int(data["meeting"]))
    order = steps(data, Body(meeting.body))
    step = Step(conversation.step)
    ask(turn, order[max(0, order.index(step) - 1)] if step in order else Step.TEXT)


def create(turn: Turn) -> None:
    from datetime import datetime

    data = _data(turn)
    source = int(data.get("source") or 0) or None
    try:
        motion = motions.propose(
            turn.session,
            int(data["meeting"]),
            turn.user,
            text=data["text"],
            kind=MotionKind(data["kind"]),
            ballot=BallotKind(data["ballot"]),
            closes_at=datetime.fromisoformat(data["closes_at"]) if data.get("closes_at") else None,
            source_motion_id=source,
            now=turn.uow.clock.now(),
        )
    except NotAllowed as refusal:
        tell(turn, refusal)
        return
    turn.finish()
    from bot.conversations.meetings import votes

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
OTHER_STEP = N_("This button belongs to another step of the form.")
NOT_OFFERED = N_("This choice is not one the form offers; please use its buttons.")
CLOSED_FORM = N_("This form is closed.")
CANCELLED = N_("Cancelled; nothing was created.")
