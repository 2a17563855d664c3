"""The Secretariat's form for a new session: body, kind, title in both working
languages, date and time in a stated time zone, place or link, agenda in both
languages, group chat and the language of its posts; then a review and Create.

Art. 3: the title and agenda are asked first in the clerk's language, then in the
other, which may be left for later (readers see the first meanwhile) and written
from the session's page (``TextsFor``). Answers live in the conversation row
(``NewSessionForm``, ``SessionTexts``), so a restart loses nothing; every step has
Back and Cancel (``steps``).
"""

import enum
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from pydantic import field_serializer
from sqlmodel import col, select

from bot.chat import Button, Keyboard
from bot.conversations import steps
from bot.conversations.dates import ZONES, parse_moment, zone_of
from bot.conversations.forms import ASKED_AGAIN, Nav, clean_line
from bot.conversations.meetings import home as pages
from bot.conversations.meetings.callbacks import NewSession, TextsFor
from bot.conversations.meetings.choices import OTHER_STEP, Pick, chooses
from bot.conversations.refusals import explained
from bot.engine import FlowState, Router, Turn
from bot.i18n import Html, language_name
from models import GroupChat
from workflows.charter.bodies import Body
from workflows.charter.meetings import SessionKind
from workflows.meetings import seats, sessions, speakers
from workflows.platform.values import N_, Texts, message

router = Router("session_form")
LATER = "later"
KEEP = "keep"


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
#: The steps whose text is in the clerk's language; the others' is in the other one.
FIRST_LANGUAGE = (Step.TITLE, Step.AGENDA)


class NewSessionForm(FlowState):
    """The answers so far; an empty text is one not given (or left for later)."""

    FLOW: ClassVar[str] = "meet_new"
    step: Step = Step.BODY
    body: Body | None = None
    kind: SessionKind | None = None
    title_en: str = ""
    title_ar: str = ""
    #: The start, naive, in ``zone``.
    when: datetime | None = None
    zone: str = ""
    place: str = ""
    agenda_en: str = ""
    agenda_ar: str = ""
    #: The group chat's id, 0 for none.
    group: int = 0
    group_language: str = ""

    @field_serializer("when")
    def _minutes(self, when: datetime | None) -> str | None:
        # Kept as the clerk would read it: "2026-12-01 10:00".
        return None if when is None else f"{when:%Y-%m-%d %H:%M}"

    def write(self, step: Step, language: str, text: str) -> None:
        """Keep a title or agenda step's answer, in ``language``."""
        title = step in (Step.TITLE, Step.TITLE_OTHER)
        if language == "ar":
            if title:
                self.title_ar = text
            else:
                self.agenda_ar = text
        elif title:
            self.title_en = text
        else:
            self.agenda_en = text


def languages(turn: Turn) -> tuple[str, str]:
    """The clerk's language first, the other working language second."""
    return ("ar", "en") if turn.t.rtl else ("en", "ar")


def language_of(turn: Turn, step: Step) -> str:
    """The language a title or agenda step is answered in."""
    first, second = languages(turn)
    return first if step in FIRST_LANGUAGE else second


def clean_lines(text: str | None, *, maximum: int) -> str | None:
    """Typed text of several lines (an agenda): each line trimmed, the breaks kept."""
    if text is None:
        return None
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    value = "\n".join(line for line in lines if line)
    if not 2 <= len(value) <= maximum or value.startswith("/"):
        return None
    return value


def closed(turn: Turn) -> None:
    """The form's answers can no longer be read: it ends."""
    turn.finish()
    turn.say(turn.t._(CLOSED_FORM))


@router.button(NewSession)
@explained
def start(turn: Turn, _press: NewSession) -> None:
    seats.require_staff(turn.session, turn.user)
    form = NewSessionForm()
    turn.start(form)
    ask(turn, form, Step.BODY)


def ask(turn: Turn, form: NewSessionForm, step: Step) -> None:
    t = turn.t
    form.step = step
    turn.save(form)
    flow = NewSessionForm.FLOW
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
        turn.say(Html(t._(REVIEW, **review_args(turn, form))), steps.with_nav(turn, flow, rows))
        return
    if step in (Step.TITLE, Step.TITLE_OTHER, Step.AGENDA, Step.AGENDA_OTHER):
        kind = "title" if step in (Step.TITLE, Step.TITLE_OTHER) else "agenda"
        question = t._(TEXT_QUESTIONS[f"{kind}_{language_of(turn, step)}"])
        if step in (Step.TITLE_OTHER, Step.AGENDA_OTHER):
            question = f"{question}\n{t._(LATER_NOTE)}"
    else:
        question = t._(QUESTIONS[step])
    turn.say(question, steps.with_nav(turn, flow, rows, back=step is not Step.BODY))


