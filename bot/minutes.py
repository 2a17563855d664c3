"""The minutes as documents: a CSV, and a PDF in English or in Arabic.

Arabic is shaped (``arabic_reshaper``) and laid out right to left (``python-bidi``),
one wrapped line at a time so that lines break in reading order. The fonts are
Debian's Noto (``fonts-noto-core``): Noto Naskh Arabic, with Noto Sans for Latin
text; without them the PDF is refused with a sentence saying what to install.
"""

import csv
import io
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.i18n import Html, Text
from workflows import meetings, motions
from workflows.charter.meetings import BallotKind, DelegationState, SessionKind
from workflows.charter.voting import MotionKind, Result
from workflows.minutes import Minutes, Name
from workflows.values import N_

FONT_DIR = Path("/usr/share/fonts/truetype/noto")
ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")
FONTS = {
    "naskh": FONT_DIR / "NotoNaskhArabic-Regular.ttf",
    "naskh-bold": FONT_DIR / "NotoNaskhArabic-Bold.ttf",
    "sans": FONT_DIR / "NotoSans-Regular.ttf",
    "sans-bold": FONT_DIR / "NotoSans-Bold.ttf",
}


class FontsMissing(RuntimeError):
    """The PDF needs Debian's fonts-noto-core."""


def missing_fonts() -> list[str]:
    return [str(path) for path in FONTS.values() if not path.exists()]


CHOICES = {"yes": N_("Yes"), "no": N_("No"), "abstain": N_("Abstain")}


def _plain(t: Text, key: str, **args: object) -> str:
    """A translated label without HTML or isolation marks, for files."""
    values = {
        name: value if isinstance(value, int) else Html("" if value is None else str(value))
        for name, value in args.items()
    }
    return _strip(t._(key, **values))


def _strip(text: str) -> str:
    for mark in ("<b>", "</b>", "\u2068", "\u2069"):
        text = text.replace(mark, "")
    return text


def _name(t: Text, name: Name) -> str:
    return name.ar if t.rtl and name.ar else name.en


def _comma(t: Text) -> str:
    return "، " if t.rtl else ", "


def _when(minutes: Minutes, value: datetime) -> str:
    local = value.astimezone(ZoneInfo(minutes.meeting.time_zone))
    return f"{local:%Y-%m-%d %H:%M} {minutes.meeting.time_zone}"


def lines(t: Text, minutes: Minutes) -> list[tuple[str, str]]:
    """The minutes as (style, text) lines: "h1", "h2" or "p"."""
    meeting = minutes.meeting
    out = [
        ("h1", _plain(t, MINUTES_TITLE, title=meeting.title)),
        ("p", t._(meetings.BODY_NAMES[meetings.Body(meeting.body)])),
        ("p", t._(meetings.KIND_NAMES[SessionKind(meeting.kind)])),
        ("p", _plain(t, OPENED_AT, when=_when(minutes, meeting.starts_at))),
        ("p", _plain(t, PLACE, place=" ".join(filter(None, [meeting.place, meeting.link])) or "—")),
        ("p", _plain(t, AGENDA, agenda=meeting.agenda or "—")),
        ("p", _strip(t.show(meetings.rules_message(meetings.rules_of(meeting))))),
        ("h2", _plain(t, ATTENDANCE, present=len(minutes.present), invited=minutes.invited)),
    ]
    for row in minutes.present:
        how = _plain(t, BY_HAND if row.by_hand else CHECKED_IN, name=row.by)
        out.append(("p", f"{_name(t, row.name)} — {how}{_comma(t)}{_when(minutes, row.at)}"))
    out.append(("h2", t._(DELEGATES)))
    for delegate in minutes.delegates or []:
        state = t._(DELEGATION_STATES[DelegationState(delegate.state)])
        out.append(("p", f"{_name(t, delegate.member)}: {delegate.delegate} ({state})"))
    if not minutes.delegates:
        out.append(("p", "—"))
    for item in minutes.motions:
        motion = item.motion
        out.append(("h2", _plain(t, MOTION, number=motion.id, text=motion.text)))
        out.append(
            (
                "p",
                f"{t._(motions.KIND_NAMES[MotionKind(motion.kind)])}{_comma(t)}"
                f"{t._(motions.BALLOT_NAMES[BallotKind(motion.ballot)])}",
            )
        )
        if motion.result is not None:
            out.append(
                (
                    "p",
                    _plain(
                        t,
                        COUNTS,
                        yes=motion.yes,
                        no=motion.no,
                        abstain=motion.abstain,
                        cast=motion.votes_cast,
                        attending=motion.quorum_attending,
                        total=motion.quorum_total,
                    ),
                )
            )
            out.append(("p", _strip(t.show(meetings.rules_message(motions.rules_of(motion))))))
            out.append(("p", t._(motions.OUTCOMES[Result(motion.result)])))
            rule = motions.rule_message(motion.rule or "", motions.rules_of(motion).majority_base)
            out.append(("p", _strip(t.show(rule))))
        else:
            out.append(("p", t._(NOT_CLOSED)))
        out.append(("p", t._(ROLL_CALL if motion.ballot == BallotKind.NAMED.value else TOOK_PART)))
        for vote in item.votes:
            choice = f": {t._(CHOICES[vote.choice])}" if vote.choice else ""
            out.append(("p", f"  {_name(t, vote.voter)}{choice} ({vote.by})"))
    return out


