"""The Secretariat's form for a new session: body, kind, title, date and time in a
stated time zone, place or link, agenda, group chat; then a review and Create.

Answers live in the conversation row, so a restart loses nothing; every step has
Back and Cancel.
"""

import enum
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import col, select

from bot.callbacks import Callback
from bot.chat import Button, Keyboard
from bot.conversations.dates import parse_moment
from bot.conversations.forms import ASKED_AGAIN, Nav, clean_line
from bot.conversations.refusals import explained
from bot.engine import Router, Turn
from bot.i18n import Html
from models import GroupChat
from workflows import meetings, seats, speakers
from workflows.charter.bodies import Body
from workflows.charter.meetings import SessionKind
from workflows.values import N_, message

router = Router("session_form")
FLOW = "meet_new"
ZONES = (
    "Asia/Riyadh",
    "Asia/Tehran",
    "Africa/Cairo",
    "Europe/Istanbul",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Jakarta",
    "Africa/Casablanca",
    "UTC",
)


class Step(enum.StrEnum):
    BODY = "body"
    KIND = "kind"
    TITLE = "title"
    WHEN = "when"
    ZONE = "zone"
    PLACE = "place"
    AGENDA = "agenda"
    GROUP = "group"
    REVIEW = "review"


ORDER = list(Step)


@dataclass(frozen=True)
class NewSession(Callback, prefix="mnew"):
    pass


@dataclass(frozen=True)
class FormNav(Callback, prefix="mnav"):
    flow: str
    action: Nav


@dataclass(frozen=True)
class Pick(Callback, prefix="mform"):
    step: str
    value: str


def nav(turn: Turn, flow: str, rows: Keyboard | None = None, *, back: bool = True) -> Keyboard:
    row = [Button(turn.t._(BACK), FormNav(flow, Nav.BACK).pack())] if back else []
    row.append(Button(turn.t._(CANCEL), FormNav(flow, Nav.CANCEL).pack()))
    return [*(rows or []), row]


def parse_when(text: str | None) -> datetime | None:
    """A date and time as every form reads them ("01/12/2026 10:00", "2026-12-01 10:00",
    Arabic-Indic digits); naive, in the stated zone."""
    return parse_moment(text)


