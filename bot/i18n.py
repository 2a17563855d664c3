"""Texts in the reader's language: gettext catalogs, escaping, bidi isolation, dates.

Catalogs are read from the ``.po`` files under ``locales/`` when first needed and
compiled in memory, so a checkout never runs with stale compiled catalogs.
Messages are marked for extraction with ``_`` and ``n_`` (rendered now, for the
person in the conversation) or ``N_`` (a key stored now, rendered later for a
recipient, as the outbox does). A notice's stable name stands for its template in
``bot/notices.py``, loaded with every workflow it names at the first such name: a
process that never renders a notice (the bot taking updates in) never loads them.
"""

import html
import io
import re
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import cache
from typing import Any, Literal

import hijridate
from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, get_currency_symbol
from babel.support import NullTranslations, Translations

from locales import CATALOG_DIR, LANGUAGES
from workflows.platform.values import N_, Country, Markup, Message, Money, Name, Texts

__all__ = ["N_", "Html", "Message", "Text", "escape", "isolate", "text_for"]

DEFAULT_LANGUAGE = "en"
#: Unicode isolates (UAX #9): first-strong, left-to-right, and their end; the mark LRM.
FSI, LRI, PDI, LRM = "\u2068", "\u2066", "\u2069", "\u200e"
#: A command in a translated text ("/pay"), not a closing tag, a path or a date.
COMMAND = re.compile(r"\u200e?(?<![\w<>/:.])(/[a-z][a-z_]*)\b")
#: Digits in groups ("+٩٦٦ ٥٠ ١٢٣ ٤٥٦٧", "+212 5 35 62 47 00"): a phone number.
DIGIT_GROUPS = re.compile(r"[+(]?\d[\d().\-]*(?:[ \u00a0][(]?\d[\d().\-]*)+")


def template(key: str) -> str:
    """The English template of ``key``: a notice's stable name is looked up in
    ``bot/notices.py``; words (with a space, which no stable name has) are one already."""
    if " " in key:
        return key
    return _notice_templates()(key)


@cache
def _notice_templates() -> Callable[[str], str]:
    # The notices import every workflow for their names: loaded when first needed.
    from bot.notices import template

    return template


class Html(str):
    """Text that is already valid Telegram HTML: interpolated as it is."""


def isolate(text: str) -> str:
    """Wrap user-provided text so that its direction cannot scramble what is around it;
    digits in groups inside it (a phone number) keep the order they were typed in."""
    return f"{FSI}{DIGIT_GROUPS.sub(_left_to_right_groups, text)}{PDI}"


def left_to_right(text: str) -> str:
    """A run that reads left to right in any paragraph: a command, a phone number."""
    return f"{LRI}{text}{PDI}"


def _left_to_right_groups(match: re.Match[str]) -> str:
    # Arabic-Indic digits are weak (AN): the spaces between their groups take the
    # paragraph's direction and would reverse the groups ("+٤٥٦٧ ١٢٣ ٥٠ ٩٦٦").
    # A left-to-right mark after each space keeps the groups in the order typed.
    groups = re.sub(r"([ \u00a0])", rf"\1{LRM}", match.group(0))
    return left_to_right(groups)


def escape(value: object) -> str:
    """HTML-escape a user-provided value and isolate its direction."""
    if isinstance(value, Html):
        return value
    return isolate(html.escape(str(value), quote=False))


@cache
def translations(language: str) -> NullTranslations:
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    po_path = CATALOG_DIR / language / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer)


