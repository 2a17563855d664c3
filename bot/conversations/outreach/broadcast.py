"""/broadcast: the Secretariat writes to a segment of the Assembly.

Segments first, with the count of people and members they reach; the text in
English and Arabic (Telegram HTML, checked here with the same parser the sandbox
uses to refuse bad markup as Telegram does); an optional document; now or a time
in a stated zone; then the preview, one message per language group exactly as its
readers will see it, and the confirmation. Every answer is kept in the form's
state (``BroadcastForm``), so Back shows it again and a mistake loses nothing.
Only the Secretariat broadcasts: anyone else is told why (``explained``).
"""

import enum
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from pydantic import Field
from sqlmodel import col, select

from bot import lengths
from bot.buttons import ReportCsv
from bot.callbacks import Callback
from bot.chat import Button, Document, Keyboard, Reply
from bot.conversations import countries as country_names
from bot.conversations import steps
from bot.conversations.dates import ZONES, parse_moment, zone_of
from bot.conversations.forms import Nav, letter_problem
from bot.conversations.membership.directory import CATEGORY_GROUPS
from bot.conversations.refusals import explained
from bot.conversations.start import Item, opens
from bot.engine import FlowState, Router, Turn
from bot.i18n import Html, text_for
from models import Broadcast, Meeting, Member
from sandbox.formatting import EntityParseError, parse_html
from workflows.charter.errors import IllegalTransition
from workflows.charter.membership import MemberCategory, Standing
from workflows.outreach import broadcasts
from workflows.outreach.broadcasts import (
    ALL,
    BODY,
    CATEGORY,
    COUNTRY,
    INVITED,
    OVERDUE,
    SECRETARIAT,
    STANDING,
    UNANSWERED,
    VOTING_SUSPENDED,
)
from workflows.platform import spreadsheets
from workflows.platform.values import N_, Markup

log = logging.getLogger(__name__)
router = Router("broadcast")


@dataclass(frozen=True)
class Toggle(Callback, prefix="bseg"):
    """Add or take away a segment (``kind`` and ``value`` as in workflows.outreach.broadcasts)."""

    kind: str
    value: str


@dataclass(frozen=True)
class Go(Callback, prefix="bgo"):
    """A choice at a step: open a picker, go on, skip, confirm."""

    action: str
    value: str


@dataclass(frozen=True)
class CancelBroadcast(Callback, prefix="bcan"):
    broadcast_id: int


class Step(enum.StrEnum):
    SEGMENTS = "segments"
    TEXT_EN = "text_en"
    TEXT_AR = "text_ar"
    DOCUMENT = "document"
    WHEN = "when"
    ZONE = "zone"
    PREVIEW = "preview"


#: The steps by their short names, in the order of ``Step``.
SEGMENTS, TEXT_EN, TEXT_AR, DOCUMENT, WHEN, ZONE, PREVIEW = Step
ORDER = [SEGMENTS, TEXT_EN, TEXT_AR, DOCUMENT, WHEN, PREVIEW]


class BroadcastForm(FlowState):
    """The broadcast being written; an empty text is a language skipped."""

    FLOW: ClassVar[str] = "broadcast"
    step: Step = SEGMENTS
    #: As in ``workflows.outreach.broadcasts`` (``broadcasts.segment``).
    segments: list[str] = Field(default_factory=list)
    text_en: str = ""
    text_ar: str = ""
    #: Readers of a language left out get the other text.
    other_language: bool = False
    file_id: str | None = None
    file_name: str | None = None
    #: When it is sent (None: now), and the zone that time was typed in.
    when: datetime | None = None
    zone: str | None = None


FLOW = BroadcastForm.FLOW

BODIES = {
    "trustees": N_("Board of Trustees"),
    "steering": N_("Steering Committee"),
    "council": N_("Executive Supreme Council"),
}
STANDING_LABELS = {
    VOTING_SUSPENDED: N_("Voting right suspended"),
    OVERDUE: N_("Overdue on fees"),
}


