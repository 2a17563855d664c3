"""What every guided form shares: the words of Back and Cancel, typed-input checks, file
checks. The buttons themselves are :mod:`bot.conversations.steps`' ``StepNav``."""

import enum
import re

from bot.chat import FileCheck, FileRef
from bot.engine import Turn
from workflows.platform.values import N_

#: Said before a question is shown again because text came where a button was wanted.
ASKED_AGAIN = N_("Please answer with one of the buttons; here is the question again.")


class Nav(enum.StrEnum):
    BACK = "back"
    CANCEL = "cancel"


ARABIC_LETTER = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F]")


def clean_line(text: str | None, *, minimum: int = 2, maximum: int = 200) -> str | None:
    """One line of typed text, trimmed, or None when too short or too long."""
    if text is None:
        return None
    value = " ".join(text.split())
    if not minimum <= len(value) <= maximum or value.startswith("/"):
        return None
    return value


LETTER_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}


def max_letter_mb(turn: Turn) -> str:
    """The largest letter or receipt accepted, as shown to people (10, 0.5)."""
    return f"{turn.uow.settings.letter_max_mb:g}"


def refuse_file(turn: Turn, *, missing: str | None = None) -> str | None:
    """Why the file just sent cannot serve as a signed letter or receipt, said in the
    user's language; None when it can. ``missing`` replaces the no-file sentence."""
    limit = int(turn.uow.settings.letter_max_mb * 1024 * 1024)
    problem = letter_problem(turn.event.file, max_bytes=limit)
    if problem is None:
        return None
    if turn.event.file is None and missing is not None:
        return missing
    return turn.t._(problem, size=max_letter_mb(turn))


def letter_problem(file: FileRef | None, *, max_bytes: int) -> str | None:
    """Why a file is not acceptable as a signed letter (a message key), or None.

    The bytes decide (``bot.uploads``), not the type the sender's client declared: a
    file that was not fetched and recognised as a PDF, JPEG or PNG is refused."""
    if file is None:
        return N_("Please send the signed letter as a document or a photo (PDF, JPEG or PNG).")
    too_large = file.file_size is not None and file.file_size > max_bytes
    if too_large or file.check is FileCheck.TOO_LARGE:
        return N_("This file is too large. Please send a file of at most {size} MB.")
    if file.check is FileCheck.OK and file.content_type in LETTER_TYPES:
        return None
    if file.check is FileCheck.UNAVAILABLE:
        return N_("I could not fetch this file from Telegram. Please send it again.")
    declared = file.mime_type or ("image/jpeg" if file.kind == "photo" else "")
    if declared not in LETTER_TYPES:
        return N_("This file type is not accepted. Please send a PDF, JPEG or PNG file.")
    return N_(
        "This file is not a readable PDF, JPEG or PNG: it may be damaged, or another kind of "
        "file renamed. Please send it again as a PDF document or a photo."
    )


BACK = N_("« Back")
CANCEL = N_("Cancel")
