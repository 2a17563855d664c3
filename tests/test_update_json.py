"""The aiogram runtime reads each update from its JSON (``bot.runtimes.update_json``)
rather than validating it into aiogram's models: to the very events the models of
either framework give, and refusing what is not an update."""

import asyncio
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import ClientDecodeError
from aiogram.methods import TelegramMethod
from aiogram.types import Update as AiogramUpdate
from telegram import Update as PtbUpdate

from bot.chat import ChatEvent
from bot.runtimes.aiogram_runtime import Session, run_polling
from bot.runtimes.common import event_of
from bot.runtimes.update_json import NotAnUpdate, ReadUpdate, read_update, read_updates

KARIM = {
    "id": 501,
    "is_bot": False,
    "first_name": "Karim",
    "username": "karim",
    "language_code": "en",
}
SALMA = {"id": 502, "is_bot": False, "first_name": "سلمى"}
PRIVATE = {"id": 501, "type": "private", "first_name": "Karim"}
GROUP = {"id": -100777, "type": "supergroup", "title": "Steering Committee"}


def _message(**fields: Any) -> dict[str, Any]:
    return {"message_id": 40, "date": 1_764_000_000, "chat": PRIVATE, "from": KARIM, **fields}


UPDATES = {
    "a command": {"update_id": 1, "message": _message(text="/start")},
    "Arabic text in a group, no username or language": {
        "update_id": 2,
        "message": _message(chat=GROUP, **{"from": SALMA}, text="نعم"),
    },
    "a document with its caption": {
        "update_id": 3,
        "message": _message(
            caption="Signed letter",
            document={
                "file_id": "DOC1",
                "file_unique_id": "U1",
                "file_name": "letter.pdf",
                "mime_type": "application/pdf",
                "file_size": 52_000,
            },
        ),
    },
    "a photo in three sizes": {
        "update_id": 4,
        "message": _message(
            photo=[
                {"file_id": f"P{size}", "file_unique_id": f"Q{size}", "width": size, "height": size}
                | ({"file_size": size * 100} if size > 90 else {})
                for size in (90, 320, 1280)
            ]
        ),
    },
    "a bot's message": {
        "update_id": 5,
        "message": _message(**{"from": {"id": 9, "is_bot": True, "first_name": "Other"}}),
    },
    "an anonymous admin's message (no sender)": {
        "update_id": 6,
        "message": {"message_id": 41, "date": 0, "chat": GROUP, "text": "hello"},
    },
    "a press on the bot's message": {
        "update_id": 7,
        "callback_query": {
            "id": "cb-7",
            "from": KARIM,
            "chat_instance": "ci",
            "message": _message(**{"from": {"id": 1, "is_bot": True, "first_name": "Majlis"}}),
            "data": "vote:12:yes",
        },
    },
    "a press on a message too old to be read (group)": {
        "update_id": 8,
        "callback_query": {
            "id": "cb-8",
            "from": SALMA,
            "chat_instance": "ci",
            "message": {"message_id": 43, "date": 0, "chat": GROUP},
            "data": "menu",
        },
    },
    "a press with no data": {
        "update_id": 9,
        "callback_query": {
            "id": "cb-9",
            "from": KARIM,
            "chat_instance": "ci",
            "message": _message(),
        },
    },
    "a press on an inline message": {
        "update_id": 10,
        "callback_query": {
            "id": "cb-10",
            "from": KARIM,
            "chat_instance": "ci",
            "inline_message_id": "IM",
            "data": "x",
        },
    },
    "an edited message": {"update_id": 11, "edited_message": _message(text="/start", edit_date=1)},
}


@pytest.mark.parametrize("update", UPDATES.values(), ids=UPDATES.keys())
def test_an_update_reads_to_the_event_the_frameworks_models_give(update: dict[str, Any]) -> None:
    read = read_update(update)
    assert read.update_id == update["update_id"]
    assert read.event == event_of(AiogramUpdate.model_validate(update))
    assert read.event == event_of(PtbUpdate.de_json(update, None))
    assert event_of(read) == read.event


def test_the_fields_read_are_the_ones_sent() -> None:
    # The comparison above holds only if the models read what matters too: spelled out.
    photo = read_update(UPDATES["a photo in three sizes"]).event
    assert photo is not None and photo.file is not None
    assert (photo.file.file_id, photo.file.file_size, photo.file.kind) == (
        "P1280",
        128_000,
        "photo",
    )
    assert read_update(
        UPDATES["a press on a message too old to be read (group)"]
    ).event == ChatEvent(
        update_id=8,
        user_id=502,
        first_name="سلمى",
        chat_id=-100777,
        chat_type="supergroup",
        chat_title="Steering Committee",
        callback_data="menu",
        callback_id="cb-8",
        message_id=43,
    )


@pytest.mark.parametrize(
    "value",
    [
        [1, 2],
        {"message": _message(text="/start")},
        {"update_id": "seven", "message": 5},
        {"update_id": 7, "message": 5},
        {"update_id": 7, "message": _message(chat={"id": "501", "type": "private"})},
        {"update_id": 7, "message": _message(**{"from": {"id": 501, "first_name": "Karim"}})},
        {"update_id": 7, "message": _message(text=["not", "text"])},
        {"update_id": 7, "message": _message(photo={"file_id": "P"})},
        {"update_id": 7, "callback_query": {"id": "cb", "message": _message()}},
    ],
)
def test_what_is_not_shaped_as_an_update_is_refused(value: object) -> None:
    with pytest.raises(NotAnUpdate):
        read_update(value)


def test_a_polled_update_that_cannot_be_read_is_skipped_when_it_has_an_id() -> None:
    good, bad = UPDATES["a command"], {"update_id": 12, "message": 5}
    assert read_updates([good, bad]) == [read_update(good), ReadUpdate(12, None)]
    with pytest.raises(NotAnUpdate):
        read_updates([good, {"message": 5}])


class _Polled(Session):
    """The runtime's session answering ``getUpdates`` with canned updates (it opens no
    connection, so there is nothing to close)."""

    def __init__(self, updates: list[dict[str, Any]]) -> None:
        super().__init__()
        self.updates = updates

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        result = self.updates if method.__api_method__ == "getUpdates" else True
        content = self.json_dumps({"ok": True, "result": result})
        return self.check_response(bot, method, 200, content).result


async def test_polled_updates_are_read_from_their_json_not_into_aiogram_models() -> None:
    # A date aiogram's models refuse: nothing reads it, so nothing refuses it.
    update = {"update_id": 20, "message": _message(text="/menu", date="yesterday")}
    bot = Bot("1:test", session=_Polled([update]))
    stop, taken = asyncio.Event(), []

    async def take(updates: list[ReadUpdate]) -> None:
        taken.extend(updates)
        stop.set()

    await asyncio.wait_for(run_polling(bot, take, stop), timeout=10)
    assert [u.event.text if u.event else None for u in taken] == ["/menu"]
    # Outside the poll loop the same answer is still validated into aiogram's models.
    with pytest.raises(ClientDecodeError):
        await bot.get_updates()
