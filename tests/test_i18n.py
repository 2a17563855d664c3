"""Texts: complete Arabic, the right plural forms, escaping, isolation, both calendars."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bot.i18n import FSI, PDI, Html, Text, translations
from locales.__main__ import problems


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
