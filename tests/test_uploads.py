"""A sent file is recognised by its bytes: a PDF, a JPEG or a PNG, whole."""

import io
import random

import pytest
from PIL import Image

from bot import uploads
from tests.e2e.test_applications import PDF, tiny_png


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF, uploads.PDF),
        (jpeg(), uploads.JPEG),
        (tiny_png(), uploads.PNG),
        (random.Random(8).randbytes(200), None),
        (b"%PDF-1.4\n" + random.Random(9).randbytes(200), None),
        (PDF[:-8], None),
        (jpeg()[:-40], None),
        (b"\xff\xd8\xff\xe0" + random.Random(10).randbytes(200), None),
        (tiny_png()[:-12], None),
        (tiny_png().replace(b"IDAT", b"IDAU"), None),
        (b"", None),
    ],
    ids=[
        "pdf",
        "jpeg",
        "png",
        "random bytes",
        "pdf header only",
        "pdf cut short",
        "jpeg cut short",
        "jpeg signature only",
        "png cut short",
        "png with a bad checksum",
        "empty",
    ],
)
def test_content_type_reads_the_bytes(content: bytes, expected: str | None) -> None:
    assert uploads.content_type(content) == expected