def here(turn: Turn) -> BroadcastForm | None:
    """The broadcast being written in this chat; else a word and None."""
    form = turn.state(BroadcastForm)
    if form is None:
        turn.say(turn.t._(steps.CLOSED))
    return form


@router.command("broadcast")
def broadcast_command(turn: Turn) -> None:
    start(turn)


@explained
def start(turn: Turn) -> None:
    broadcasts.require_staff(turn.session, turn.user.id)
    form = turn.state(BroadcastForm) or BroadcastForm()
    form.step = SEGMENTS
    turn.start(form)
    ask_segments(turn, form)


# --- Segments ------------------------------------------------------------------------------


def label(turn: Turn, chosen: str) -> str:
    t = turn.t
    kind, value = broadcasts.parse_segment(chosen)
    if kind == ALL:
        return t._("Every member's representatives")
    if kind == CATEGORY:
        return t._(CATEGORY_GROUPS[MemberCategory(value)])
    if kind == STANDING:
        return t._(STANDING_LABELS[value])
    if kind == COUNTRY:
        return t.country(value)
    if kind == BODY:
        return t._(BODIES[value])
    if kind == SECRETARIAT:
        return t._("The Secretariat")
    meeting = turn.session.get(Meeting, int(value))
    title = meeting.title if meeting else value
    if kind == INVITED:
        return t._("Invited to: {title}", title=Html(title))
    return t._("Not answered: {title}", title=Html(title))


def ask_segments(turn: Turn, form: BroadcastForm, *, edit: bool = False) -> None:
    t = turn.t
    chosen = form.segments
    found = broadcasts.audience(turn.session, chosen, now=turn.uow.clock.now())

    def toggle(kind: str, value: str, text: str) -> Button:
        mark = "✅ " if broadcasts.segment(kind, value) in chosen else ""
        return Button(f"{mark}{text}", Toggle(kind, value).pack())

    rows: Keyboard = [
        [toggle(ALL, "", t._("Every member's representatives"))],
        [toggle(CATEGORY, c.value, t._(CATEGORY_GROUPS[c])) for c in list(MemberCategory)[:2]],
        [toggle(CATEGORY, c.value, t._(CATEGORY_GROUPS[c])) for c in list(MemberCategory)[2:]],
        [toggle(STANDING, s, t._(STANDING_LABELS[s])) for s in STANDING_LABELS],
        [toggle(BODY, b, t._(BODIES[b])) for b in BODIES],
        [toggle(SECRETARIAT, "", t._("The Secretariat"))],
        [
            Button(t._("By country…"), Go("countries", "0").pack()),
            Button(t._("A session's invitees…"), Go("sessions", "").pack()),
        ],
    ]
    if found.people:
        rows.append([Button(t._("Next: the text »"), Go("next", "").pack())])
    lines = [
        t._("<b>New broadcast.</b> Who should receive it? Tap to add or take away."),
        t._(
            "Categories, standings and countries narrow the members whose representatives "
            "receive it; seats, invitees and the Secretariat add people."
        ),
        "",
        t._("Chosen: {segments}", segments=Html(", ".join(label(turn, s) for s in chosen) or "—")),
        reach(turn, found),
    ]
    (turn.edit if edit else turn.say)(
        Html("\n".join(lines)), steps.with_nav(turn, FLOW, rows, back=False)
    )


def reach(turn: Turn, found: broadcasts.Audience) -> str:
    t = turn.t
    return t._(
        "Reaches {people} and {members}.",
        people=Html(t.n_("{count} person", "{count} people", len(found.people))),
        members=Html(t.n_("{count} member", "{count} members", found.members)),
    )


