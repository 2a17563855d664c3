"""The framework-neutral shape of what comes in from a chat and what goes back.

A runtime (aiogram, python-telegram-bot) turns a Telegram update into a
:class:`ChatEvent` and sends the :class:`Reply` values the conversations return.
Nothing here knows either framework.
"""

import base64
import enum
from dataclasses import dataclass, field
from typing import Any, Literal

ChatType = Literal["private", "group", "supergroup", "channel"]


class FileCheck(enum.StrEnum):
    """What fetching a sent file and reading its bytes found (``bot.uploads``)."""

    UNCHECKED = "unchecked"
    OK = "ok"
    NOT_A_LETTER = "not_a_letter"
    TOO_LARGE = "too_large"
    UNAVAILABLE = "unavailable"
    #: No letter, but UTF-8 text (a CSV file): its bytes are kept in ``FileRef.content``.
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class FileRef:
    """A document or photo someone sent; the bytes stay at Telegram until fetched."""

    file_id: str
    file_unique_id: str
    kind: Literal["document", "photo"]
    file_name: str | None = None
    #: As the sender's client declared it: a hint, never trusted.
    mime_type: str | None = None
    file_size: int | None = None
    check: FileCheck = FileCheck.UNCHECKED
    #: What the bytes are, once checked (application/pdf, image/jpeg, image/png).
    content_type: str | None = None
    #: The bytes of a text file (``FileCheck.TEXT``), for a form that reads them.
    content: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class ChatEvent:
    update_id: int
    user_id: int
    first_name: str
    chat_id: int
    chat_type: ChatType = "private"
    chat_title: str = ""
    username: str | None = None
    language_code: str | None = None
    text: str | None = None
    #: Button press: the raw callback data, the query id, and the message it is on.
    callback_data: str | None = None
    callback_id: str | None = None
    message_id: int | None = None
    file: FileRef | None = None

    @property
    def is_private(self) -> bool:
        return self.chat_type == "private"

    @property
    def command(self) -> str | None:
        """``start`` for "/start" or "/start@majlis_bot payload"."""
        if not self.text or not self.text.startswith("/"):
            return None
        word = self.text.split(maxsplit=1)[0][1:]
        return word.split("@", 1)[0].lower() or None

    @property
    def command_args(self) -> str:
        if not self.command or not self.text:
            return ""
        parts = self.text.split(maxsplit=1)
        return parts[1].strip() if len(parts) > 1 else ""


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    data: str


Keyboard = list[list[Button]]


@dataclass(frozen=True, slots=True)
class Document:
    file_name: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Reply:
    """A message to send, or (``edit``) a new text for the message a button was on."""

    text: str
    buttons: Keyboard = field(default_factory=list)
    edit: bool = False
    chat_id: int | None = None
    document: Document | None = None


@dataclass(frozen=True, slots=True)
class Toast:
    """The answer to a button press: a short notice, or an alert to dismiss."""

    text: str
    alert: bool = False


Outgoing = Reply | Toast


# Replies are kept in the database until they are out (see bot.engine), as JSON.


def encode(items: list[Outgoing]) -> list[dict[str, Any]]:
    return [_encode(item) for item in items]


def decode(rows: list[dict[str, Any]]) -> list[Outgoing]:
    return [_decode(row) for row in rows]


def _encode(item: Outgoing) -> dict[str, Any]:
    if isinstance(item, Toast):
        return {"toast": item.text, "alert": item.alert}
    row: dict[str, Any] = {
        "text": item.text,
        "buttons": [[[b.text, b.data] for b in line] for line in item.buttons],
    }
    if item.edit:
        row["edit"] = True
    if item.chat_id is not None:
        row["chat_id"] = item.chat_id
    if item.document is not None:
        row["document"] = {
            "file_name": item.document.file_name,
            "mime_type": item.document.mime_type,
            "content": base64.b64encode(item.document.content).decode("ascii"),
        }
    return row


def _decode(row: dict[str, Any]) -> Outgoing:
    if "toast" in row:
        return Toast(text=row["toast"], alert=bool(row["alert"]))
    document = row.get("document")
    return Reply(
        text=row["text"],
        buttons=[[Button(text, data) for text, data in line] for line in row["buttons"]],
        edit=bool(row.get("edit")),
        chat_id=row.get("chat_id"),
        document=Document(
            file_name=document["file_name"],
            content=base64.b64decode(document["content"]),
            mime_type=document["mime_type"],
        )
        if document
        else None,
    )


# Events wait in the inbox (``workflows.platform.inbox``) until a handler takes them, as
# JSON: only what differs from the defaults.


def event_to_json(event: ChatEvent) -> dict[str, Any]:
    row = {
        name: value
        for name in ChatEvent.__slots__
        if name != "file" and (value := getattr(event, name)) is not None
    }
    if event.file is not None:
        file: dict[str, Any] = {
            name: value
            for name in FileRef.__slots__
            if name != "content" and (value := getattr(event.file, name)) is not None
        }
        if event.file.content is not None:
            file["content"] = base64.b64encode(event.file.content).decode("ascii")
        row["file"] = file
    return row


def event_from_json(row: dict[str, Any]) -> ChatEvent:
    values = dict(row)
    file = values.pop("file", None)
    if file is not None:
        content = file.get("content")
        values["file"] = FileRef(
            **{
                **file,
                "check": FileCheck(file.get("check", FileCheck.UNCHECKED)),
                "content": base64.b64decode(content) if content is not None else None,
            }
        )
    return ChatEvent(**values)