def as_csv(t: Text, minutes: Minutes) -> bytes:
    """One row per fact: attendance, delegates, ballots; both names of every member."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([t._(h) for h in (SECTION, ITEM, NAME_EN, NAME_AR, DETAIL, BY, TIME)])
    for row in minutes.present:
        writer.writerow(
            [
                t._(ATTENDANCE_SHORT),
                "",
                row.name.en,
                row.name.ar,
                t._(HAND if row.by_hand else BUTTON),
                row.by,
                row.at.isoformat(),
            ]
        )
    for delegate in minutes.delegates:
        writer.writerow(
            [
                t._(DELEGATES),
                "",
                delegate.member.en,
                delegate.member.ar,
                t._(DELEGATION_STATES[DelegationState(delegate.state)]),
                delegate.delegate,
                "",
            ]
        )
    for item in minutes.motions:
        motion = item.motion
        result = t._(motions.OUTCOMES[Result(motion.result)]) if motion.result else t._(NOT_CLOSED)
        detail = f"{motion.yes or 0}/{motion.no or 0}/{motion.abstain or 0} {motion.rule or ''}"
        writer.writerow([t._(MOTION_SHORT), str(motion.id), motion.text, "", result, detail, ""])
        for vote in item.votes:
            writer.writerow(
                [
                    t._(BALLOT_SHORT),
                    str(motion.id),
                    vote.voter.en,
                    vote.voter.ar,
                    t._(CHOICES[vote.choice]) if vote.choice else t._(SECRET),
                    vote.by,
                    "",
                ]
            )
    return ("\ufeff" + buffer.getvalue()).encode()  # a BOM: spreadsheets then read UTF-8


def as_pdf(t: Text, minutes: Minutes) -> bytes:
    if missing_fonts():
        raise FontsMissing(
            "the minutes PDF needs Debian's Noto fonts: apt-get install fonts-noto-core "
            f"(missing {', '.join(missing_fonts())})"
        )
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    for name, path in FONTS.items():
        family, _, bold = name.partition("-")
        pdf.add_font(family, "B" if bold else "", str(path))
    main, other = ("naskh", "sans") if t.rtl else ("sans", "naskh")
    pdf.set_fallback_fonts([other], exact_match=False)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    sizes = {"h1": 16, "h2": 13, "p": 11}
    for style, text in lines(t, minutes):
        pdf.set_font(main, "B" if style != "p" else "", sizes[style])
        if style == "h2":
            pdf.ln(3)
        for line in _wrap(pdf, text, pdf.epw, t.rtl):
            pdf.cell(
                pdf.epw,
                sizes[style] * 0.6,
                _visual(line, t.rtl),
                align="R" if t.rtl else "L",
                new_x="LMARGIN",
                new_y="NEXT",
            )
    return bytes(pdf.output())


def _visual(line: str, rtl: bool) -> str:
    """A logical line shaped and reordered for drawing left to right: Arabic joined and
    right to left, inside an Arabic document or embedded in an English one."""
    if not rtl and not ARABIC.search(line):
        return line
    import arabic_reshaper

    # The algorithm module mirrors brackets in right-to-left runs; bidi.get_display does not.
    from bidi.algorithm import get_display

    return str(get_display(arabic_reshaper.reshape(line), base_dir="R" if rtl else "L"))


def _wrap(pdf: object, text: str, width: float, rtl: bool) -> list[str]:
    """Break ``text`` into lines that fit ``width``, in reading order."""
    measure = pdf.get_string_width  # type: ignore[attr-defined]
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if current and measure(_visual(candidate, rtl)) > width:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
    return lines


DELEGATION_STATES = {
    DelegationState.PENDING: N_("not yet answered"),
    DelegationState.ACCEPTED: N_("accepted"),
    DelegationState.DECLINED: N_("refused"),
    DelegationState.REVOKED: N_("replaced"),
}
MINUTES_TITLE = N_("Minutes: {title}")
OPENED_AT = N_("Date and time: {when}")
PLACE = N_("Place: {place}")
AGENDA = N_("Agenda: {agenda}")
ATTENDANCE = N_("Attendance: {present} present of {invited} invited")
ATTENDANCE_SHORT = N_("Attendance")
CHECKED_IN = N_("checked in by {name}")
BY_HAND = N_("recorded in the room by {name}")
DELEGATES = N_("Delegates")
MOTION = N_("Motion No. {number}: {text}")
MOTION_SHORT = N_("Motion")
BALLOT_SHORT = N_("Ballot")
COUNTS = N_(
    "Yes {yes}, No {no}, Abstain {abstain}; votes cast {cast}; present {attending} of {total}"
)
NOT_CLOSED = N_("Not decided yet.")
ROLL_CALL = N_("Roll call:")
TOOK_PART = N_("Took part in the secret ballot:")
SECRET = N_("secret")
SECTION = N_("Section")
ITEM = N_("No.")
NAME_EN = N_("Name (English)")
NAME_AR = N_("Name (Arabic)")
DETAIL = N_("Detail")
BY = N_("By")
TIME = N_("Time")
HAND = N_("by hand")
BUTTON = N_("by button")
