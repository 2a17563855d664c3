"""The minutes PDF: made with the fonts Majlis ships, without fontTools' chatter."""

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import minutes as documents
from bot.i18n import text_for
from models import Meeting
from workflows.minutes import Minutes


def bare_minutes() -> Minutes:
    meeting = Meeting(
        id=1,
        body="assembly",
        kind="regular",
        title="Ninth General Assembly",
        starts_at=datetime(2026, 12, 1, 7, 0, tzinfo=UTC),
        time_zone="Asia/Riyadh",
        place="Makkah",
        agenda="1. Budget\n2. Rules",
        state="closed",
    )
    return Minutes(meeting=meeting, present=[], invited=0, delegates=[], motions=[])


def test_the_fonts_ship_with_the_package() -> None:
    package = Path(documents.__file__).parent
    for path in documents.FONTS.values():
        assert path.is_relative_to(package) and path.stat().st_size > 100_000
    assert "SIL Open Font License" in (package / "fonts" / "OFL.txt").read_text()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_pdf_logs_no_font_subsetting(language: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    pdf = documents.as_pdf(text_for(language), bare_minutes())
    assert pdf.startswith(b"%PDF")
    assert not [r for r in caplog.records if r.name.startswith("fontTools")]