def group_language_name(turn: Turn, code: str) -> str:
    return turn.t._(BOTH_LANGUAGES) if code == sessions.BOTH_LANGUAGES else language_name(code)


def review_args(turn: Turn, form: NewSessionForm) -> dict[str, object]:
    # The review comes after every step that has no default.
    assert form.body is not None and form.kind is not None and form.when is not None
    later = message(LATER_TEXT)
    chat = turn.session.get(GroupChat, form.group) if form.group else None
    return {
        "body": message(sessions.BODY_NAMES[form.body]),
        "kind": message(sessions.KIND_NAMES[form.kind]),
        "title_en": form.title_en or later,
        "title_ar": form.title_ar or later,
        "when": f"{form.when:%Y-%m-%d %H:%M}",
        "zone": form.zone,
        "where": form.place or "—",
        "agenda_en": Texts(form.agenda_en, "") if form.agenda_en else later,
        "agenda_ar": Texts("", form.agenda_ar) if form.agenda_ar else later,
        "group": (
            f"{chat.title or chat.id} ({group_language_name(turn, form.group_language or 'en')})"
            if chat
            else message(NO_GROUP)
        ),
    }


def following(form: NewSessionForm, step: Step) -> Step:
    after = ORDER[ORDER.index(step) + 1]
    if after is Step.GROUP_LANGUAGE and not form.group:
        return Step.REVIEW
    return after


def preceding(form: NewSessionForm, step: Step) -> Step:
    before = ORDER[max(0, ORDER.index(step) - 1)]
    if before is Step.GROUP_LANGUAGE and not form.group:
        return Step.GROUP
    return before


@chooses(NewSessionForm.FLOW)
def pick(turn: Turn, press: Pick) -> None:
    form = turn.state(NewSessionForm)
    if form is None or form.step != press.step:
        turn.toast(turn.t._(OTHER_STEP), alert=True)
        return
    step, value = form.step, press.value
    if step is Step.BODY:
        form.body = Body(value)
    elif step is Step.KIND:
        form.kind = SessionKind(value)
    elif step is Step.ZONE:
        if not value.isdigit() or int(value) >= len(ZONES):
            return
        form.zone = ZONES[int(value)]
    elif step is Step.GROUP:
        form.group = int(value)
    elif step is Step.GROUP_LANGUAGE:
        if value not in GROUP_LANGUAGES:
            return
        form.group_language = value
    elif step in (Step.TITLE_OTHER, Step.AGENDA_OTHER):
        if value != LATER:
            return
        form.write(step, language_of(turn, step), "")
    elif step is Step.REVIEW:
        create(turn, form)
        return
    else:
        # A step answered by typing: no button of its own.
        return
    ask(turn, form, following(form, step))


@router.flow(NewSessionForm.FLOW)
def typed(turn: Turn) -> None:
    form = turn.state(NewSessionForm)
    if form is None:
        closed(turn)
        return
    step = form.step
    t = turn.t
    text = turn.event.text
    flow = NewSessionForm.FLOW
    if step is Step.WHEN:
        moment = parse_moment(text)
        if moment is None:
            turn.say(t._(BAD_WHEN), steps.with_nav(turn, flow))
            return
        form.when = moment
    elif step is Step.ZONE:
        zone = zone_of(text or "")
        if zone is None:
            turn.say(t._(BAD_ZONE), steps.with_nav(turn, flow))
            return
        form.zone = str(zone)
    elif step in (Step.TITLE, Step.TITLE_OTHER, Step.PLACE, Step.AGENDA, Step.AGENDA_OTHER):
        maximum = MAXIMA[step]
        agenda = step in (Step.AGENDA, Step.AGENDA_OTHER)
        cleaned = (clean_lines if agenda else clean_line)(text, maximum=maximum)
        if cleaned is None:
            turn.say(t._(LENGTH, maximum=maximum), steps.with_nav(turn, flow))
            return
        if step is Step.PLACE:
            form.place = cleaned
        else:
            form.write(step, language_of(turn, step), cleaned)
    else:
        turn.say(t._(ASKED_AGAIN))
        ask(turn, form, step)
        return
    ask(turn, form, following(form, step))


MAXIMA = {
    Step.TITLE: 200,
    Step.TITLE_OTHER: 200,
    Step.PLACE: 300,
    Step.AGENDA: 2000,
    Step.AGENDA_OTHER: 2000,
}


@steps.navigates(NewSessionForm.FLOW)
def navigate(turn: Turn, action: Nav) -> None:
    form = turn.state(NewSessionForm)
    if form is None:
        closed(turn)
        return
    if action is Nav.CANCEL:
        turn.finish()
        turn.edit(turn.t._(CANCELLED))
        return
    ask(turn, form, preceding(form, form.step))


