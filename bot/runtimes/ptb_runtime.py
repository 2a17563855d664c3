"""The second runtime: python-telegram-bot, by long polling or by webhook."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlparse

from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError
from telegram.error import RetryAfter as PtbRetryAfter

from bot.chat import Document, Keyboard
from bot.runtimes.common import ALLOWED_UPDATES, NotModified, RetryAfter, poll
from bot.runtimes.startup import api_unreachable, not_an_update, token_refused
from workflows.platform.settings import Settings

log = logging.getLogger(__name__)


def markup(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in buttons]
    )


def _seconds(value: Any) -> float:
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)


class PtbMessenger:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def _call(self, coro: Any) -> Any:
        try:
            return await coro
        except PtbRetryAfter as flood:
            raise RetryAfter(_seconds(flood.retry_after)) from None
        except BadRequest as error:
            if "message is not modified" in error.message.lower():
                raise NotModified() from None
            raise

    async def send_text(self, chat_id: int, text: str, buttons: Keyboard) -> None:
        await self._call(
            self.bot.send_message(
                chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup(buttons)
            )
        )

    async def edit_text(self, chat_id: int, message_id: int, text: str, buttons: Keyboard) -> None:
        await self._call(
            self.bot.edit_message_text(
                text,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=markup(buttons),
            )
        )

    async def send_document(self, chat_id: int, document: Document, caption: str) -> None:
        await self._call(
            self.bot.send_document(
                chat_id,
                InputFile(document.content, filename=document.file_name),
                caption=caption or None,
                parse_mode=ParseMode.HTML,
            )
        )

    async def answer(self, callback_id: str, text: str | None, alert: bool) -> None:
        await self._call(self.bot.answer_callback_query(callback_id, text=text, show_alert=alert))


async def serve(
    intake: Callable[[Bot], Callable[[list[Update]], Awaitable[None]]],
    *,
    token: str,
    api_url: str,
    settings: Settings,
    stop: asyncio.Event,
    commands: dict[str, dict[str, str]],
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until ``stop``, handing each batch to what ``intake`` makes of the bot;
    ``commands`` is the command menu by language. ``ready`` is told the bot's username
    once updates are served (the first ``getUpdates`` answered, or the webhook set)."""
    base = api_url.rstrip("/")
    bot = Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot")
    try:
        await bot.initialize()  # asks getMe
    except InvalidToken:
        raise token_refused(api_url) from None
    except NetworkError as error:
        raise api_unreachable(api_url, error.message) from None
    take = intake(bot)
    async with bot:
        me = await bot.get_me()

        def serving() -> None:
            log.info("serving @%s with python-telegram-bot", me.username)
            if ready is not None:
                ready(me.username or str(me.id))

        for language, entries in commands.items():
            await bot.set_my_commands(
                [BotCommand(name, text) for name, text in entries.items()],
                language_code=None if language == "en" else language,
            )
        if settings.webhook_url:
            await _serve_webhook(bot, take, settings, stop, serving)
            return
        await bot.delete_webhook(drop_pending_updates=False)

        async def fetch(offset: int | None, timeout: int) -> list[Update]:
            try:
                return list(
                    await bot.get_updates(
                        offset=offset,
                        timeout=timeout,
                        allowed_updates=ALLOWED_UPDATES,
                        read_timeout=timeout + 10,
                    )
                )
            except PtbRetryAfter as flood:
                raise RetryAfter(_seconds(flood.retry_after)) from None

        await poll(fetch, take, stop=stop, ready=serving)


async def _serve_webhook(
    bot: Bot,
    take: Callable[[list[Update]], Awaitable[None]],
    settings: Settings,
    stop: asyncio.Event,
    ready: Callable[[], None],
) -> None:
    """Answer Telegram only once the update is kept, and only with the right secret."""
    # aiohttp serves only the webhook: polling starts without loading it.
    from aiohttp import web

    assert settings.webhook_url and settings.webhook_secret
    secret = settings.webhook_secret.get_secret_value()

    async def receive(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != secret:
            log.warning("webhook request without the right secret from %s", request.remote)
            return web.Response(status=401, text="Unauthorized")
        try:
            update = Update.de_json(await request.json(), bot)
            if update is None:
                raise ValueError("empty body")
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            return not_an_update(request, error)
        await take([update])
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post(urlparse(settings.webhook_url).path or "/", receive)
    host, _, port = settings.webhook_listen.rpartition(":")
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, host or "0.0.0.0", int(port)).start()
    await bot.set_webhook(
        settings.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
    )
    ready()
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