class Text:
    """Everything one reader sees, rendered in their language."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self._translations = translations(self.language)

    @property
    def hijri_language(self) -> Literal["en", "ar"]:
        return "ar" if self.language == "ar" else "en"

    @property
    def rtl(self) -> bool:
        return self.language == "ar"

    def _(self, message: str, /, **args: Any) -> str:
        """``message`` in the reader's language, with ``args`` escaped and isolated."""
        translated = self._translations.gettext(template(message))
        return self._format(translated, args)

    def n_(self, singular: str, plural: str, count: int, /, **args: Any) -> str:
        """The plural form for ``count`` (Arabic has six); ``count`` is passed as ``{count}``."""
        translated = self._translations.ngettext(template(singular), template(plural), count)
        return self._format(translated, {"count": count, **args})

    def key(self, message: str, plural: str | None = None, /, **args: Any) -> str:
        """Render a stored message key (see ``N_``) with stored arguments."""
        if plural is not None:
            return self.n_(message, plural, int(args.pop("count", 0)), **args)
        return self._(message, **args)

    def _format(self, text: str, args: dict[str, Any]) -> str:
        if self.rtl:
            # Inside a right-to-left sentence "/pay" would show as "pay/".
            text = COMMAND.sub(lambda match: left_to_right(match.group(1)), text)
        return text.format(**{name: self._value(value) for name, value in args.items()})

    def show(self, value: Any) -> str:
        """A value as it appears in a text: user text escaped and isolated, dates in both
        calendars, countries and nested messages in the reader's language."""
        return self._value(value)

    def _value(self, value: Any) -> str:
        if isinstance(value, Html):
            return value
        if isinstance(value, Markup):
            return Html(value.html)
        if isinstance(value, Message):
            return Html(self.key(value.key, value.plural, **value.args))
        if isinstance(value, Texts):
            # Each line isolated on its own: an isolate does not survive a line break.
            return Html("\n".join(escape(line) for line in value.in_(self.language).split("\n")))
        if isinstance(value, Country):
            return html.escape(self.country(value.code))
        if isinstance(value, Name):
            return escape(value.for_language(self.language) or "—")
        if isinstance(value, Money):
            return isolate(self.money(value.amount, value.currency))
        if isinstance(value, list):
            return Html("\n".join(self._value(item) for item in value))
        if isinstance(value, datetime):
            return self.moment(value)
        if isinstance(value, date):
            return self.date(value)
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int):
            return self.number(value)
        if isinstance(value, str) and value.isascii() and value.isdigit():
            return value  # a reference number: nothing to escape, no direction to isolate
        return escape(value)

    def number(self, value: int | Decimal) -> str:
        return format_decimal(value, locale=self.language)

    def date(self, value: date) -> str:
        """The Gregorian date with its Hijri (Umm al-Qura) equivalent."""
        gregorian = format_date(value, format="long", locale=self.language)
        try:
            hijri = hijridate.Gregorian(value.year, value.month, value.day).to_hijri()
        except OverflowError:
            return gregorian
        hijri_text = (
            f"{hijri.day} {hijri.month_name(self.hijri_language)} {hijri.year} "
            f"{hijri.notation(self.hijri_language)}"
        )
        return f"{gregorian} ({hijri_text})"

    def moment(self, value: datetime, zone: tzinfo | None = None) -> str:
        """A date and time: both calendars, then the time and its zone."""
        local = value.astimezone(zone) if zone else value
        zone_name = local.tzname() or "UTC"
        clock = format_time(local, format="short", locale=self.language)
        return f"{self.date(local.date())} {clock} {zone_name}"

    def country(self, code: str) -> str:
        """The country's name in the reader's language (Babel's CLDR names)."""
        return str(Locale.parse(self.language).territories.get(code.upper(), code))

    def money(self, amount: Decimal, currency: str) -> str:
        """An exact amount with Babel's currency formatting for the reader ("$1,500.00",
        "‏1,500.00 US$"); the currency's own number of decimals (KWD has three)."""
        shown = format_currency(amount, currency, locale=self.language)
        if self.rtl:
            # Babel writes "‏5,000.00 US$" with the number first in Arabic; its "$" next
            # to the sentence's right-to-left text would leave "US" ("$US 5,000.00").
            symbol = get_currency_symbol(currency, locale=self.language)
            if re.search(r"[^\u0600-\u06ff\s.]", symbol):
                shown = shown.replace(symbol, left_to_right(symbol), 1)
        return shown


def text_for(language: str | None) -> Text:
    return Text(language or DEFAULT_LANGUAGE)


def language_name(language: str) -> str:
    """Each language is named in itself, so either reader finds their own."""
    return {"en": "English", "ar": "العربية"}.get(language, language)