def zone_of(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


@router.button(NewSession)
@explained
def start(turn: Turn, _press: NewSession) -> None:
    seats.require_staff(turn.session, turn.user)
    turn.begin(FLOW, Step.BODY.value)
    ask(turn, Step.BODY)


def ask(turn: Turn, step: Step) -> None:
    t = turn.t
    turn.move(step.value)
    data = turn.conversation.data if turn.conversation else {}
    rows: Keyboard = []
    if step is Step.BODY:
        rows = [[Button(t._(meetings.BODY_NAMES[b]), Pick(step, b.value).pack())] for b in Body]
    elif step is Step.KIND:
        rows = [
            [Button(t._(meetings.KIND_NAMES[k]), Pick(step, k.value).pack())] for k in SessionKind
        ]
    elif step is Step.ZONE:
        rows = [
            [Button(zone, Pick(step, str(i)).pack()) for i, zone in enumerate(ZONES[j : j + 3], j)]
            for j in range(0, len(ZONES), 3)
        ]
    elif step is Step.GROUP:
        groups = turn.session.exec(select(GroupChat).order_by(col(GroupChat.title))).all()
        rows = [[Button(g.title or str(g.id), Pick(step, str(g.id)).pack())] for g in groups[:10]]
        rows.append([Button(t._(NO_GROUP), Pick(step, "0").pack())])
    elif step is Step.REVIEW:
        rows = [[Button(t._(CREATE), Pick(step, "create").pack())]]
        turn.say(Html(t._(REVIEW, **review_args(data))), nav(turn, FLOW, rows))
        return
    turn.say(t._(QUESTIONS[step]), nav(turn, FLOW, rows, back=step is not Step.BODY))


def review_args(data: dict[str, str]) -> dict[str, object]:
    return {
        "body": message(meetings.BODY_NAMES[Body(data["body"])]),
        "kind": message(meetings.KIND_NAMES[SessionKind(data["kind"])]),
        "title": data["title"],
        "when": data["when"],
        "zone": data["zone"],
        "where": data.get("place") or "—",
        "agenda": data.get("agenda") or "—",
    }


def following(step: Step) -> Step:
    return ORDER[ORDER.index(step) + 1]


@router.button(Pick)
@explained
def pick(turn: Turn, press: Pick) -> None:
    conversation = turn.conversation
    if conversation is None or conversation.flow != FLOW or conversation.step != press.step:
        from bot.conversations import motion_form

        motion_form.pick(turn, press)
        return
    step = Step(press.step)
    value = press.value
    if step is Step.ZONE:
        if not value.isdigit() or int(value) >= len(ZONES):
            return
        value = ZONES[int(value)]
    if step is Step.BODY:
        value = Body(value).value
    if step is Step.REVIEW:
        create(turn, conversation.data)
        return
    turn.move(step.value, **{step.value: value})
    ask(turn, following(step))


@router.flow(FLOW)
def typed(turn: Turn) -> None:
    conversation = turn.conversation
    assert conversation is not None
    step = Step(conversation.step)
    t = turn.t
    text = turn.event.text
    if step is Step.WHEN:
        if parse_when(text) is None:
            turn.say(t._(BAD_WHEN), nav(turn, FLOW))
            return
        value = str(parse_when(text))[:16]
    elif step is Step.ZONE:
        zone = zone_of(text or "")
        if zone is None:
            turn.say(t._(BAD_ZONE), nav(turn, FLOW))
            return
        value = str(zone)
    elif step in (Step.TITLE, Step.PLACE, Step.AGENDA):
        maximum = {Step.TITLE: 200, Step.PLACE: 300, Step.AGENDA: 2000}[step]
        cleaned = clean_line(text, maximum=maximum)
        if cleaned is None:
            turn.say(t._(LENGTH, maximum=maximum), nav(turn, FLOW))
            return
        value = cleaned
    else:
        turn.say(t._(ASKED_AGAIN))
        ask(turn, step)
        return
    turn.move(step.value, **{step.value: value})
    ask(turn, following(step))


def navigate(turn: Turn, press: FormNav) -> None:
    conversation = turn.conversation
    if conversation is None or conversation.flow != FLOW:
        turn.edit(turn.t._(CLOSED_FORM))
        return
    if press.action is Nav.CANCEL:
        turn.finish()
        turn.edit(turn.t._(CANCELLED))
        return
    step = Step(conversation.step)
    ask(turn, ORDER[max(0, ORDER.index(step) - 1)])


@router.button(FormNav)
def form_nav(turn: Turn, press: FormNav) -> None:
    if press.flow == FLOW:
        navigate(turn, press)
    else:
        from bot.conversations import motion_form

        motion_form.navigate(turn, press)


def create(turn: Turn, data: dict[str, str]) -> None:
    zone = ZoneInfo(data["zone"])
    local = datetime.fromisoformat(data["when"]).replace(tzinfo=zone)
    place = data.get("place")
    link = place if place and place.startswith(("http://", "https://")) else None
    group = int(data.get("group") or 0) or None
    meeting = meetings.convene(
        turn.session,
        meetings.Convening(
            body=Body(data["body"]),
            kind=SessionKind(data["kind"]),
            title=data["title"],
            starts_at=local,
            time_zone=data["zone"],
            place=None if link else place,
            link=link,
            agenda=data.get("agenda", ""),
            group_chat_id=group,
        ),
        turn.user,
        now=turn.uow.clock.now(),
    )
    turn.finish()
    turn.say(
        turn.t.n_(
            "Session created: {title}. {count} invitation was sent.",
            "Session created: {title}. {count} invitations were sent.",
            len(speakers.invitations(turn.session, meeting)),
            title=meeting.title,
        )
    )
    from bot.conversations import meetings as pages

    pages.page(turn, meeting)


QUESTIONS = {
    Step.BODY: N_("<b>New session</b>\nWhich body meets?"),
    Step.KIND: N_("Is it a regular or an extraordinary session?"),
    Step.TITLE: N_("Type the session's title."),
    Step.WHEN: N_(
        "When does it start? Type the date and time as day/month/year hours:minutes, for "
        "example 01/12/2026 10:00."
    ),
    Step.ZONE: N_(
        "In which time zone is that time? Pick one, or type its name (such as Asia/Qatar)."
    ),
    Step.PLACE: N_("Where? Type the place, or the link of the online meeting."),
    Step.AGENDA: N_("Type the agenda."),
    Step.GROUP: N_(
        "Which group chat is the session's? Ballots with live tallies and the results are posted "
        "there. The bot must be in the group."
    ),
}
REVIEW = N_(
    "<b>Please review the session</b>\n{body}, {kind}\nTitle: {title}\nWhen: {when} ({zone})\n"
    "Where: {where}\nAgenda: {agenda}\n\nCreate it and send the invitations?"
)
CREATE = N_("Create and invite")
NO_GROUP = N_("No group")
BAD_WHEN = N_(
    "Please type the date and time as day/month/year hours:minutes, for example "
    "01/12/2026 10:00 (or 2026-12-01 10:00)."
)
BAD_ZONE = N_(
    "I do not know this time zone. Pick one of the buttons, or type a name such as Asia/Qatar."
)
LENGTH = N_("Please type between 2 and {maximum} characters.")
CLOSED_FORM = N_("This form is closed.")
CANCELLED = N_("Cancelled; nothing was created.")
BACK = N_("« Back")
CANCEL = N_("Cancel")
