"""The minutes as a PDF a Secretariat would file and the Secretary-General sign.

A title block (the Assembly, the session, its body and kind, the date in both
calendars, the place, the agenda one item a line), attendance and delegates as
tables, each motion with its text, rule, base, counts and outcome in words, the
roll call of a named vote (only who took part in a secret one), page numbers
"Page n of N", and a signature block for the Secretary-General.

Arabic is shaped (``arabic_reshaper``) and laid out right to left (``python-bidi``)
one wrapped line at a time, so that lines break in reading order; in the Arabic
minutes tables run from the right. What people typed (titles, agenda items,
motions, names) takes the direction of its own first letter, so an English
agenda item in the Arabic minutes reads "1. Budget", not ".1 Budget". The fonts
ship with the package (``bot/conversations/meetings/fonts``, SIL Open Font License): Noto Naskh Arabic,
with Noto Sans for Latin text, so the PDF needs nothing installed on the machine.
"""

import html
import logging
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_time

from bot.i18n import Html, Text
from workflows.charter.meetings import BallotKind, DelegationState, SessionKind
from workflows.charter.voting import MotionKind, Result, quorum
from workflows.meetings import ballots, motions, sessions
from workflows.meetings.minutes import Minutes, MotionMinutes, Name
from workflows.platform.values import N_, Message

#: ``bot/fonts``, shipped with the ``bot`` package.
FONT_DIR = Path(__file__).parent / "fonts"
FONTS = {
    "naskh": FONT_DIR / "NotoNaskhArabic-Regular.ttf",
    "naskh-bold": FONT_DIR / "NotoNaskhArabic-Bold.ttf",
    "sans": FONT_DIR / "NotoSans-Regular.ttf",
    "sans-bold": FONT_DIR / "NotoSans-Bold.ttf",
}
ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")
#: What Telegram HTML and direction isolation add to a text, taken off for print.
MARKS = re.compile("</?b>|[\u2066-\u2069]")
BODY, SMALL, HEADING, TITLE = 10.5, 9.0, 13.0, 17.0
GREY = (90, 90, 90)
CHOICES = {"yes": N_("Yes"), "no": N_("No"), "abstain": N_("Abstain")}


def as_pdf(t: Text, minutes: Minutes) -> bytes:
    # fpdf2 subsets the embedded fonts with fontTools, which logs every table at INFO.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    # Laid out twice: the first pass counts the pages that "Page n of N" names.
    pages = _Document(t, minutes, pages=None).build().pages_count
    return bytes(_Document(t, minutes, pages=pages).build().output())


def plain(t: Text, key: str, **args: Any) -> str:
    """A translated text for print: no HTML, no isolation marks. Values are taken as
    they are (user text needs no escaping on paper); nested messages are rendered."""
    values = {
        name: value if isinstance(value, int | Message) else Html("" if value is None else value)
        for name, value in args.items()
    }
    return strip(t._(key, **values))


def strip(text: str) -> str:
    return html.unescape(MARKS.sub("", text))


def visual(line: str, base: str | None) -> str:
    """A logical line shaped and reordered for drawing left to right. ``base`` is the
    paragraph's direction, "L" or "R"; None takes the direction of its first letter."""
    if not ARABIC.search(line) and base != "R":
        return line
    # Imported at the first Arabic line, not when the bot starts: only the minutes need them.
    import arabic_reshaper

    # The algorithm module mirrors brackets in right-to-left runs; bidi.get_display does not.
    from bidi.algorithm import get_display

    return str(get_display(arabic_reshaper.reshape(line), base_dir=base))


def _name(t: Text, name: Name) -> str:
    return name.ar if t.rtl and name.ar else name.en


