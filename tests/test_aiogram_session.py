"""The aiogram runtime's HTTP session builds each response model once per process.

aiogram parametrizes ``Response[T]`` on every call and pydantic keeps parametrized
models in a weak cache, so after each garbage collection the next call built the
model again: a tenth of a handler's CPU during a vote in the room."""

import gc
from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageText, TelegramMethod
from pydantic._internal import _generics

from bot.runtimes.aiogram_runtime import make_bot


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
