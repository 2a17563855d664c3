"""Reading what people type into the fee forms: dates, reminder schedules, amounts."""

from datetime import date

import pytest

from bot.conversations.dates import parse_day
from bot.conversations.fees.fee_forms import add_months
from bot.conversations.fees.fee_periods import parse_reminders


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("15/03/2027", date(2027, 3, 15)),
        ("15.3.2027", date(2027, 3, 15)),
        ("2027-03-15", date(2027, 3, 15)),
        ("١٥/٠٣/٢٠٢٧", date(2027, 3, 15)),
        ("\u200f١٥/٣/٢٠٢٧", date(2027, 3, 15)),
        ("۱۵-۰۳-۲۰۲۷", date(2027, 3, 15)),
        (" 1 / 1 / 2028 ", date(2028, 1, 1)),
    ],
)
def test_dates_are_read_day_first_or_iso_in_any_digits(typed: str, day: date) -> None:
    assert parse_day(typed) == day


@pytest.mark.parametrize("typed", ["", "tomorrow", "32/01/2027", "15/13/2027", "15/03/27", None])
def test_what_is_not_a_date_is_refused(typed: str | None) -> None:
    assert parse_day(typed) is None


def test_months_are_added_without_overflowing_short_months() -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2027, 1, 1), 24) == date(2029, 1, 1)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("typed", "schedule"),
    [
        ("30, 7 / 14", ([30, 7], 14)),
        ("٣٠، ٧ / ١٤", ([30, 7], 14)),
        ("7 30/10", ([30, 7], 10)),
        ("/ 21", ([], 21)),
        ("30, 7", None),
        ("30 / 0", None),
        ("30 / 7, 14", None),
    ],
)
def test_reminder_schedules_are_read_with_their_slash(
    typed: str, schedule: tuple[list[int], int] | None
) -> None:
    assert parse_reminders(typed) == schedule