@router.button(Toggle)
@explained
def toggle_segment(turn: Turn, press: Toggle) -> None:
    broadcasts.require_staff(turn.session, turn.user.id)
    form = here(turn)
    if form is None:
        return
    chosen = broadcasts.segment(press.kind, press.value)
    if not broadcasts.valid_segment(chosen):
        log.warning("forged segment from user %s: %r", turn.user.id, chosen)
        turn.toast(turn.t._(STALE), alert=True)
        return
    segments = form.segments
    form.segments = (
        [s for s in segments if s != chosen] if chosen in segments else [*segments, chosen]
    )
    form.step = SEGMENTS
    turn.save(form)
    ask_segments(turn, form, edit=True)


@router.button(Go)
@explained
def go(turn: Turn, press: Go) -> None:
    broadcasts.require_staff(turn.session, turn.user.id)
    form = here(turn)
    if form is None:
        return
    action = press.action
    if action == "countries":
        countries(turn, form, int(press.value) if press.value.isdigit() else 0)
    elif action == "sessions":
        sessions(turn)
    elif action == "segments":
        ask_segments(turn, form, edit=True)
    elif action == "next":
        ask(turn, form, TEXT_EN)
    elif action == "skip":
        skip(form)
        turn.save(form)
        after_text(turn, form, form.step)
    elif action == "keep":
        after_text(turn, form, form.step)
    elif action == "write" and press.value in ("en", "ar"):
        ask(turn, form, TEXT_EN if press.value == "en" else TEXT_AR)
    elif action == "other":
        form.other_language = True
        ask(turn, form, DOCUMENT)
    elif action == "nodoc":
        form.file_id, form.file_name = None, None
        ask(turn, form, WHEN)
    elif action == "now":
        form.when, form.zone = None, None
        preview(turn, form)
    elif action == "later":
        ask(turn, form, ZONE)
    elif action == "zone" and press.value.isdigit() and int(press.value) < len(ZONES):
        form.zone = ZONES[int(press.value)]
        ask(turn, form, WHEN)
    elif action == "confirm":
        confirm(turn, form)
    else:
        log.warning("forged or stale broadcast button from user %s: %r", turn.user.id, press)
        turn.toast(turn.t._(STALE), alert=True)


def skip(form: BroadcastForm) -> None:
    """Leave the answer of the step the form is at empty."""
    if form.step is TEXT_EN:
        form.text_en = ""
    elif form.step is TEXT_AR:
        form.text_ar = ""
    elif form.step is WHEN:
        form.when = None
    elif form.step is ZONE:
        form.zone = None


def countries(turn: Turn, form: BroadcastForm, page: int) -> None:
    t = turn.t
    codes = sorted(
        {
            code
            for code in turn.session.exec(
                select(Member.country).where(col(Member.standing) != Standing.WITHDRAWN.value)
            )
            if code
        },
        key=lambda code: country_names.sort_key(t.country(code)),
    )
    chosen = form.segments
    shown = codes[page * 10 : (page + 1) * 10]
    buttons = [
        Button(
            ("✅ " if broadcasts.segment(COUNTRY, c) in chosen else "") + t.country(c),
            Toggle(COUNTRY, c).pack(),
        )
        for c in shown
    ]
    rows: Keyboard = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    arrows = []
    if page > 0:
        arrows.append(Button("‹", Go("countries", str(page - 1)).pack()))
    if (page + 1) * 10 < len(codes):
        arrows.append(Button("›", Go("countries", str(page + 1)).pack()))
    if arrows:
        rows.append(arrows)
    rows.append([Button(t._("Done"), Go("segments", "").pack())])
    turn.edit(t._("Which countries?") if codes else t._("No member has a country yet."), rows)


def sessions(turn: Turn) -> None:
    t = turn.t
    found = turn.session.exec(
        select(Meeting)
        .where(col(Meeting.state).in_(["scheduled", "open"]))
        .order_by(col(Meeting.starts_at))
        .limit(8)
    ).all()
    rows: Keyboard = []
    for meeting in found:
        rows.append(
            [
                Button(
                    t._("Invited: {title}", title=Html(meeting.title)),
                    Toggle(INVITED, str(meeting.id)).pack(),
                ),
                Button(
                    t._("Not answered: {title}", title=Html(meeting.title)),
                    Toggle(UNANSWERED, str(meeting.id)).pack(),
                ),
            ]
        )
    rows.append([Button(t._("Done"), Go("segments", "").pack())])
    turn.edit(t._("Which session?") if found else t._("No session is scheduled."), rows)


