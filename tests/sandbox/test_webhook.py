"""Webhook delivery: secret header, retries, order, 409 for getUpdates, answers in the body."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError
from aiohttp import web

from sandbox.client import SandboxClient


class Receiver:
    """A webhook endpoint that fails its first ``failures`` requests with 500."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.accepted: list[dict[str, Any]] = []
        self.reply: dict[str, Any] | None = None
        self.arrived = asyncio.Event()
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        update = await request.json()
        self.requests.append((dict(request.headers), update))
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=500, text="boom")
        self.accepted.append(update)
        self.arrived.set()
        if self.reply is not None and "message" in update:
            body = {**self.reply, "chat_id": update["message"]["chat"]["id"]}
            return web.json_response(body)
        return web.json_response({})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/hook"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_accepted(self, count: int, timeout: float = 5.0) -> None:
        async def enough() -> None:
            while len(self.accepted) < count:
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(enough(), timeout)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    await hook.start()
    try:
        yield hook
    finally:
        await hook.stop()


async def test_updates_are_posted_with_the_secret_header(
    bot: Bot, client: SandboxClient, receiver: Receiver
) -> None:
    assert await bot.set_webhook(receiver.url, secret_token="Sesame_123")
    user = await client.create_user("Amina")
    await user.send("/start")
    await user.send("hello")
    await receiver.wait_accepted(2)
    headers, first = receiver.requests[0]
    assert headers["X-Telegram-Bot-Api-Secret-Token"] == "Sesame_123"
    assert headers["Content-Type"].startswith("application/json")
    assert [u["message"]["text"] for u in receiver.accepted] == ["/start", "hello"]
    assert receiver.accepted[1]["update_id"] == first["update_id"] + 1
    info = await bot.get_webhook_info()
    assert info.url == receiver.url and info.pending_update_count == 0


async def test_failed_deliveries_are_retried_in_order(
    bot: Bot, client: SandboxClient, receiver: Receiver
) -> None:
    receiver.failures = 2
    await bot.set_webhook(receiver.url)
    user = await client.create_user("Omar")
    await user.send("one")
    await user.send("two")
    await receiver.wait_accepted(2)
    texts = [update["message"]["text"] for _, update in receiver.requests]
    assert texts == ["one", "one", "one", "two"]  # nothing dropped, nothing reordered
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    assert info.last_error_date is not None


async def test_unreachable_webhook_keeps_updates_pending(bot: Bot, client: SandboxClient) -> None:
    await bot.set_webhook("http://127.0.0.1:9/nowhere")
    user = await client.create_user("Omar")
    await user.send("queued")
    for _ in range(100):
        info = await bot.get_webhook_info()
        if info.last_error_message:
            break
        await asyncio.sleep(0.02)
    assert info.last_error_message == "Connection refused"
    assert info.pending_update_count == 1
    # deleting the webhook hands the pending update to getUpdates
    await bot.delete_webhook()
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates if u.message] == ["queued"]


async def test_get_updates_conflicts_while_a_webhook_is_set(bot: Bot, receiver: Receiver) -> None:
    await bot.set_webhook(receiver.url)
    with pytest.raises(TelegramConflictError) as raised:
        await bot.get_updates(timeout=0)
    assert raised.value.message == (
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
        "delete the webhook first"
    )
    await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == []


async def test_a_second_get_updates_terminates_the_first(bot: Bot, sandbox) -> None:
    waiting = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)
    assert await bot.get_updates(timeout=0) == []
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await waiting


async def test_drop_pending_updates_and_bad_secret(
    bot: Bot, client: SandboxClient, receiver: Receiver
) -> None:
    user = await client.create_user("Omar")
    await user.send("old")
    with pytest.raises(TelegramBadRequest, match="secret token contains unallowed characters"):
        await bot.set_webhook(receiver.url, secret_token="not allowed!")
    await bot.set_webhook(receiver.url, drop_pending_updates=True)
    await user.send("new")
    await receiver.wait_accepted(1)
    assert [u["message"]["text"] for u in receiver.accepted] == ["new"]


async def test_a_method_in_the_webhook_answer_is_carried_out(
    bot: Bot, client: SandboxClient, receiver: Receiver
) -> None:
    receiver.reply = {"method": "sendMessage", "text": "answered in the response"}
    await bot.set_webhook(receiver.url)
    user = await client.create_user("Omar")
    await user.send("/start")
    reply = await user.wait_for("answered in the response")
    assert reply["from_bot"]


@pytest.mark.parametrize("in_background", [True, False])
async def test_aiogram_webhook_handler_end_to_end(
    bot: Bot, client: SandboxClient, in_background: bool
) -> None:
    """aiogram's own webhook server; in the foreground it answers with the method call in
    the HTTP response (a multipart body), which the sandbox carries out."""
    from aiogram import Dispatcher
    from aiogram.filters import CommandStart
    from aiogram.methods import SendMessage
    from aiogram.types import Message
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler

    dispatcher = Dispatcher()

    @dispatcher.message(CommandStart())
    async def start(message: Message) -> SendMessage:
        assert message.from_user is not None
        return message.answer(f"Welcome, <b>{message.from_user.first_name}</b>", parse_mode="HTML")

    app = web.Application()
    SimpleRequestHandler(
        dispatcher, bot, secret_token="tok", handle_in_background=in_background
    ).register(app, path="/tg")
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/tg", secret_token="tok")
        user = await client.create_user("Layla")
        await user.send("/start")
        welcome = await user.wait_for("Welcome")
        assert welcome["text"] == "Welcome, Layla"
        assert welcome["entities"] == [{"type": "bold", "offset": 9, "length": 5}]
    finally:
        await runner.cleanup()
