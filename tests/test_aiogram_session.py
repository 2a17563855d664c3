"""The aiogram runtime's HTTP session builds each response model once per process,
and none for the message Telegram returns from a send or an edit.

aiogram parametrizes ``Response[T]`` on every call and pydantic keeps parametrized
models in a weak cache, so after each garbage collection the next call built the
model again: a tenth of a handler's CPU during a vote in the room. Validating the
message a send returns, which nothing reads, cost some 40 µs a message, more with
buttons; refusals are still read in full."""

import gc
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import ClientDecodeError
from aiogram.methods import AnswerCallbackQuery, EditMessageText, TelegramMethod
from pydantic._internal import _generics

from bot.chat import Button
from bot.runtimes.aiogram_runtime import AiogramMessenger, Session, make_bot
from bot.runtimes.common import NotModified, RetryAfter


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    names: list[str] = []
    create = _generics.create_generic_submodel

    def counting(model_name: str, *args: object, **kwargs: object) -> object:
        names.append(model_name)
        return create(model_name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_generics, "create_generic_submodel", counting)
    return names


async def test_a_response_model_is_not_built_again_after_a_garbage_collection(
    built: list[str],
) -> None:
    bot = make_bot("1:test", "http://127.0.0.1:9")
    try:
        answers: list[tuple[TelegramMethod[Any], str]] = [
            (AnswerCallbackQuery(callback_query_id="7"), '{"ok": true, "result": true}'),
            (
                EditMessageText(text="Yes", chat_id=1, message_id=2),
                '{"ok": true, "result": true}',
            ),
        ]
        for method, content in answers:  # the first of each may build its model
            assert bot.session.check_response(bot, method, 200, content).result is True
        gc.collect()
        built.clear()
        for _ in range(3):
            for method, content in answers:
                assert bot.session.check_response(bot, method, 200, content).result is True
            gc.collect()
        assert built == []
    finally:
        await bot.session.close()


class _Answering(Session):
    """The runtime's session, answering every call with one canned HTTP response (it
    opens no connection, so there is nothing to close)."""

    def __init__(self, status: int, content: str) -> None:
        super().__init__()
        self.status, self.content = status, content

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        return self.check_response(bot, method, self.status, self.content).result


def _messenger(status: int, content: str) -> AiogramMessenger:
    return AiogramMessenger(Bot("1:test", session=_Answering(status, content)))


async def test_the_message_telegram_returns_for_a_send_or_an_edit_is_not_validated() -> None:
    # A result that would not validate as a Message: nothing reads it, so nothing
    # builds it, and the send and the edit succeed.
    messenger = _messenger(200, '{"ok": true, "result": {"message_id": "not a number"}}')
    await messenger.send_text(1, "Welcome", [[Button("English", "lang:en")]])
    await messenger.edit_text(1, 2, "Yes: 3", [])
    await messenger.answer("7", "Recorded", alert=False)
    # A call whose result is read is still validated in full.
    with pytest.raises(ClientDecodeError):
        await messenger.bot.get_me()


async def test_a_send_refused_for_flood_control_still_says_when_to_try_again() -> None:
    messenger = _messenger(
        429,
        '{"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 7",'
        ' "parameters": {"retry_after": 7}}',
    )
    with pytest.raises(RetryAfter) as waited:
        await messenger.send_text(1, "Welcome", [])
    assert waited.value.seconds == 7


async def test_an_edit_to_the_same_text_is_still_told_apart() -> None:
    messenger = _messenger(
        400,
        '{"ok": false, "error_code": 400, "description": "Bad Request: message is not'
        ' modified: specified new message content and reply markup are exactly the same"}',
    )
    with pytest.raises(NotModified):
        await messenger.edit_text(1, 2, "Yes: 3", [])


async def test_a_success_that_is_not_json_is_still_an_error() -> None:
    messenger = _messenger(200, "<html>Bad gateway</html>")
    with pytest.raises(ClientDecodeError):
        await messenger.send_text(1, "Welcome", [])
