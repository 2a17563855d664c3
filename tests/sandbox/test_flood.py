"""Flood control at Telegram's rates, scaled by rate_factor."""

from __future__ import annotations

import math

import pytest
from aiogram.exceptions import TelegramRetryAfter

from sandbox import Sandbox
from sandbox.client import SandboxClient
from sandbox.ratelimit import FloodControl

from .conftest import aiogram_bot


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_one_message_per_second_per_chat_after_a_burst_of_three() -> None:
    clock = FakeClock()
    flood = FloodControl(1.0, clock)
    assert [flood.check(1, False) for _ in range(3)] == [0, 0, 0]
    assert flood.check(1, False) == 1
    assert flood.check(2, False) == 0  # other chats are not affected
    clock.now += 1.0
    assert flood.check(1, False) == 0
    assert flood.check(1, False) == 1


def test_thirty_messages_per_second_overall() -> None:
    clock = FakeClock()
    flood = FloodControl(1.0, clock)
    assert all(flood.check(chat, False) == 0 for chat in range(30))
    assert flood.check(99, False) == 1
    clock.now += 0.5
    assert all(flood.check(chat, False) == 0 for chat in range(100, 115))


def test_twenty_messages_per_minute_per_group() -> None:
    clock = FakeClock()
    flood = FloodControl(1.0, clock)
    for _ in range(20):
        assert flood.check(-5, True) == 0
        clock.now += 1.0  # within the per-chat rate
    wait = flood.check(-5, True)
    assert wait >= 1  # the group's minute budget is spent
    clock.now += wait
    assert flood.check(-5, True) == 0


def test_rate_factor_scales_rates_and_can_disable() -> None:
    clock = FakeClock()
    doubled = FloodControl(2.0, clock)
    assert all(doubled.check(1, False) == 0 for _ in range(6))
    assert doubled.check(1, False) == 1
    slow = FloodControl(0.5, clock)
    assert all(slow.check(1, False) == 0 for _ in range(3))
    assert slow.check(1, False) == 2
    for off in (0.0, math.inf):
        free = FloodControl(off, clock)
        assert all(free.check(1, True) == 0 for _ in range(500))


async def test_429_with_retry_after_through_aiogram(tmp_path) -> None:
    async with Sandbox(port=0, rate_factor=0.1, data_dir=tmp_path) as slow:
        bot = aiogram_bot(slow)
        try:
            async with SandboxClient(slow.url) as users:
                user = await users.create_user("Amina")
                await user.send("/start")
                for _ in range(3):
                    await bot.send_message(user.id, "ok")
                with pytest.raises(TelegramRetryAfter) as raised:
                    await bot.send_message(user.id, "too fast")
                assert raised.value.retry_after == 10
                assert "Too Many Requests: retry after 10" in raised.value.message
                # edits count too
                with pytest.raises(TelegramRetryAfter):
                    await bot.edit_message_text("edited", chat_id=user.id, message_id=2)
                # a refused message was not delivered
                texts = [m["text"] for m in await user.transcript()]
                assert texts == ["/start", "ok", "ok", "ok"]
        finally:
            await bot.session.close()