class _Document:
    def __init__(self, t: Text, minutes: Minutes, *, pages: int | None) -> None:
        # Imported at the first PDF, not when the bot starts: fpdf2 and the fontTools it
        # loads take a good part of a second, which every start would pay for nothing.
        from fpdf import FPDF

        self.t, self.minutes, self.pages = t, minutes, pages
        self.zone = ZoneInfo(minutes.meeting.time_zone)
        self.base = "R" if t.rtl else "L"
        self.align = "R" if t.rtl else "L"
        document = self

        class Paper(FPDF):
            def footer(self) -> None:
                document.footer()

        self.pdf = Paper(format="A4")
        self.pdf.set_margins(18, 16, 18)
        self.pdf.set_auto_page_break(auto=True, margin=20)
        for name, path in FONTS.items():
            family, _, bold = name.partition("-")
            self.pdf.add_font(family, "B" if bold else "", str(path))
        self.main, other = ("naskh", "sans") if t.rtl else ("sans", "naskh")
        self.pdf.set_fallback_fonts([other], exact_match=False)

    # --- Drawing ---------------------------------------------------------------

    def font(self, size: float, *, bold: bool = False) -> None:
        self.pdf.set_font(self.main, "B" if bold else "", size)

    def wrap(self, text: str, width: float, base: str | None) -> list[str]:
        """``text`` broken into lines that fit ``width``, in reading order."""
        measure = self.pdf.get_string_width
        lines: list[str] = []
        for paragraph in text.split("\n"):
            current = ""
            for word in paragraph.split(" "):
                candidate = f"{current} {word}" if current else word
                if current and measure(visual(candidate, base)) > width:
                    lines.append(current)
                    current = word
                else:
                    current = candidate
            lines.append(current)
        return lines

    def cell(self, width: float, height: float, text: str, *, align: str, **more: Any) -> None:
        # fpdf2 forgets that a text drawn wholly in the fallback font left the page on
        # that font, and would draw the next Arabic text with the wrong glyphs: select
        # the font again before every cell.
        self.pdf.current_font_is_set_on_page = False
        self.pdf.cell(width, height, text, align=align, **more)

    def line_height(self) -> float:
        return self.pdf.font_size_pt * 0.52

    def para(
        self,
        text: str,
        *,
        size: float = BODY,
        bold: bool = False,
        typed: bool = False,
        align: str | None = None,
        colour: tuple[int, int, int] = (0, 0, 0),
    ) -> None:
        """A paragraph in the document's direction; ``typed``: what a person wrote,
        each line in its own direction."""
        self.font(size, bold=bold)
        self.pdf.set_text_color(*colour)
        for line in self.wrap(text, self.pdf.epw, None if typed else self.base):
            self.cell(
                self.pdf.epw,
                self.line_height(),
                visual(line, None if typed else self.base),
                align=align or self.align,
                new_x="LMARGIN",
                new_y="NEXT",
            )
        self.pdf.set_text_color(0, 0, 0)

    def heading(self, text: str) -> None:
        if self.pdf.will_page_break(30):
            self.pdf.add_page()
        self.pdf.ln(4)
        self.para(text, size=HEADING, bold=True)
        y = self.pdf.get_y() + 0.5
        self.pdf.set_draw_color(150, 150, 150)
        self.pdf.line(self.pdf.l_margin, y, self.pdf.l_margin + self.pdf.epw, y)
        self.pdf.ln(2.5)

    def field(self, label: str, value: str, *, typed: bool = False) -> None:
        """A label and its value side by side, the label on the side the reading starts."""
        self.table([], [[label, value]], [0.26, 0.74], borders=False, bold_first=True, typed=typed)

    def table(
        self,
        headers: list[str],
        rows: list[list[str]],
        widths: list[float],
        *,
        borders: bool = True,
        bold_first: bool = False,
        typed: bool = True,
    ) -> None:
        """Rows of cells, from the right in Arabic. Cells wrap in reading order; a row
        that does not fit starts a new page, under the header again."""
        pdf = self.pdf
        columns = [w * pdf.epw for w in widths]
        pad = 1.6
        self.font(BODY)
        lh = self.line_height()

        def direction(index: int, header: bool) -> str | None:
            """Labels and headers in the document's direction; typed text in its own."""
            own = header or (bold_first and index == 0) or not typed
            return self.base if own else None

        def draw(cells: list[str], *, header: bool) -> None:
            wrapped = []
            for index, cell in enumerate(cells):
                self.font(BODY, bold=header or (bold_first and index == 0))
                wrapped.append(self.wrap(cell, columns[index] - 2 * pad, direction(index, header)))
            height = max(len(lines) for lines in wrapped) * lh + (2 * pad if borders else 0.8)
            if pdf.will_page_break(height):
                pdf.add_page()
                if headers and not header:
                    draw(headers, header=True)
            top = pdf.get_y()
            order = list(range(len(cells)))
            x = pdf.l_margin
            for index in reversed(order) if self.t.rtl else order:
                width = columns[index]
                if borders:
                    pdf.set_draw_color(120, 120, 120)
                    if header:
                        pdf.set_fill_color(230, 230, 230)
                    pdf.rect(x, top, width, height, style="DF" if header else "D")
                self.font(BODY, bold=header or (bold_first and index == 0))
                base = direction(index, header)
                for number, line in enumerate(wrapped[index]):
                    pdf.set_xy(x + pad, top + (pad if borders else 0.4) + number * lh)
                    self.cell(width - 2 * pad, lh, visual(line, base), align=self.align)
                x += width
            pdf.set_xy(pdf.l_margin, top + height)

        if headers:
            draw(headers, header=True)
        for row in rows:
            draw(row, header=False)
        pdf.ln(1.5)

    def footer(self) -> None:
        pdf = self.pdf
        pdf.set_y(-13)
        self.font(SMALL)
        pdf.set_text_color(*GREY)
        number = pdf.page_no()
        text = plain(self.t, PAGE, page=str(number), pages=str(self.pages or number))
        self.cell(0, 5, visual(text, self.base), align="C")
        pdf.set_text_color(0, 0, 0)

    # --- The minutes -----------------------------------------------------------

    def build(self) -> Any:
        self.pdf.add_page()
        self.title_block()
        self.attendance()
        for item in self.minutes.motions:
            self.motion(item)
        self.signatures()
        return self.pdf

    def moment(self, value: datetime) -> str:
        """The date in both calendars, then the time and the session's zone."""
        local = value.astimezone(self.zone)
        clock = self.clock(value)
        return (
            f"{self.t.date(local.date())}، {clock}"
            if self.t.rtl
            else (f"{self.t.date(local.date())}, {clock}")
        )

    def clock(self, value: datetime) -> str:
        clock = format_time(value.astimezone(self.zone), format="short", locale=self.t.language)
        # CLDR puts a narrow no-break space before "AM" and "ص"; Noto Naskh has none.
        return clock.replace("\u202f", " ")

    def title_block(self) -> None:
        t, meeting = self.t, self.minutes.meeting
        self.para(t._(ORGANISATION), size=SMALL, bold=True, colour=GREY)
        self.pdf.ln(1)
        self.para(t._(MINUTES), size=HEADING, bold=True)
        self.para(sessions.title_of(meeting).in_(t.language), size=TITLE, bold=True, typed=True)
        self.para(
            plain(
                t,
                BODY_AND_KIND,
                body=t._(sessions.BODY_NAMES[sessions.Body(meeting.body)]),
                kind=t._(sessions.KIND_NAMES[SessionKind(meeting.kind)]),
            ),
            size=12,
        )
        self.pdf.ln(2)
        where = " ".join(filter(None, [meeting.place, meeting.link])) or "—"
        self.field(t._(DATE), f"{self.moment(meeting.starts_at)} ({meeting.time_zone})")
        self.field(t._(PLACE), where, typed=True)
        if meeting.opened_at is not None:
            closed = self.clock(meeting.closed_at) if meeting.closed_at else "—"
            self.field(
                t._(SITTING),
                plain(t, OPENED_CLOSED, opened=self.clock(meeting.opened_at), closed=closed),
            )
        self.field(t._(SESSION_NUMBER), str(meeting.id))
        self.field(t._(RULES), strip(t.show(sessions.rules_message(sessions.rules_of(meeting)))))
        self.heading(t._(AGENDA))
        for line in sessions.agenda_of(meeting).in_(t.language).split("\n"):
            self.para(line, typed=True)

    def attendance(self) -> None:
        t, minutes = self.t, self.minutes
        self.heading(plain(t, ATTENDANCE, present=len(minutes.present), invited=minutes.invited))
        if minutes.present:
            self.table(
                [t._(MEMBER), t._(CHECKED_IN_BY), t._(TIME), t._(HOW)],
                [
                    [
                        _name(t, row.name),
                        row.by,
                        self.clock(row.at),
                        t._(BY_HAND if row.by_hand else BY_BUTTON),
                    ]
                    for row in minutes.present
                ],
                [0.34, 0.28, 0.14, 0.24],
            )
        else:
            self.para(t._(NOBODY))
        self.heading(t._(DELEGATES))
        if minutes.delegates:
            self.table(
                [t._(MEMBER), t._(DELEGATE), t._(STATE)],
                [
                    [
                        _name(t, row.member),
                        row.delegate,
                        t._(DELEGATION_STATES[DelegationState(row.state)]),
                    ]
                    for row in minutes.delegates
                ],
                [0.4, 0.35, 0.25],
            )
        else:
            self.para(t._(NO_DELEGATES))

    def motion(self, item: MotionMinutes) -> None:
        t, motion = self.t, item.motion
        self.heading(plain(t, MOTION, number=str(motion.id)))
        self.para(motion.text, typed=True, bold=True)
        self.pdf.ln(1)
        kind = MotionKind(motion.kind)
        self.field(
            t._(KIND),
            f"{t._(ballots.KIND_NAMES[kind])}، {t._(ballots.BALLOT_NAMES[BallotKind(motion.ballot)])}"
            if t.rtl
            else f"{t._(ballots.KIND_NAMES[kind])}, "
            f"{t._(ballots.BALLOT_NAMES[BallotKind(motion.ballot)])}",
        )
        rules = motions.rules_of(motion)
        self.field(t._(RULE), plain(t, MAJORITY_RULE, article=str(ARTICLES[kind])))
        self.field(t._(BASE), strip(t.show(sessions.rules_message(rules))))
        if motion.result is None:
            self.field(t._(OUTCOME), t._(NOT_DECIDED))
        else:
            cast = motion.votes_cast or 0
            self.field(
                t._(COUNT),
                plain(
                    t,
                    COUNTS,
                    yes=str(motion.yes or 0),
                    no=str(motion.no or 0),
                    abstain=str(motion.abstain or 0),
                    cast=str(cast),
                    needed=str(rules.majority.minimum(cast)),
                ),
            )
            present = quorum(motion.quorum_total or 0, motion.quorum_attending or 0, rules)
            self.field(t._(QUORUM), strip(t.show(sessions.quorum_message(present))))
            rule = motions.rule_message(motion.rule or "", rules.majority_base)
            self.field(
                t._(OUTCOME),
                f"{t._(motions.OUTCOMES[Result(motion.result)])} {plain(t, rule.key, **rule.args)}",
            )
        # The roll call's title stays on the page of its first rows.
        if self.pdf.will_page_break(28):
            self.pdf.add_page()
        self.pdf.ln(2)
        if motion.ballot == BallotKind.NAMED.value:
            self.para(t._(ROLL_CALL), bold=True)
            rows = [
                [_name(t, vote.voter), t._(CHOICES[vote.choice]) if vote.choice else "—", vote.by]
                for vote in item.votes
            ]
            headers = [t._(MEMBER), t._(VOTE), t._(CAST_BY)]
            widths = [0.42, 0.2, 0.38]
        else:
            self.para(t._(TOOK_PART), bold=True)
            rows = [[_name(t, vote.voter), vote.by] for vote in item.votes]
            headers = [t._(MEMBER), t._(CAST_BY)]
            widths = [0.55, 0.45]
        if rows:
            self.table(headers, rows, widths)
        else:
            self.para(t._(NO_BALLOTS))

    def signatures(self) -> None:
        t, pdf = self.t, self.pdf
        if pdf.will_page_break(60):
            pdf.add_page()
        pdf.ln(10)
        self.para(t._(CERTIFIED), bold=True)
        pdf.ln(4)
        self.para(t._(SECRETARY_GENERAL), bold=True)
        pdf.ln(2)
        blank = "_" * 34
        for label in (NAME, SIGNATURE, SIGNED_ON):
            self.field(t._(label), blank)
            pdf.ln(3)


