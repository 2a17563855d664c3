"""The Secretariat's form for a new session: body, kind, title in both working
languages, date and time in a stated time zone, place or link, agenda in both
languages, group chat and the language of its posts; then a review and Create.

Art. 3: the title and agenda are asked first in the clerk's language, then in the
other, which may be left for later (readers see the first meanwhile) and written
from the session's page (``TextsFor``). Answers live in the conversation row, so
a restart loses nothing; every step has Back and Cancel.
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
from bot.i18n import Html, language_name
from models import GroupChat
from workflows.charter.bodies import Body
from workflows.charter.meetings import SessionKind
from workflows.meetings import seats, sessions, speakers
from workflows.platform.values import N_, Texts, message

router = Router("session_form")
FLOW = "meet_new"
TEXTS_FLOW = "meet_texts"
LATER = "later"
KEEP = "keep"
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
    TITLE_OTHER = "title_other"
    WHEN = "when"
    ZONE = "zone"
    PLACE = "place"
    AGENDA = "agenda"
    AGENDA_OTHER = "agenda_other"
    GROUP = "group"
    GROUP_LANGUAGE = "group_language"
    REVIEW = "review"


ORDER = list(Step)
#: The group's posts: both working languages, or the one the Secretariat chose.
GROUP_LANGUAGES = (sessions.BOTH_LANGUAGES, "en", "ar")


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


@dataclass(frozen=True)
class TextsFor(Callback, prefix="mtxt"):
    """Write or rewrite a session's title and agenda in one language."""

    meeting_id: int
    language: str


def languages(turn: Turn) -> tuple[str, str]:
    """The clerk's language first, the other working language second."""
    return ("ar", "en") if turn.t.rtl else ("en", "ar")


def field_of(turn: Turn, step: Step) -> str:
    """Where a step's answer is kept: title_en, title_ar, agenda_en, agenda_ar."""
    first, second = languages(turn)
    names = {
        Step.TITLE: f"title_{first}",
        Step.TITLE_OTHER: f"title_{second}",
        Step.AGENDA: f"agenda_{first}",
        Step.AGENDA_OTHER: f"agenda_{second}",
    }
    return names.get(step, step.value)