# --- Texts, document, time -------------------------------------------------------------------


def following(step: Step) -> Step:
    return ORDER[ORDER.index(step) + 1] if step in ORDER and step != PREVIEW else PREVIEW


def ask(turn: Turn, form: BroadcastForm, step: Step) -> None:
    t = turn.t
    form.step = step
    turn.save(form)
    if step in (TEXT_EN, TEXT_AR):
        question = (
            t._(
                "Type the message in <b>English</b>. Bold (&lt;b&gt;), italics (&lt;i&gt;) and "
                'links (&lt;a href="…"&gt;) may be used. Or skip it if only Arabic is sent.'
            )
            if step == TEXT_EN
            else t._(
                "Type the message in <b>Arabic</b>, with the same formatting if you wish. "
                "Or skip it if only English is sent."
            )
        )
        rows: Keyboard = []
        if form.text_en if step == TEXT_EN else form.text_ar:
            rows.append([Button(t._("Keep the text already written"), Go("keep", "").pack())])
        rows.append([Button(t._("Skip this language"), Go("skip", "").pack())])
        turn.say(question, steps.with_nav(turn, FLOW, rows))
    elif step == DOCUMENT:
        rows = []
        if form.file_id:
            rows.append(
                [
                    Button(
                        t._("Keep: {name}", name=Html(form.file_name or "—")),
                        Go("keep", "").pack(),
                    )
                ]
            )
        rows.append([Button(t._("No document"), Go("nodoc", "").pack())])
        turn.say(
            t._(
                "Send a document to go with it (an agenda, a circular: PDF, JPEG or PNG), "
                "or choose “No document”."
            ),
            steps.with_nav(turn, FLOW, rows),
        )
    elif step == WHEN:
        if form.zone:
            turn.say(
                t._(
                    "When should it be sent, in {zone}? Type the date and time, such as "
                    "01/12/2026 10:00.",
                    zone=Html(form.zone),
                ),
                steps.with_nav(turn, FLOW, [[Button(t._("Send now"), Go("now", "").pack())]]),
            )
        else:
            turn.say(
                t._("Send it now, or at a time you choose?"),
                steps.with_nav(
                    turn,
                    FLOW,
                    [
                        [
                            Button(t._("Send now"), Go("now", "").pack()),
                            Button(t._("Schedule…"), Go("later", "").pack()),
                        ]
                    ],
                ),
            )
    elif step == ZONE:
        rows = [
            [Button(zone, Go("zone", str(i)).pack()) for i, zone in enumerate(ZONES[j : j + 3], j)]
            for j in range(0, len(ZONES), 3)
        ]
        turn.say(
            t._("In which time zone? Pick one, or type its name (such as Asia/Qatar)."),
            steps.with_nav(turn, FLOW, rows),
        )
    else:
        preview(turn, form)


def checked_html(turn: Turn, text: str, *, caption: bool) -> str | None:
    """Why Telegram would refuse ``text``, in the user's words; None when it is fine."""
    try:
        plain, _entities = parse_html(text)
    except EntityParseError as error:
        return turn.t._(
            "Telegram would refuse this formatting ({problem}). Please check the tags: "
            "&lt;b&gt;bold&lt;/b&gt;, &lt;i&gt;italics&lt;/i&gt;, "
            '&lt;a href="https://example.org"&gt;a link&lt;/a&gt;; write &amp;lt; for a '
            "“&lt;” sign. Your text is below, to copy and correct.",
            problem=str(error),
        )
    limit = lengths.CAPTION if caption else lengths.TEXT
    if len(plain.encode("utf-16-le")) // 2 > limit:
        return turn.t._(
            "This text is too long: at most {limit} characters ({kind}).",
            limit=limit,
            kind=Html(turn.t._("with a document") if caption else turn.t._("a message")),
        )
    if not plain.strip():
        return turn.t._("Please type your answer as a text message.")
    return None