def create(turn: Turn, form: NewSessionForm) -> None:
    # Created from the review, which comes after every step that has no default.
    assert form.body is not None and form.kind is not None and form.when is not None
    local = form.when.replace(tzinfo=ZoneInfo(form.zone))
    place = form.place or None
    link = place if place and place.startswith(("http://", "https://")) else None
    group = form.group or None
    if group is not None:
        chat = turn.session.get(GroupChat, group)
        if chat is not None:
            chat.language = form.group_language or sessions.BOTH_LANGUAGES
            turn.session.add(chat)
    meeting = sessions.convene(
        turn.session,
        sessions.Convening(
            body=form.body,
            kind=form.kind,
            title=form.title_en,
            title_ar=form.title_ar or None,
            starts_at=local,
            time_zone=form.zone,
            place=None if link else place,
            link=link,
            agenda=form.agenda_en,
            agenda_ar=form.agenda_ar or None,
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
    pages.page(turn, meeting)


# --- Writing the texts of one language later ----------------------------------


class TextsStep(enum.StrEnum):
    TITLE = "title"
    AGENDA = "agenda"


class SessionTexts(FlowState):
    """A session's title and agenda being written in ``language`` ("en" or "ar")."""

    FLOW: ClassVar[str] = "meet_texts"
    step: TextsStep = TextsStep.TITLE
    meeting: int
    language: str
    title: str = ""


@router.button(TextsFor)
@explained
def texts_start(turn: Turn, press: TextsFor) -> None:
    seats.require_staff(turn.session, turn.user)
    if press.language not in ("en", "ar"):
        return
    meeting = sessions.load(turn.session, press.meeting_id)
    form = SessionTexts(meeting=meeting.id or 0, language=press.language)
    turn.start(form)
    texts_ask(turn, form, TextsStep.TITLE)


def texts_current(turn: Turn, form: SessionTexts) -> tuple[str, str]:
    """(title, agenda) as the session has them in the language being written."""
    meeting = sessions.load(turn.session, form.meeting)
    if form.language == "ar":
        return meeting.title_ar or "", meeting.agenda_ar or ""
    return meeting.title, meeting.agenda


def texts_ask(turn: Turn, form: SessionTexts, step: TextsStep) -> None:
    t = turn.t
    form.step = step
    turn.save(form)
    title, agenda = texts_current(turn, form)
    current = title if step is TextsStep.TITLE else agenda
    question = t._(TEXT_QUESTIONS[f"{step.value}_{form.language}"])
    rows: Keyboard = []
    if current:
        question = f"{question}\n{t._(NOW_READS)}\n{t.show(Texts(current, current))}"
        rows = [[Button(t._(KEEP_LABEL), Pick(step.value, KEEP).pack())]]
    elif step is TextsStep.AGENDA:
        rows = [[Button(t._(LATER_LABEL), Pick(step.value, LATER).pack())]]
    turn.say(
        Html(question),
        steps.with_nav(turn, SessionTexts.FLOW, rows, back=step is not TextsStep.TITLE),
    )


@chooses(SessionTexts.FLOW)
def texts_pick(turn: Turn, press: Pick) -> None:
    form = turn.state(SessionTexts)
    if form is None or press.step != form.step or press.value not in (KEEP, LATER):
        return
    title, agenda = texts_current(turn, form)
    kept = title if form.step is TextsStep.TITLE else agenda
    texts_answer(turn, form, kept if press.value == KEEP else "")


@router.flow(SessionTexts.FLOW)
def texts_typed(turn: Turn) -> None:
    form = turn.state(SessionTexts)
    if form is None:
        closed(turn)
        return
    title = form.step is TextsStep.TITLE
    maximum = 200 if title else 2000
    value = (clean_line if title else clean_lines)(turn.event.text, maximum=maximum)
    if value is None:
        turn.say(turn.t._(LENGTH, maximum=maximum), steps.with_nav(turn, SessionTexts.FLOW))
        return
    texts_answer(turn, form, value)


def texts_answer(turn: Turn, form: SessionTexts, value: str) -> None:
    if form.step is TextsStep.TITLE:
        form.title = value
        texts_ask(turn, form, TextsStep.AGENDA)
        return
    meeting = sessions.write_texts(
        turn.session,
        form.meeting,
        turn.user,
        language=form.language,
        title=form.title,
        agenda=value,
        now=turn.uow.clock.now(),
    )
    turn.finish()
    turn.say(turn.t._(TEXTS_SAVED[form.language]))
    pages.page(turn, meeting)


@steps.navigates(SessionTexts.FLOW)
def texts_navigate(turn: Turn, action: Nav) -> None:
    form = turn.state(SessionTexts)
    if form is None:
        closed(turn)
        return
    if action is Nav.CANCEL:
        turn.finish()
        turn.edit(turn.t._(TEXTS_CANCELLED))
        return
    texts_ask(turn, form, TextsStep.TITLE)


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
