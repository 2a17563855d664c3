"""Texts: complete Arabic, the right plural forms, escaping, isolation, both calendars."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bot.i18n import FSI, PDI, Html, Text, translations
from locales.__main__ import problems
from workflows.platform.values import Money


def test_every_message_has_its_arabic_translation() -> None:
    assert problems("ar") == []


@pytest.mark.parametrize(
    ("n", "form"),
    [
        (0, 0),
        (1, 1),
        (2, 2),
        (3, 3),
        (5, 3),
        (10, 3),
        (11, 4),
        (99, 4),
        (100, 5),
        (102, 5),
        (103, 3),
        (111, 4),
    ],
)
def test_arabic_uses_the_cldr_plural_forms(n: int, form: int) -> None:
    # Babel's own Arabic header swaps "many" (11-99) and "other" (100-102).
    assert translations("ar").plural(n) == form  # type: ignore[attr-defined]


def test_user_text_is_escaped_and_isolated() -> None:
    rendered = Text("ar")._("Welcome back, {name}.", name="<b>Ali</b> & Co")
    assert f"{FSI}&lt;b&gt;Ali&lt;/b&gt; &amp; Co{PDI}" in rendered
    assert rendered.startswith("أهلًا بعودتك")


def test_trusted_html_is_kept() -> None:
    assert (
        Text("en")._("Language set: {language}.", language=Html("<b>x</b>"))
        == "Language set: <b>x</b>."
    )


def test_dates_carry_the_hijri_equivalent() -> None:
    assert Text("en").date(date(2026, 11, 22)) == "November 22, 2026 (12 Jumada al-Akhirah 1448 AH)"
    assert Text("ar").date(date(2026, 11, 22)) == "22 نوفمبر 2026 (12 جمادى الآخرة 1448 هـ)"


def test_moments_state_their_zone() -> None:
    assert Text("en").moment(datetime(2026, 3, 1, 9, 30, tzinfo=UTC)).endswith("9:30\u202fAM UTC")


def test_money_is_formatted_for_the_reader() -> None:
    assert Text("en").money(Decimal("1500"), "USD") == "$1,500.00"
    assert "1,500.00" in Text("ar").money(Decimal("1500"), "USD")


def test_unknown_language_falls_back_to_english() -> None:
    assert Text("fr")._("Main menu") == "Main menu"


def on_screen(text: str, language: str) -> str:
    """The text as the reader's screen lays it out, left to right (UAX #9), marks removed."""
    from bidi import get_display

    shown = get_display(text, base_dir="R" if language == "ar" else "L")
    return "".join(
        char for char in shown if char not in "\u200e\u200f\u061c\u2066\u2067\u2068\u2069"
    )


@pytest.mark.parametrize("language", ["en", "ar"])
def test_an_arabic_phone_number_keeps_its_order_for_every_reader(language: str) -> None:
    phone = "+٩٦٦ ٥٠ ١٢٣ ٤٥٦٧"
    shown = on_screen(Text(language)._("Contact: {contact}", contact=phone), language)
    assert phone in shown and "+٤٥٦٧ ١٢٣ ٥٠ ٩٦٦" not in shown


def test_commands_and_amounts_keep_their_shape_in_an_arabic_sentence() -> None:
    t = Text("ar")
    sentence = t._(
        "After paying, press «Report a payment» (or send /pay). /statement shows what is owed.",
    )
    assert "/pay" in on_screen(sentence, "ar") and "pay/" not in on_screen(sentence, "ar")
    assert "statement/" not in on_screen(sentence, "ar")
    amount = t._("Amount: {amount}", amount=Money(Decimal(5000), "USD"))
    assert "US$ 5,000.00" in on_screen(amount, "ar").replace("\xa0", " ")
    assert "$US" not in on_screen(amount, "ar")
    # English keeps Babel's English form, untouched.
    assert (
        Text("en")
        ._("Amount: {amount}", amount=Money(Decimal(5000), "USD"))
        .endswith(f"{FSI}$5,000.00{PDI}")
    )