@router.step(FLOW, TEXT_EN, TEXT_AR)
def typed_text(turn: Turn) -> None:
    form = here(turn)
    if form is None:
        return
    step = form.step
    text = (turn.event.text or "").strip()
    problem = checked_html(turn, text, caption=bool(form.file_id))
    if problem is not None:
        turn.say(problem, steps.with_nav(turn, FLOW))
        if text:
            # The text as typed, so that nothing is lost: copy, correct, send again.
            turn.say(turn.t._("Your text:\n{text}", text=text))
        return
    if step is TEXT_AR:
        form.text_ar = text
    else:
        form.text_en = text
    turn.save(form)
    after_text(turn, form, step)


def after_text(turn: Turn, form: BroadcastForm, step: Step) -> None:
    """On from a step: after the Arabic text, the check of both languages."""
    if step == TEXT_AR:
        after_texts(turn, form)
    else:
        ask(turn, form, following(step))


def after_texts(turn: Turn, form: BroadcastForm) -> None:
    """Both texts asked: a language left out is refused, or the other is sent to its
    readers if the sender says so."""
    t = turn.t
    found = broadcasts.audience(turn.session, form.segments, now=turn.uow.clock.now())
    en, ar = form.text_en, form.text_ar
    if not en and not ar:
        turn.say(t._("Please write the message in at least one language."))
        ask(turn, form, TEXT_EN)
        return
    missing = "en" if not en else "ar" if not ar else None
    readers = found.readers(missing) if missing else 0
    if missing and readers:
        language = t._("English") if missing == "en" else t._("Arabic")
        other = t._("Arabic") if missing == "en" else t._("English")
        form.step, form.other_language = TEXT_AR, False
        turn.save(form)
        turn.say(
            t.n_(
                "{count} recipient reads {language}, and there is no {language} text. Write it, "
                "or send them the {other} text?",
                "{count} recipients read {language}, and there is no {language} text. Write "
                "it, or send them the {other} text?",
                readers,
                language=Html(language),
                other=Html(other),
            ),
            steps.with_nav(
                turn,
                FLOW,
                [
                    [
                        Button(
                            t._("Send them the {other} text", other=Html(other)),
                            Go("other", "").pack(),
                        )
                    ],
                    [Button(t._("Write it"), Go("write", missing).pack())],
                ],
            ),
        )
        return
    form.other_language = False
    ask(turn, form, DOCUMENT)


@router.step(FLOW, DOCUMENT)
def document(turn: Turn) -> None:
    form = here(turn)
    if form is None:
        return
    file = turn.event.file
    limit = int(turn.uow.settings.letter_max_mb * 1024 * 1024)
    problem = letter_problem(file, max_bytes=limit)
    if problem is not None or file is None:
        key = problem if file is not None and problem is not None else NO_FILE
        turn.say(
            turn.t._(key, size=f"{turn.uow.settings.letter_max_mb:g}"),
            steps.with_nav(turn, FLOW, [[Button(turn.t._("No document"), Go("nodoc", "").pack())]]),
        )
        return
    for text in (form.text_en, form.text_ar):
        if text and checked_html(turn, text, caption=True) is not None:
            turn.say(
                turn.t._(
                    "With a document the text is its caption, at most {limit} characters: "
                    "please shorten it, or send no document.",
                    limit=lengths.CAPTION,
                ),
                steps.with_nav(
                    turn, FLOW, [[Button(turn.t._("No document"), Go("nodoc", "").pack())]]
                ),
            )
            return
    form.file_id, form.file_name = file.file_id, file.file_name or "document"
    ask(turn, form, WHEN)


