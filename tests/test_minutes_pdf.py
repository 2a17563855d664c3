"""The minutes PDF as a Secretariat would file it (issue 11, items 4, 14 and 15): a
title block with the body, the session, the place and both calendars; attendance
and delegates as tables; each motion with its text, rule, base, counts and outcome
in words; the roll call of a named vote; page numbers; a signature block for the
Secretary-General; Arabic shaped and right to left. Made with the fonts Majlis
ships, without fontTools' chatter. Pages are turned into text and pictures with
poppler (Debian's poppler-utils) and checked."""

import logging
import re
import shutil
import subprocess
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.conversations.meetings import minutes_pdf as documents
from bot.i18n import text_for
from models import Meeting, Motion
from workflows.meetings.minutes import Delegate, Minutes, MotionMinutes, Name, Present, Vote

POPPLER = shutil.which("pdftoppm") and shutil.which("pdftotext")
needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="needs poppler-utils (apt-get install poppler-utils)"
)
START = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
CITIES = [
    ("Fez", "فاس"),
    ("Rabat", "الرباط"),
    ("Makkah", "مكة المكرمة"),
    ("Tunis", "تونس"),
    ("Kairouan", "القيروان"),
    ("Oran", "وهران"),
]


def session_minutes(*, agenda: str = "1. Budget 2027-2028.\n2. Rules of procedure.") -> Minutes:
    meeting = Meeting(
        id=9,
        body="assembly",
        kind="regular",
        title="Ninth General Assembly",
        title_ar="الدورة التاسعة للجمعية العامة",
        starts_at=START,
        time_zone="Asia/Riyadh",
        place="Makkah, King Abdulaziz Hall",
        agenda=agenda,
        state="closed",
    )
    names = [Name(en, ar) for en, ar in CITIES]
    present = [
        Present(name, "كريم" if i == 0 else f"Delegate {i}", START + timedelta(minutes=i), i == 3)
        for i, name in enumerate(names)
    ]
    named = Motion(
        id=1,
        meeting_id=9,
        text="Host the tenth Assembly in Fez.",
        kind="ordinary",
        ballot="named",
        state="closed",
        yes=4,
        no=1,
        abstain=1,
        votes_cast=5,
        quorum_met=True,
        quorum_total=6,
        quorum_attending=6,
        result="passed",
        rule="art26.majority_of_votes_cast",
    )
    secret = Motion(
        id=2,
        meeting_id=9,
        text="اعتماد النظام الداخلي المعدّل.",
        kind="rules_of_procedure",
        ballot="secret",
        state="closed",
        yes=2,
        no=3,
        abstain=0,
        votes_cast=5,
        quorum_met=True,
        quorum_total=6,
        quorum_attending=6,
        result="failed",
        rule="art27.no_majority_of_votes_cast",
    )
    choices = ["yes", "yes", "no", "yes", "abstain", "yes"]
    return Minutes(
        meeting=meeting,
        present=present,
        invited=7,
        delegates=[Delegate(names[0], "Yusuf", "accepted"), Delegate(names[5], "سلمى", "pending")],
        motions=[
            MotionMinutes(named, [Vote(n, c, "كريم") for n, c in zip(names, choices, strict=True)]),
            MotionMinutes(secret, [Vote(n, None, "Salma") for n in names[:5]]),
        ],
    )


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "minutes.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    # pdftotext marks the direction of runs (LRE, RLE, PDF): not part of the text drawn.
    return re.sub("[\u202a-\u202e]", "", text)


def first_page_png(pdf: bytes, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(tmp_path / name)],
        check=True,
    )
    (png,) = tmp_path.glob(f"{name}-*1.png")
    return png


