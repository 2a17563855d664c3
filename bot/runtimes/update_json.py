"""A Bot API update read from its JSON, without a framework's models.

Majlis needs a dozen fields of an update (:class:`bot.chat.ChatEvent`). aiogram
validates every update into models of every object it holds, which cost a tenth
of the bot's CPU per ``/start``; the aiogram runtime reads the JSON here instead,
to the same events as :func:`bot.runtimes.common.event_of` makes of the models.
What is not shaped as the Bot API says is refused with :class:`NotAnUpdate`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from bot.chat import ChatEvent, ChatType, FileRef

log = logging.getLogger(__name__)


class NotAnUpdate(ValueError):
    """A JSON value that is not a Telegram update, or not one as the Bot API shapes it."""


@dataclass(frozen=True, slots=True)
class ReadUpdate:
    """An update read: its id, and its event, or None for what Majlis does not answer
    (a bot's message, a press on no message, a kind of update not asked for)."""

    update_id: int
    event: ChatEvent | None


def read_update(value: object) -> ReadUpdate:
    data = _object(value, "the update")
    update_id = _int(data, "update_id", "the update")
    return ReadUpdate(update_id, _event(update_id, data))


def read_updates(values: Iterable[object]) -> list[ReadUpdate]:
    """The updates of a ``getUpdates`` answer. One that has an id but is otherwise not
    shaped as expected is skipped, with a warning, rather than asked for forever."""
    read = []
    for value in values:
        try:
            read.append(read_update(value))
        except NotAnUpdate as error:
            update_id = value.get("update_id") if isinstance(value, dict) else None
            if type(update_id) is not int:
                raise
            log.warning("update %s skipped: %s", update_id, error)
            read.append(ReadUpdate(update_id, None))
    return read


def _event(update_id: int, data: Mapping[str, Any]) -> ChatEvent | None:
    query = data.get("callback_query")
    if query is not None:
        return _press(update_id, _object(query, "callback_query"))
    message = data.get("message")
    if message is None:
        return None
    return _message(update_id, _object(message, "message"))


def _message(update_id: int, message: Mapping[str, Any]) -> ChatEvent | None:
    chat = _object(message.get("chat"), "message.chat")
    if _str(chat, "type", "message.chat") == "channel" or message.get("from") is None:
        return None
    user = _object(message["from"], "message.from")
    if _bool(user, "is_bot", "message.from"):
        return None
    return ChatEvent(
        update_id=update_id,
        **_who_and_where(user, "message.from", chat, "message.chat"),
        text=_optional_str(message, "text", "message")
        or _optional_str(message, "caption", "message"),
        file=_file(message),
    )


def _press(update_id: int, query: Mapping[str, Any]) -> ChatEvent | None:
    if query.get("message") is None:
        return None  # a press on an inline message: no chat to answer in
    message = _object(query["message"], "callback_query.message")
    chat = _object(message.get("chat"), "callback_query.message.chat")
    user = _object(query.get("from"), "callback_query.from")
    return ChatEvent(
        update_id=update_id,
        **_who_and_where(user, "callback_query.from", chat, "callback_query.message.chat"),
        callback_data=_optional_str(query, "data", "callback_query") or "",
        callback_id=_str(query, "id", "callback_query"),
        message_id=_int(message, "message_id", "callback_query.message"),
    )


def _who_and_where(
    user: Mapping[str, Any], user_is: str, chat: Mapping[str, Any], chat_is: str
) -> dict[str, Any]:
    """The :class:`ChatEvent` fields of the person and of the chat."""
    return {
        "user_id": _int(user, "id", user_is),
        "first_name": _str(user, "first_name", user_is),
        "username": _optional_str(user, "username", user_is),
        "language_code": _optional_str(user, "language_code", user_is),
        "chat_id": _int(chat, "id", chat_is),
        "chat_type": cast(ChatType, _str(chat, "type", chat_is)),
        "chat_title": _optional_str(chat, "title", chat_is) or "",
    }


def _file(message: Mapping[str, Any]) -> FileRef | None:
    document = message.get("document")
    if document is not None:
        document = _object(document, "message.document")
        return FileRef(
            file_id=_str(document, "file_id", "message.document"),
            file_unique_id=_str(document, "file_unique_id", "message.document"),
            kind="document",
            file_name=_optional_str(document, "file_name", "message.document"),
            mime_type=_optional_str(document, "mime_type", "message.document"),
            file_size=_optional_int(document, "file_size", "message.document"),
        )
    photos = message.get("photo")
    if not photos:
        return None
    if not isinstance(photos, list):
        raise NotAnUpdate("message.photo is not a list")
    photo = _object(photos[-1], "message.photo")  # the largest size
    return FileRef(
        file_id=_str(photo, "file_id", "message.photo"),
        file_unique_id=_str(photo, "file_unique_id", "message.photo"),
        kind="photo",
        mime_type="image/jpeg",
        file_size=_optional_int(photo, "file_size", "message.photo"),
    )


def _object(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise NotAnUpdate(f"{what} is not an object")
    return value


def _int(data: Mapping[str, Any], key: str, what: str) -> int:
    value: int = _checked(data, key, what, int, "an integer")
    return value


def _optional_int(data: Mapping[str, Any], key: str, what: str) -> int | None:
    return None if data.get(key) is None else _int(data, key, what)


def _str(data: Mapping[str, Any], key: str, what: str) -> str:
    value: str = _checked(data, key, what, str, "a string")
    return value


def _optional_str(data: Mapping[str, Any], key: str, what: str) -> str | None:
    return None if data.get(key) is None else _str(data, key, what)


def _bool(data: Mapping[str, Any], key: str, what: str) -> bool:
    value: bool = _checked(data, key, what, bool, "true or false")
    return value


def _checked(data: Mapping[str, Any], key: str, what: str, kind: type, named: str) -> Any:
    value = data.get(key)
    # JSON's true and false are no integers, though Python's bool is one.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise NotAnUpdate(f"{what}.{key} is not {named}")
    return value