@router.step(FLOW, ZONE)
def typed_zone(turn: Turn) -> None:
    form = here(turn)
    if form is None:
        return
    zone = zone_of(turn.event.text or "")
    if zone is None:
        turn.say(
            turn.t._("I do not know this time zone. Pick one, or type a name such as Asia/Qatar."),
            steps.with_nav(turn, FLOW),
        )
        return
    form.zone = str(zone)
    ask(turn, form, WHEN)


@router.step(FLOW, WHEN)
def typed_when(turn: Turn) -> None:
    form = here(turn)
    if form is None:
        return
    moment = parse_moment(turn.event.text)
    if moment is None or not form.zone:
        turn.say(
            turn.t._("Please type the date and time, such as 01/12/2026 10:00."),
            steps.with_nav(turn, FLOW),
        )
        return
    when = moment.replace(tzinfo=ZoneInfo(form.zone))
    if when <= turn.uow.clock.now():
        turn.say(
            turn.t._("This time has passed. Please type a later one, or send it now."),
            steps.with_nav(turn, FLOW, [[Button(turn.t._("Send now"), Go("now", "").pack())]]),
        )
        return
    form.when = when
    preview(turn, form)


# --- Preview, confirmation, cancelling ---------------------------------------------------------


def preview(turn: Turn, form: BroadcastForm) -> None:
    t = turn.t
    form.step = PREVIEW
    turn.save(form)
    now = turn.uow.clock.now()
    found = broadcasts.audience(turn.session, form.segments, now=now)
    en, ar = form.text_en, form.text_ar
    try:
        broadcasts.check_languages(
            found, text_en=en, text_ar=ar, other_language=form.other_language
        )
    except broadcasts.MissingTranslation:
        after_texts(turn, form)
        return
    moment = (
        t.moment(form.when, ZoneInfo(form.zone or "UTC")) if form.when is not None else t._("now")
    )
    summary = [
        t._("<b>Preview.</b> Below, the exact message each language group will receive."),
        t._(
            "Segments: {segments}",
            segments=Html(", ".join(label(turn, s) for s in form.segments)),
        ),
        reach(turn, found),
        t._(
            "Readers of English: {en} · of Arabic: {ar}",
            en=found.readers("en"),
            ar=found.readers("ar"),
        ),
        t._("Document: {name}", name=form.file_name or "—"),
        t._("Sent: {when}", when=Html(moment)),
    ]
    turn.say(Html("\n".join(summary)))
    for language in ("en", "ar"):
        if not found.readers(language):
            continue
        text = (ar or en) if language == "ar" else (en or ar)
        reader = text_for(language)
        heading = t._(
            "As {language} readers will see it:",
            language=Html(t._("English") if language == "en" else t._("Arabic")),
        )
        turn.say(heading)
        shown = reader.key(broadcasts.BODY_KEY, **{"body": Markup(text)})
        turn.say(Html(shown + (f"\n📎 {form.file_name}" if form.file_id else "")))
    turn.say(
        t._("Send this broadcast?"),
        steps.with_nav(turn, FLOW, [[Button(t._("Confirm and send"), Go("confirm", "").pack())]]),
    )


def confirm(turn: Turn, form: BroadcastForm) -> None:
    t = turn.t
    if form.step is not PREVIEW:
        turn.toast(t._(STALE), alert=True)
        return
    now = turn.uow.clock.now()
    try:
        broadcast = broadcasts.create(
            turn.session,
            sender_id=turn.user.id,
            segments=form.segments,
            text_en=form.text_en,
            text_ar=form.text_ar,
            other_language=form.other_language,
            file=(form.file_id, form.file_name or "") if form.file_id else None,
            due_at=form.when or now,
            time_zone=form.zone or "UTC",
            now=now,
        )
    except broadcasts.NoRecipients:
        turn.edit(t._("These segments reach nobody now; nothing was sent."))
        ask_segments(turn, form)
        return
    except broadcasts.MissingTranslation:
        after_texts(turn, form)
        return
    turn.finish()
    if form.when:
        turn.edit(
            t._(
                "Broadcast No. {number} is scheduled for {when}. You can cancel it until it "
                "starts.",
                number=broadcast.id,
                when=Html(t.moment(broadcast.due_at, ZoneInfo(broadcast.time_zone))),
            ),
            [[Button(t._("Cancel this broadcast"), CancelBroadcast(broadcast.id or 0).pack())]],
        )
    else:
        turn.edit(
            t._(
                "Broadcast No. {number} starts within seconds; its progress follows.",
                number=broadcast.id,
            ),
        )


