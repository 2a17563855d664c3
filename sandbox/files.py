"""Uploaded files: stored on disk, described by Telegram-like identifiers."""

from __future__ import annotations

import hashlib
import mimetypes
import pathlib
import secrets
import shutil
import struct
import tempfile
from dataclasses import dataclass
from typing import Any

MAX_UPLOAD = 50 * 1024 * 1024  # what a bot may upload
MAX_DOWNLOAD = 20 * 1024 * 1024  # what getFile lets a bot download
_PREFIX = {"document": "BQACAgIAAxkBAAI", "photo": "AgACAgIAAxkBAAI"}


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # "document" or "photo"
    disk_path: pathlib.Path
    file_path: str  # the path a bot downloads it by, e.g. "documents/file_3.pdf"
    size: int
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0

    def document(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }
        if self.file_name:
            result["file_name"] = self.file_name
        if self.mime_type:
            result["mime_type"] = self.mime_type
        return result

    def photo_sizes(self) -> list[dict[str, Any]]:
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "width": self.width,
                "height": self.height,
                "file_size": self.size,
            }
        ]

    def file(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF, JPEG or WebP image, None if it is none of them."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            width = int.from_bytes(data[24:27], "little") + 1
            height = int.from_bytes(data[27:30], "little") + 1
            return width, height
        if chunk == b"VP8 ":
            width, height = struct.unpack("<HH", data[26:30])
            return int(width) & 0x3FFF, int(height) & 0x3FFF
        if chunk == b"VP8L" and len(data) >= 25:
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        return None
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                i += 1 if marker == 0xFF else 2
                continue
            (length,) = struct.unpack(">H", data[i + 2 : i + 4])
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(width), int(height)
            i += 2 + length
    return None


def image_mime(data: bytes) -> str | None:
    """The media type of a PNG, GIF, JPEG or WebP image, None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    return None


class FileStore:
    def __init__(self, data_dir: pathlib.Path | None) -> None:
        self._own_dir = data_dir is None
        self._dir = (
            pathlib.Path(tempfile.mkdtemp(prefix="majlis-sandbox-"))
            if data_dir is None
            else data_dir
        )
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = 0

    def add(
        self,
        kind: str,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        """Store bytes as a document or photo (photo bytes must be an image: ValueError)."""
        width = height = 0
        if kind == "photo":
            size = image_size(data)
            if size is None:
                raise ValueError("IMAGE_PROCESS_FAILED")
            width, height = size
        if mime_type in (None, "", "application/octet-stream") and file_name:
            mime_type = mimetypes.guess_type(file_name)[0] or mime_type
        self._counter += 1
        if kind == "photo":
            file_path = f"photos/file_{self._counter}.jpg"
            file_name = None
            mime_type = None
        else:
            suffix = pathlib.PurePosixPath(file_name or "").suffix
            if not suffix and mime_type:
                suffix = mimetypes.guess_extension(mime_type) or ""
            file_path = f"documents/file_{self._counter}{suffix}"
        digest = hashlib.sha256(data).hexdigest()
        unique = "AgAD" + digest[:12] if kind == "photo" else "AQAD" + digest[:12]
        file_id = _PREFIX[kind] + secrets.token_urlsafe(42)
        self._dir.mkdir(parents=True, exist_ok=True)
        disk_path = self._dir / f"{self._counter}-{digest[:16]}"
        disk_path.write_bytes(data)
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=unique,
            kind=kind,
            disk_path=disk_path,
            file_path=file_path,
            size=len(data),
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self._by_id[file_id] = stored
        self._by_path[file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)

    def clear(self) -> None:
        for stored in self._by_id.values():
            stored.disk_path.unlink(missing_ok=True)
        self._by_id.clear()
        self._by_path.clear()

    def close(self) -> None:
        self.clear()
        if self._own_dir:
            shutil.rmtree(self._dir, ignore_errors=True)
