"""/broadcast: the Secretariat writes to a segment of the Assembly.

Segments first, with the count of people and members they reach; the text in
English and Arabic (Telegram HTML, checked here with the same parser the sandbox
uses to refuse bad markup as Telegram does); an optional document; now or a time
in a stated zone; then the preview, one message per language group exactly as its
readers will see it, and the confirmation. Every answer is kept in the form's
data, so Back shows it again and a mistake loses nothing.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot import lengths
from bot.buttons import ReportCsv
from bot.callbacks import Callback
from bot.chat import Button, Document, Keyboard, Reply
from bot.conversations import countries as country_names
from bot.conversations import steps
from bot.conversations.dates import parse_moment
from bot.conversations.forms import Nav, letter_problem
from bot.conversations.meetings.session_form import ZONES, zone_of
from bot.conversations.membership.directory import CATEGORY_GROUPS
from bot.engine import Router, Turn
from bot.i18n import Html, text_for
from models import Broadcast, Meeting, Member
from sandbox.formatting import EntityParseError, parse_html
from workflows.charter.errors import IllegalTransition, NotAllowed
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
FLOW = "broadcast"


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


SEGMENTS, TEXT_EN, TEXT_AR, DOCUMENT, WHEN, ZONE, PREVIEW = (
    "segments",
    "text_en",
    "text_ar",
    "document",
    "when",
    "zone",
    "preview",
)
ORDER = [SEGMENTS, TEXT_EN, TEXT_AR, DOCUMENT, WHEN, PREVIEW]

BODIES = {
    "trustees": N_("Board of Trustees"),
    "steering": N_("Steering Committee"),
    "council": N_("Executive Supreme Council"),
}
STANDING_LABELS = {
    VOTING_SUSPENDED: N_("Voting right suspended"),
    OVERDUE: N_("Overdue on fees"),
}


def data(turn: Turn) -> dict[str, Any]:
    conversation = turn.conversation
    return dict(conversation.data) if conversation and conversation.flow == FLOW else {}


def allowed(turn: Turn) -> bool:
    try:
        broadcasts.require_staff(turn.session, turn.user.id)
    except NotAllowed:
        text = turn.t._(NOT_STAFF)
        turn.toast(text, alert=True) if turn.event.callback_id else turn.say(text)
        return False
    return True


@router.command("broadcast")
def broadcast_command(turn: Turn) -> None:
    start(turn)


def start(turn: Turn) -> None:
    if not allowed(turn):
        return
    kept = data(turn)
    turn.begin(FLOW, SEGMENTS, **kept)
    ask_segments(turn)


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


def ask_segments(turn: Turn, *, edit: bool = False) -> None:
    t = turn.t
    chosen: list[str] = data(turn).get("segments", [])
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
def toggle_segment(turn: Turn, press: Toggle) -> None:
    if not allowed(turn) or steps.at(turn, FLOW) is None:
        return
    chosen = broadcasts.segment(press.kind, press.value)
    if not broadcasts.valid_segment(chosen):
        log.warning("forged segment from user %s: %r", turn.user.id, chosen)
        turn.toast(turn.t._(STALE), alert=True)
        return
    segments: list[str] = data(turn).get("segments", [])
    segments = [s for s in segments if s != chosen] if chosen in segments else [*segments, chosen]
    turn.move(SEGMENTS, segments=segments)
    ask_segments(turn, edit=True)


@router.button(Go)
def go(turn: Turn, press: Go) -> None:
    if not allowed(turn) or steps.at(turn, FLOW) is None:
        return
    action = press.action
    if action == "countries":
        countries(turn, int(press.value) if press.value.isdigit() else 0)
    elif action == "sessions":
        sessions(turn)
    elif action == "segments":
        ask_segments(turn, edit=True)
    elif action == "next":
        ask(turn, TEXT_EN)
    elif action == "skip":
        current = (turn.conversation.step if turn.conversation else "") or ""
        turn.move(current, **{current: ""})
        after_text(turn, current)
    elif action == "keep":
        current = (turn.conversation.step if turn.conversation else "") or ""
        after_text(turn, current)
    elif action == "write" and press.value in ("en", "ar"):
        ask(turn, TEXT_EN if press.value == "en" else TEXT_AR)
    elif action == "other":
        turn.move(DOCUMENT, other_language=True)
        ask(turn, DOCUMENT)
    elif action == "nodoc":
        turn.move(DOCUMENT, file_id=None, file_name=None)
        ask(turn, WHEN)
    elif action == "now":
        turn.move(WHEN, when=None, zone=None)
        preview(turn)
    elif action == "later":
        ask(turn, ZONE)
    elif action == "zone" and press.value.isdigit() and int(press.value) < len(ZONES):
        turn.move(ZONE, zone=ZONES[int(press.value)])
        ask(turn, WHEN)
    elif action == "confirm":
        confirm(turn)
    else:
        log.warning("forged or stale broadcast button from user %s: %r", turn.user.id, press)
        turn.toast(turn.t._(STALE), alert=True)


def countries(turn: Turn, page: int) -> None:
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
    chosen: list[str] = data(turn).get("segments", [])
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


def following(step: str) -> str:
    return ORDER[ORDER.index(step) + 1] if step in ORDER and step != PREVIEW else PREVIEW


def ask(turn: Turn, step: str) -> None:
    t = turn.t
    kept = data(turn)
    turn.move(step)
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
        if kept.get(step):
            rows.append([Button(t._("Keep the text already written"), Go("keep", "").pack())])
        rows.append([Button(t._("Skip this language"), Go("skip", "").pack())])
        turn.say(question, steps.with_nav(turn, FLOW, rows))
    elif step == DOCUMENT:
        rows = []
        if kept.get("file_id"):
            rows.append(
                [
                    Button(
                        t._("Keep: {name}", name=Html(kept.get("file_name") or "—")),
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
        if kept.get("zone"):
            turn.say(
                t._(
                    "When should it be sent, in {zone}? Type the date and time, such as "
                    "01/12/2026 10:00.",
                    zone=Html(kept["zone"]),
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
        preview(turn)


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
    step = turn.conversation.step if turn.conversation else TEXT_EN
    text = (turn.event.text or "").strip()
    problem = checked_html(turn, text, caption=bool(data(turn).get("file_id")))
    if problem is not None:
        turn.say(problem, steps.with_nav(turn, FLOW))
        if text:
            # The text as typed, so that nothing is lost: copy, correct, send again.
            turn.say(turn.t._("Your text:\n{text}", text=text))
        return
    turn.move(step, **{step: text})
    after_text(turn, step)


def after_text(turn: Turn, step: str) -> None:
    """On from a step: after the Arabic text, the check of both languages."""
    if step == TEXT_AR:
        after_texts(turn)
    else:
        ask(turn, following(step))


def after_texts(turn: Turn) -> None:
    """Both texts asked: a language left out is refused, or the other is sent to its
    readers if the sender says so."""
    t = turn.t
    kept = data(turn)
    found = broadcasts.audience(turn.session, kept.get("segments", []), now=turn.uow.clock.now())
    en, ar = kept.get(TEXT_EN, ""), kept.get(TEXT_AR, "")
    if not en and not ar:
        turn.say(t._("Please write the message in at least one language."))
        ask(turn, TEXT_EN)
        return
    missing = "en" if not en else "ar" if not ar else None
    readers = found.readers(missing) if missing else 0
    if missing and readers:
        language = t._("English") if missing == "en" else t._("Arabic")
        other = t._("Arabic") if missing == "en" else t._("English")
        turn.move(TEXT_AR, other_language=False)
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
    turn.move(TEXT_AR, other_language=False)
    ask(turn, DOCUMENT)


@router.step(FLOW, DOCUMENT)
def document(turn: Turn) -> None:
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
    kept = data(turn)
    for language in ("en", "ar"):
        text = kept.get(f"text_{language}") or ""
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
    turn.move(DOCUMENT, file_id=file.file_id, file_name=file.file_name or "document")
    ask(turn, WHEN)


@router.step(FLOW, ZONE)
def typed_zone(turn: Turn) -> None:
    zone = zone_of(turn.event.text or "")
    if zone is None:
        turn.say(
            turn.t._("I do not know this time zone. Pick one, or type a name such as Asia/Qatar."),
            steps.with_nav(turn, FLOW),
        )
        return
    turn.move(ZONE, zone=str(zone))
    ask(turn, WHEN)


@router.step(FLOW, WHEN)
def typed_when(turn: Turn) -> None:
    kept = data(turn)
    moment = parse_moment(turn.event.text)
    if moment is None or not kept.get("zone"):
        turn.say(
            turn.t._("Please type the date and time, such as 01/12/2026 10:00."),
            steps.with_nav(turn, FLOW),
        )
        return
    when = moment.replace(tzinfo=ZoneInfo(kept["zone"]))
    if when <= turn.uow.clock.now():
        turn.say(
            turn.t._("This time has passed. Please type a later one, or send it now."),
            steps.with_nav(turn, FLOW, [[Button(turn.t._("Send now"), Go("now", "").pack())]]),
        )
        return
    turn.move(WHEN, when=when.isoformat())
    preview(turn)


# --- Preview, confirmation, cancelling ---------------------------------------------------------


def preview(turn: Turn) -> None:
    t = turn.t
    kept = data(turn)
    turn.move(PREVIEW)
    now = turn.uow.clock.now()
    found = broadcasts.audience(turn.session, kept.get("segments", []), now=now)
    en, ar = kept.get(TEXT_EN, ""), kept.get(TEXT_AR, "")
    other = bool(kept.get("other_language"))
    try:
        broadcasts.check_languages(found, text_en=en, text_ar=ar, other_language=other)
    except broadcasts.MissingTranslation:
        after_texts(turn)
        return
    when = kept.get("when")
    moment = t.moment(datetime.fromisoformat(when), ZoneInfo(kept["zone"])) if when else t._("now")
    summary = [
        t._("<b>Preview.</b> Below, the exact message each language group will receive."),
        t._(
            "Segments: {segments}",
            segments=Html(", ".join(label(turn, s) for s in kept.get("segments", []))),
        ),
        reach(turn, found),
        t._(
            "Readers of English: {en} · of Arabic: {ar}",
            en=found.readers("en"),
            ar=found.readers("ar"),
        ),
        t._("Document: {name}", name=kept.get("file_name") or "—"),
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
        turn.say(Html(shown + (f"\n📎 {kept['file_name']}" if kept.get("file_id") else "")))
    turn.say(
        t._("Send this broadcast?"),
        steps.with_nav(turn, FLOW, [[Button(t._("Confirm and send"), Go("confirm", "").pack())]]),
    )


def confirm(turn: Turn) -> None:
    t = turn.t
    kept = data(turn)
    if (turn.conversation.step if turn.conversation else None) != PREVIEW:
        turn.toast(t._(STALE), alert=True)
        return
    now = turn.uow.clock.now()
    when = datetime.fromisoformat(kept["when"]) if kept.get("when") else now
    try:
        broadcast = broadcasts.create(
            turn.session,
            sender_id=turn.user.id,
            segments=kept.get("segments", []),
            text_en=kept.get(TEXT_EN, ""),
            text_ar=kept.get(TEXT_AR, ""),
            other_language=bool(kept.get("other_language")),
            file=(kept["file_id"], kept.get("file_name") or "") if kept.get("file_id") else None,
            due_at=when,
            time_zone=kept.get("zone") or "UTC",
            now=now,
        )
    except broadcasts.NoRecipients:
        turn.edit(t._("These segments reach nobody now; nothing was sent."))
        ask_segments(turn)
        return
    except broadcasts.MissingTranslation:
        after_texts(turn)
        return
    turn.finish()
    if kept.get("when"):
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
def cancel_broadcast(turn: Turn, press: CancelBroadcast) -> None:
    if not allowed(turn):
        return
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
    current = (turn.conversation.step if turn.conversation else SEGMENTS) or SEGMENTS
    back_to = {ZONE: DOCUMENT, WHEN: DOCUMENT, PREVIEW: WHEN}.get(current)
    if back_to is None:
        index = ORDER.index(current) if current in ORDER else 0
        back_to = ORDER[max(index - 1, 0)]
    if back_to == SEGMENTS:
        turn.move(SEGMENTS)
        ask_segments(turn)
    else:
        ask(turn, back_to)


@router.button(ReportCsv)
def report_csv(turn: Turn, press: ReportCsv) -> None:
    t = turn.t
    if not allowed(turn):
        return
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
NOT_STAFF = N_("Broadcasts are sent by the Secretariat and the Secretary-General.")
STALE = N_("This button is no longer valid. Please use the latest message or /menu.")