@router.button(CancelBroadcast)
@explained
def cancel_broadcast(turn: Turn, press: CancelBroadcast) -> None:
    broadcasts.require_staff(turn.session, turn.user.id)
    try:
        with turn.session.begin_nested():
            broadcast = broadcasts.cancel(
                turn.session,
                broadcast_id=press.broadcast_id,
                actor_id=turn.user.id,
                now=turn.uow.clock.now(),
            )
    except IllegalTransition:
        log.warning("user %s: broadcast %s no longer cancellable", turn.user.id, press.broadcast_id)
        turn.toast(
            turn.t._(
                "Broadcast No. {number} has already started or was cancelled; it can no "
                "longer be cancelled.",
                number=press.broadcast_id,
            ),
            alert=True,
        )
        return
    turn.edit(
        turn.t._("Broadcast No. {number} is cancelled; nothing was sent.", number=broadcast.id)
    )


@steps.navigates(FLOW)
def navigate(turn: Turn, action: Nav) -> None:
    if action is Nav.CANCEL:
        turn.finish()
        turn.edit(turn.t._(steps.NOTHING_SENT))
        return
    form = here(turn)
    if form is None:
        turn.finish()
        return
    current = form.step
    back_to = {ZONE: DOCUMENT, WHEN: DOCUMENT, PREVIEW: WHEN}.get(current)
    if back_to is None:
        index = ORDER.index(current) if current in ORDER else 0
        back_to = ORDER[max(index - 1, 0)]
    if back_to is SEGMENTS:
        form.step = SEGMENTS
        turn.save(form)
        ask_segments(turn, form)
    else:
        ask(turn, form, back_to)


@router.button(ReportCsv)
@explained
def report_csv(turn: Turn, press: ReportCsv) -> None:
    t = turn.t
    broadcasts.require_staff(turn.session, turn.user.id)
    if turn.session.get(Broadcast, press.broadcast_id) is None:
        turn.toast(t._(STALE), alert=True)
        return
    rows = broadcasts.missed(turn.session, broadcast_id=press.broadcast_id, reader_id=turn.user.id)
    outcomes = {
        "blocked": t._("blocked the bot"),
        "never_started": t._("never started the bot"),
        "failed": t._("failed"),
        "pending": t._("not sent yet"),
    }
    content = spreadsheets.to_csv(
        [
            t._("Telegram id"),
            t._("Name"),
            t._("Username"),
            t._("Language"),
            t._("Member"),
            t._("Outcome"),
        ],
        [
            [
                row.user_id,
                row.first_name,
                f"@{row.username}" if row.username else "",
                row.language,
                "; ".join(name.for_language(t.language) for name in row.members),
                outcomes.get(row.outcome, row.outcome),
            ]
            for row in rows
        ],
    )
    turn.toast(t._("Preparing the file…"))
    turn.out.append(
        Reply(
            text=t.n_(
                "Broadcast No. {number}: {count} person did not receive it.",
                "Broadcast No. {number}: {count} people did not receive it.",
                len(rows),
                number=press.broadcast_id,
            ),
            document=Document(
                file_name=f"majlis-broadcast-{press.broadcast_id}-not-received.csv",
                content=content,
                mime_type="text/csv",
            ),
        )
    )


NO_FILE = N_("Please send the document as a file (PDF, JPEG or PNG), or choose below.")
STALE = N_("This button is no longer valid. Please use the latest message or /menu.")

opens(Item.BROADCAST, start)