def clean_lines(text: str | None, *, maximum: int) -> str | None:
    """Typed text of several lines (an agenda): each line trimmed, the breaks kept."""
    if text is None:
        return None
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    value = "\n".join(line for line in lines if line)
    if not 2 <= len(value) <= maximum or value.startswith("/"):
        return None
    return value


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
        rows = [[Button(t._(sessions.BODY_NAMES[b]), Pick(step, b.value).pack())] for b in Body]
    elif step is Step.KIND:
        rows = [
            [Button(t._(sessions.KIND_NAMES[k]), Pick(step, k.value).pack())] for k in SessionKind
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
    elif step is Step.GROUP_LANGUAGE:
        rows = [
            [Button(group_language_name(turn, code), Pick(step, code).pack())]
            for code in GROUP_LANGUAGES
        ]
    elif step in (Step.TITLE_OTHER, Step.AGENDA_OTHER):
        rows = [[Button(t._(LATER_LABEL), Pick(step, LATER).pack())]]
    elif step is Step.REVIEW:
        rows = [[Button(t._(CREATE), Pick(step, "create").pack())]]
        turn.say(Html(t._(REVIEW, **review_args(turn, data))), nav(turn, FLOW, rows))
        return
    if step in (Step.TITLE, Step.TITLE_OTHER, Step.AGENDA, Step.AGENDA_OTHER):
        question = t._(TEXT_QUESTIONS[field_of(turn, step)])
        if step in (Step.TITLE_OTHER, Step.AGENDA_OTHER):
            question = f"{question}\n{t._(LATER_NOTE)}"
    else:
        question = t._(QUESTIONS[step])
    turn.say(question, nav(turn, FLOW, rows, back=step is not Step.BODY))


def group_language_name(turn: Turn, code: str) -> str:
    return turn.t._(BOTH_LANGUAGES) if code == sessions.BOTH_LANGUAGES else language_name(code)


def review_args(turn: Turn, data: dict[str, str]) -> dict[str, object]:
    later = message(LATER_TEXT)
    group = int(data.get("group") or 0)
    chat = turn.session.get(GroupChat, group) if group else None
    return {
        "body": message(sessions.BODY_NAMES[Body(data["body"])]),
        "kind": message(sessions.KIND_NAMES[SessionKind(data["kind"])]),
        "title_en": data.get("title_en") or later,
        "title_ar": data.get("title_ar") or later,
        "when": data["when"],
        "zone": data["zone"],
        "where": data.get("place") or "—",
        "agenda_en": Texts(data.get("agenda_en") or "—", "") if data.get("agenda_en") else later,
        "agenda_ar": Texts("", data.get("agenda_ar") or "—") if data.get("agenda_ar") else later,
        "group": (
            f"{chat.title or chat.id} ({group_language_name(turn, data.get('group_language', 'en'))})"
            if chat
            else message(NO_GROUP)
        ),
    }


def following(step: Step, data: dict[str, str]) -> Step:
    after = ORDER[ORDER.index(step) + 1]
    if after is Step.GROUP_LANGUAGE and not int(data.get("group") or 0):
        return Step.REVIEW
    return after


def preceding(step: Step, data: dict[str, str]) -> Step:
    before = ORDER[max(0, ORDER.index(step) - 1)]
    if before is Step.GROUP_LANGUAGE and not int(data.get("group") or 0):
        return Step.GROUP
    return before


@router.button(Pick)
@explained
def pick(turn: Turn, press: Pick) -> None:
    conversation = turn.conversation
    if conversation is not None and conversation.flow == TEXTS_FLOW:
        texts_pick(turn, press)
        return
    if conversation is None or conversation.flow != FLOW or conversation.step != press.step:
        from bot.conversations.meetings import motion_form

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
    if step is Step.GROUP_LANGUAGE and value not in GROUP_LANGUAGES:
        return
    if step in (Step.TITLE_OTHER, Step.AGENDA_OTHER):
        if value != LATER:
            return
        value = ""
    if step is Step.REVIEW:
        create(turn, conversation.data)
        return
    data = turn.move(step.value, **{field_of(turn, step): value}).data
    ask(turn, following(step, data))


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
    elif step in (Step.TITLE, Step.TITLE_OTHER, Step.PLACE, Step.AGENDA, Step.AGENDA_OTHER):
        maximum = MAXIMA[step]
        agenda = step in (Step.AGENDA, Step.AGENDA_OTHER)
        cleaned = (clean_lines if agenda else clean_line)(text, maximum=maximum)
        if cleaned is None:
            turn.say(t._(LENGTH, maximum=maximum), nav(turn, FLOW))
            return
        value = cleaned
    else:
        turn.say(t._(ASKED_AGAIN))
        ask(turn, step)
        return
    data = turn.move(step.value, **{field_of(turn, step): value}).data
    ask(turn, following(step, data))


MAXIMA = {
    Step.TITLE: 200,
    Step.TITLE_OTHER: 200,
    Step.PLACE: 300,
    Step.AGENDA: 2000,
    Step.AGENDA_OTHER: 2000,
}


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
    ask(turn, preceding(step, conversation.data))


@router.button(FormNav)
def form_nav(turn: Turn, press: FormNav) -> None:
    if press.flow == FLOW:
        navigate(turn, press)
    elif press.flow == TEXTS_FLOW:
        texts_navigate(turn, press)
    else:
        from bot.conversations.meetings import motion_form

        motion_form.navigate(turn, press)


def create(turn: Turn, data: dict[str, str]) -> None:
    zone = ZoneInfo(data["zone"])
    local = datetime.fromisoformat(data["when"]).replace(tzinfo=zone)
    place = data.get("place")
    link = place if place and place.startswith(("http://", "https://")) else None
    group = int(data.get("group") or 0) or None
    if group is not None:
        chat = turn.session.get(GroupChat, group)
        if chat is not None:
            chat.language = data.get("group_language") or sessions.BOTH_LANGUAGES
            turn.session.add(chat)
    meeting = sessions.convene(
        turn.session,
        sessions.Convening(
            body=Body(data["body"]),
            kind=SessionKind(data["kind"]),
            title=data.get("title_en") or "",
            title_ar=data.get("title_ar") or None,
            starts_at=local,
            time_zone=data["zone"],
            place=None if link else place,
            link=link,
            agenda=data.get("agenda_en") or "",
            agenda_ar=data.get("agenda_ar") or None,
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
            title=sessions.title_of(meeting),
        )
    )
    from bot.conversations.meetings import home as pages

    pages.page(turn, meeting)


# --- Writing the texts of one language later ----------------------------------


class TextsStep(enum.StrEnum):
    TITLE = "title"
    AGENDA = "agenda"


@router.button(TextsFor)
@explained
def texts_start(turn: Turn, press: TextsFor) -> None:
    seats.require_staff(turn.session, turn.user)
    if press.language not in ("en", "ar"):
        return
    meeting = sessions.load(turn.session, press.meeting_id)
    turn.begin(TEXTS_FLOW, TextsStep.TITLE.value, meeting=meeting.id, language=press.language)
    texts_ask(turn, TextsStep.TITLE)


def texts_current(turn: Turn) -> tuple[str, str, str]:
    """(language, title, agenda) as the session has them in the language being written."""
    data = turn.conversation.data if turn.conversation else {}
    meeting = sessions.load(turn.session, int(data["meeting"]))
    language = data["language"]
    if language == "ar":
        return language, meeting.title_ar or "", meeting.agenda_ar or ""
    return language, meeting.title, meeting.agenda


def texts_ask(turn: Turn, step: TextsStep) -> None:
    t = turn.t
    turn.move(step.value)
    language, title, agenda = texts_current(turn)
    current = title if step is TextsStep.TITLE else agenda
    question = t._(TEXT_QUESTIONS[f"{step.value}_{language}"])
    rows: Keyboard = []
    if current:
        question = f"{question}\n{t._(NOW_READS)}\n{t.show(Texts(current, current))}"
        rows = [[Button(t._(KEEP_LABEL), Pick(step.value, KEEP).pack())]]
    elif step is TextsStep.AGENDA:
        rows = [[Button(t._(LATER_LABEL), Pick(step.value, LATER).pack())]]
    turn.say(Html(question), nav(turn, TEXTS_FLOW, rows, back=step is not TextsStep.TITLE))


def texts_pick(turn: Turn, press: Pick) -> None:
    conversation = turn.conversation
    assert conversation is not None
    if press.step != conversation.step or press.value not in (KEEP, LATER):
        return
    _, title, agenda = texts_current(turn)
    step = TextsStep(press.step)
    kept = title if step is TextsStep.TITLE else agenda
    texts_answer(turn, step, kept if press.value == KEEP else "")


@router.flow(TEXTS_FLOW)
def texts_typed(turn: Turn) -> None:
    conversation = turn.conversation
    assert conversation is not None
    step = TextsStep(conversation.step)
    maximum = 200 if step is TextsStep.TITLE else 2000
    cleaner = clean_line if step is TextsStep.TITLE else clean_lines
    value = cleaner(turn.event.text, maximum=maximum)
    if value is None:
        turn.say(turn.t._(LENGTH, maximum=maximum), nav(turn, TEXTS_FLOW))
        return
    texts_answer(turn, step, value)


def texts_answer(turn: Turn, step: TextsStep, value: str) -> None:
    if step is TextsStep.TITLE:
        turn.move(step.value, title=value)
        texts_ask(turn, TextsStep.AGENDA)
        return
    conversation = turn.conversation
    assert conversation is not None
    data = conversation.data
    meeting = sessions.write_texts(
        turn.session,
        int(data["meeting"]),
        turn.user,
        language=data["language"],
        title=data.get("title", ""),
        agenda=value,
        now=turn.uow.clock.now(),
    )
    turn.finish()
    saved = TEXTS_SAVED[data["language"]]
    turn.say(turn.t._(saved))
    from bot.conversations.meetings import home as pages

    pages.page(turn, meeting)


def texts_navigate(turn: Turn, press: FormNav) -> None:
    conversation = turn.conversation
    if conversation is None or conversation.flow != TEXTS_FLOW:
        turn.edit(turn.t._(CLOSED_FORM))
        return
    if press.action is Nav.CANCEL:
        turn.finish()
        turn.edit(turn.t._(TEXTS_CANCELLED))
        return
    texts_ask(turn, TextsStep.TITLE)


QUESTIONS = {
    Step.BODY: N_("<b>New session</b>\nWhich body meets?"),
    Step.KIND: N_("Is it a regular or an extraordinary session?"),
    Step.WHEN: N_(
        "When does it start? Type the date and time as day/month/year hours:minutes, for "
        "example 01/12/2026 10:00."
    ),
    Step.ZONE: N_(
        "In which time zone is that time? Pick one, or type its name (such as Asia/Qatar)."
    ),
    Step.PLACE: N_("Where? Type the place, or the link of the online meeting."),
    Step.GROUP_LANGUAGE: N_(
        "In which language does the bot post in that group? Both working languages, or one."
    ),
    Step.GROUP: N_(
        "Which group chat is the session's? Ballots with live tallies and the results are posted "
        "there. The bot must be in the group."
    ),
}
TEXT_QUESTIONS = {
    "title_en": N_("Type the session's title in English."),
    "title_ar": N_("Type the session's title in Arabic."),
    "agenda_en": N_("Type the agenda in English, one item a line."),
    "agenda_ar": N_("Type the agenda in Arabic, one item a line."),
}
LATER_NOTE = N_(
    "Or press Later: until it is written, readers of that language see the other one. "
    "You can write it from the session's page."
)
LATER_LABEL = N_("Later")
LATER_TEXT = N_("later")
KEEP_LABEL = N_("Keep")
NOW_READS = N_("It now reads:")
BOTH_LANGUAGES = N_("Both languages")
TEXTS_SAVED = {
    "en": N_("The session's English title and agenda are saved."),
    "ar": N_("The session's Arabic title and agenda are saved."),
}
TEXTS_CANCELLED = N_("Cancelled; the session's texts are unchanged.")
REVIEW = N_(
    "<b>Please review the session</b>\n{body}, {kind}\nTitle in English: {title_en}\n"
    "Title in Arabic: {title_ar}\nWhen: {when} ({zone})\nWhere: {where}\n"
    "Agenda in English:\n{agenda_en}\nAgenda in Arabic:\n{agenda_ar}\nGroup: {group}\n\n"
    "Create it and send the invitations?"
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
