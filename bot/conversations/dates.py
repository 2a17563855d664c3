"""One grammar for the dates and times typed in every form.

A date is day/month/year (01/12/2026, 1.12.2026, 1-12-2026) or year-month-day
(2026-12-01), in Latin, Arabic-Indic or Persian digits, with or without the
direction marks an Arabic keyboard leaves around them; a time of day may follow
(10:00, 9.30). Which form needs a time, and which accepts none, is the form's
business: this module only reads what was typed. A time zone is typed by its name
(Asia/Qatar) or picked from ``ZONES``.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The time zones offered as buttons wherever a form asks for one; any other is typed.
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
#: The day, month and year in either order, then an optional time of day.
_TYPED = re.compile(
    r"(?P<a>\d{1,4})\s*[-/.\u060c,\s]\s*(?P<month>\d{1,2})\s*[-/.\u060c,\s]\s*(?P<b>\d{1,4})"
    r"(?:\s*(?:[T,\u060c]|\s)\s*(?P<hour>\d{1,2})\s*[:.\u066b]\s*(?P<minute>\d{2}))?"
)
#: Direction marks and isolates: invisible, and never part of a date.
_MARKS = dict.fromkeys([0x200E, 0x200F, 0x061C, 0x2066, 0x2067, 0x2068, 0x2069])


@dataclass(frozen=True)
class Typed:
    """A date as typed, and its time of day when one was given."""

    day: date
    clock: time | None = None

    def at(self) -> datetime | None:
        """The naive date and time, or None when no time was typed."""
        return datetime.combine(self.day, self.clock) if self.clock is not None else None


def _ascii_digits(text: str) -> str:
    return "".join(
        str(unicodedata.digit(char)) if unicodedata.category(char) == "Nd" else char
        for char in text
    )


def read(text: str | None) -> Typed | None:
    """The date (and time) in ``text``, or None when it is not one."""
    if not text:
        return None
    found = _TYPED.fullmatch(_ascii_digits(text.translate(_MARKS).strip()))
    if found is None:
        return None
    first, last = found["a"], found["b"]
    if len(first) == 4:
        year, day = int(first), int(last)
    elif len(last) == 4:
        year, day = int(last), int(first)
    else:
        return None
    try:
        typed_day = date(year, int(found["month"]), day)
        clock = None
        if found["hour"] is not None:
            clock = time(int(found["hour"]), int(found["minute"]))
    except ValueError:
        return None
    return Typed(typed_day, clock)


def parse_day(text: str | None) -> date | None:
    """A typed date; a time typed after it does not matter."""
    typed = read(text)
    return typed.day if typed is not None else None


def parse_moment(text: str | None) -> datetime | None:
    """A typed date and time (naive, in the zone the form states); None without a time."""
    typed = read(text)
    return typed.at() if typed is not None else None


def zone_of(name: str) -> ZoneInfo | None:
    """The time zone typed by its name (Asia/Qatar), or None when there is none such."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None