def ink_columns(png: Path) -> tuple[float, float]:
    """Where the dark pixels of the top band (the title block) start and end, as
    fractions of the page's width."""
    import zlib

    data = png.read_bytes()
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    depth, colour = data[24], data[25]
    assert depth == 8, "an 8-bit PNG"
    chunks, i = b"", 8
    while i < len(data):
        size = int.from_bytes(data[i : i + 4], "big")
        if data[i + 4 : i + 8] == b"IDAT":
            chunks += data[i + 8 : i + 8 + size]
        i += 12 + size
    raw = zlib.decompress(chunks)
    channels = {0: 1, 2: 3, 6: 4}[colour]
    stride = width * channels + 1
    rows = [bytearray(raw[y * stride + 1 : (y + 1) * stride]) for y in range(height)]
    # Undo the PNG filters (Sub, Up, Average, Paeth) to read the pixels.
    previous = bytearray(width * channels)
    pixels = []
    for y, row in enumerate(rows):
        kind = raw[y * stride]
        for x in range(len(row)):
            a = row[x - channels] if x >= channels else 0
            b = previous[x]
            c = previous[x - channels] if x >= channels else 0
            if kind == 1:
                row[x] = (row[x] + a) & 0xFF
            elif kind == 2:
                row[x] = (row[x] + b) & 0xFF
            elif kind == 3:
                row[x] = (row[x] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[x] = (row[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        pixels.append(row)
        previous = row
    dark = [
        x
        for y in range(int(height * 0.06), int(height * 0.14))
        for x in range(width)
        if pixels[y][x * channels] < 128
    ]
    assert dark, "the title block has ink"
    return min(dark) / width, max(dark) / width


def test_the_fonts_ship_with_the_package() -> None:
    package = Path(documents.__file__).parents[2]
    for path in documents.FONTS.values():
        assert path.is_relative_to(package) and path.stat().st_size > 100_000
    assert "SIL Open Font License" in (package / "fonts" / "OFL.txt").read_text()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_pdf_logs_no_font_subsetting(language: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    pdf = documents.as_pdf(text_for(language), session_minutes())
    assert pdf.startswith(b"%PDF")
    assert not [r for r in caplog.records if r.name.startswith("fontTools")]


@needs_poppler
def test_english_minutes_worth_signing(tmp_path: Path) -> None:
    text = pdf_text(documents.as_pdf(text_for("en"), session_minutes()), tmp_path)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    flat = " ".join(text.split())  # sentences wrapped in a table's column join again
    for expected in [
        "World Assembly of Islamic Cities",
        "Minutes",
        "Ninth General Assembly",
        "General Assembly, regular session",
        "December 1, 2026 (21 Jumada al-Akhirah 1448 AH)",
        "Makkah, King Abdulaziz Hall",
        "Motion No. 1",
        "Host the tenth Assembly in Fez.",
        "The motion is adopted.",
        "The motion is not adopted.",
        "Roll call",
        "Secretary-General",
        "Signature",
    ]:
        assert expected in flat, expected
    # The agenda keeps its lines (item 4): one item a line, not "1. ... 2. ..." on one.
    assert "1. Budget 2027-2028." in lines and "2. Rules of procedure." in lines
    # Tables: a header row, then a row per member with its columns.
    assert any(line.startswith("Member") and "Checked in by" in line for line in lines)
    assert any(line.startswith("Fez") and "10:00 AM" in line for line in lines)
    # An Arabic name among English words keeps its place (issue 11, item 7): the member,
    # then who checked in, then the time, not a line scrambled around the name.
    shaped = [unicodedata.normalize("NFKC", line) for line in lines]
    assert "Fez كريم 10:00 AM checked in by button" in shaped
    assert any(line.startswith("Kairouan Abstain") for line in lines)  # the roll call
    assert "Yes 4 · No 1 · Abstain 1; votes cast 5, 3 needed" in flat
    # The rule and its base in words, and the secret ballot's participants only.
    assert "a simple majority of the votes cast (Art. 26)" in flat and "(Art. 27)" in flat
    assert "Majority of: Yes and No (abstentions are not counted)" in flat
    pages = text.count("\f")
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text


@needs_poppler
def test_arabic_minutes_right_to_left(tmp_path: Path) -> None:
    pdf = documents.as_pdf(text_for("ar"), session_minutes())
    text = pdf_text(pdf, tmp_path)
    # An English agenda item keeps its own direction in the Arabic minutes: no ".1".
    assert "1. Budget 2027-2028." in text and ".1" not in text.replace("2026.1", "")
    assert "Host the tenth Assembly in Fez." in text
    pages = text.count("\f")
    assert str(pages) in text
    # The Arabic title block is set from the right margin; the English from the left.
    arabic_left, arabic_right = ink_columns(first_page_png(pdf, tmp_path, "ar"))
    english = documents.as_pdf(text_for("en"), session_minutes())
    english_left, english_right = ink_columns(first_page_png(english, tmp_path, "en"))
    assert arabic_right > 0.85 and english_left < 0.15
    assert arabic_left > english_left and arabic_right > english_right
