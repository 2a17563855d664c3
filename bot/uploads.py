"""What a file sent to the bot really is: fetched from the Bot API and recognised by its
bytes, not by the name or type the sender's client declared.

A signed letter or a receipt must be a PDF, a JPEG or a PNG. The engine has the file
fetched (``getFile``, then the download, stopped past the size limit) before the
unit of work begins, so no transaction waits on Telegram, and hands the forms the
type the bytes show. The checks are structural, with the standard library only: a
PDF's header and end-of-file marker, a PNG's chunks with their checksums from IHDR
to IEND, a JPEG's segments from the start of image to a frame and a scan, then its
end-of-image marker.
"""

import logging
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import replace

import httpx

from bot.chat import ChatEvent, FileCheck
from bot.telegram_api import ApiError, BotApi, TooLarge

log = logging.getLogger(__name__)

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PDF_HEADER = re.compile(rb"%PDF-\d\.\d")
#: Readers look for the header in the first kilobyte and the end marker in the last.
PDF_WINDOW = 1024
#: JPEG frame markers (SOF0-SOF15 but DHT, JPG and DAC, which share the range).
JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def content_type(content: bytes) -> str | None:
    """The MIME type the bytes show (PDF, JPEG or PNG), or None when they are none of
    those, or a damaged one."""
    if _is_pdf(content):
        return PDF
    if _is_png(content):
        return PNG
    if _is_jpeg(content):
        return JPEG
    return None


def _is_pdf(content: bytes) -> bool:
    return PDF_HEADER.search(content[:PDF_WINDOW]) is not None and b"%%EOF" in content[-PDF_WINDOW:]


def _is_png(content: bytes) -> bool:
    if not content.startswith(PNG_SIGNATURE):
        return False
    offset, kinds = len(PNG_SIGNATURE), []
    while offset + 12 <= len(content):
        (length,) = struct.unpack(">I", content[offset : offset + 4])
        kind = content[offset + 4 : offset + 8]
        data = content[offset + 8 : offset + 8 + length]
        end = offset + 12 + length
        if end > len(content):
            return False
        (crc,) = struct.unpack(">I", content[end - 4 : end])
        if zlib.crc32(kind + data) != crc:
            return False
        kinds.append(kind)
        offset = end
        if kind == b"IEND":
            break
    return bool(kinds) and kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds


def _is_jpeg(content: bytes) -> bool:
    if not content.startswith(b"\xff\xd8"):
        return False
    offset, framed = 2, False
    while offset + 4 <= len(content):
        if content[offset] != 0xFF:
            return False
        marker = content[offset + 1]
        if marker == 0xFF:  # fill byte before a marker
            offset += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            offset += 2
            continue
        (length,) = struct.unpack(">H", content[offset + 2 : offset + 4])
        if length < 2:
            return False
        framed = framed or marker in JPEG_FRAMES
        if marker == 0xDA:  # start of scan: entropy-coded data up to the end marker
            return framed and b"\xff\xd9" in content[offset + 2 + length :]
        offset += 2 + length
    return False


def is_text(content: bytes) -> bool:
    """UTF-8 text without NUL bytes: a CSV file as a spreadsheet saves it (an import reads it)."""
    try:
        return b"\x00" not in content and bool(content.decode("utf-8-sig").strip())
    except UnicodeDecodeError:
        return False


class FileChecker:
    """Fetches a sent file within the size limit and says what its bytes are."""

    def __init__(self, api: BotApi, max_bytes: Callable[[], int]) -> None:
        self.api = api
        self.max_bytes = max_bytes

    def __call__(self, event: ChatEvent) -> ChatEvent:
        file = event.file
        if file is None:
            return event
        limit = self.max_bytes()
        if file.file_size is not None and file.file_size > limit:
            return replace(event, file=replace(file, check=FileCheck.TOO_LARGE))
        try:
            content = self.api.download(file.file_id, max_bytes=limit)
        except TooLarge:
            return replace(event, file=replace(file, check=FileCheck.TOO_LARGE))
        except (ApiError, httpx.HTTPError) as error:
            log.warning(
                "file %s of user %s cannot be fetched: %s", file.file_id, event.user_id, error
            )
            return replace(event, file=replace(file, check=FileCheck.UNAVAILABLE))
        found = content_type(content)
        if found is None and is_text(content):
            return replace(event, file=replace(file, check=FileCheck.TEXT, content=content))
        if found is None:
            return replace(event, file=replace(file, check=FileCheck.NOT_A_LETTER))
        return replace(event, file=replace(file, check=FileCheck.OK, content_type=found))