ARTICLES = {
    MotionKind.ORDINARY: 26,
    MotionKind.RULES_OF_PROCEDURE: 27,
    MotionKind.CHARTER_AMENDMENT: 30,
}
DELEGATION_STATES = {
    DelegationState.PENDING: N_("not yet answered"),
    DelegationState.ACCEPTED: N_("accepted"),
    DelegationState.DECLINED: N_("refused"),
    DelegationState.REVOKED: N_("replaced"),
}
ORGANISATION = N_("World Assembly of Islamic Cities")
MINUTES = N_("Minutes")
BODY_AND_KIND = N_("{body}, {kind}")
DATE = N_("Date")
PLACE = N_("Place")
SITTING = N_("Sitting")
OPENED_CLOSED = N_("opened at {opened}, closed at {closed}")
SESSION_NUMBER = N_("Session No.")
AGENDA = N_("Agenda")
RULES = N_("Rules of the session")
ATTENDANCE = N_("Attendance: {present} present of {invited} invited")
NOBODY = N_("Nobody was recorded as present.")
MEMBER = N_("Member")
CHECKED_IN_BY = N_("Checked in by")
TIME = N_("Time")
HOW = N_("How")
BY_BUTTON = N_("checked in by button")
BY_HAND = N_("recorded in the room")
DELEGATES = N_("Delegates")
DELEGATE = N_("Delegate")
STATE = N_("State")
NO_DELEGATES = N_("No member named a delegate.")
MOTION = N_("Motion No. {number}")
KIND = N_("Kind")
RULE = N_("Rule")
MAJORITY_RULE = N_("a simple majority of the votes cast (Art. {article})")
BASE = N_("Base")
COUNT = N_("Count")
COUNTS = N_("Yes {yes} · No {no} · Abstain {abstain}; votes cast {cast}, {needed} needed")
QUORUM = N_("Quorum")
OUTCOME = N_("Outcome")
NOT_DECIDED = N_("Not decided yet.")
ROLL_CALL = N_("Roll call")
TOOK_PART = N_("Took part in the secret ballot (the choices are not recorded by name)")
VOTE = N_("Vote")
CAST_BY = N_("Cast by")
NO_BALLOTS = N_("No ballot was cast.")
CERTIFIED = N_("Certified as a true record of the session.")
SECRETARY_GENERAL = N_("The Secretary-General")
NAME = N_("Name")
SIGNATURE = N_("Signature")
SIGNED_ON = N_("Date")
PAGE = N_("Page {page} of {pages}")
