"""The default runtime: aiogram 3, by long polling or by webhook."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from functools import lru_cache
from http import HTTPStatus
from typing import Any
from urllib.parse import urlparse

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from aiohttp import web

from bot.chat import Button, Document, Keyboard
from bot.runtimes.common import ALLOWED_UPDATES, NotModified, RetryAfter, poll
from bot.runtimes.startup import api_unreachable, not_an_update, token_refused
from bot.runtimes.update_json import NotAnUpdate, ReadUpdate, read_update, read_updates

log = logging.getLogger(__name__)


#: ``Response[T]`` for every result type a call of ours returned, held for the life of
#: the process. aiogram parametrizes ``Response`` on each call, and pydantic keeps
#: parametrized models in a weak cache: once the garbage collector has run, the next
#: call built the model again (10 % of a handler's CPU during a vote).
_RESPONSES: dict[Any, Any] = {}

#: How the result of the call awaited is read: into aiogram's models (the default),
#: not at all (:class:`AiogramMessenger`'s sends and edits), or as plain JSON (the
#: updates, which :mod:`bot.runtimes.update_json` reads).
_MODELS, _UNREAD, _JSON = "models", "unread", "json"
_RESULT: ContextVar[str] = ContextVar("majlis_result", default=_MODELS)

#: What a successful call whose result is not read returns.
_DONE: Response[Any] = Response[Any].model_construct(ok=True)


class Session(AiohttpSession):
    """aiogram's HTTP session, with each response model built once per process, no
    model built at all for the result of a send or an edit that nobody reads, and the
    updates left as JSON."""

    def check_response(
        self, bot: Bot, method: TelegramMethod[Any], status_code: int, content: str
    ) -> Response[Any]:
        reading = _RESULT.get()
        if reading != _MODELS and HTTPStatus.OK <= status_code <= HTTPStatus.IM_USED:
            # Telegram answers a send or an edit with the whole message, buttons and
            # all; validating it into models cost some 40 µs a message, more with
            # buttons. A refusal, or an answer that is not JSON, is still read in full.
            try:
                answer = self.json_loads(content)
            except Exception:  # aiogram's own reading below says what it is
                answer = None
            if isinstance(answer, dict) and answer.get("ok") is True:
                if reading == _UNREAD:
                    return _DONE
                return Response[Any].model_construct(ok=True, result=answer.get("result"))
        returning = method.__returning__
        if returning not in _RESPONSES:
            _RESPONSES[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)


def make_bot(token: str, api_url: str) -> Bot:
    session = Session(api=TelegramAPIServer.from_base(api_url.rstrip("/")))
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def markup(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return _markup(tuple(tuple(row) for row in buttons))


@lru_cache(maxsize=256)
def _markup(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup:
    # Validated once per keyboard: most replies carry one of a few (the languages, a
    # menu), and aiogram only reads the markup it sends.
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.text, callback_data=b.data) for b in row] for row in rows
        ]
    )


class AiogramMessenger:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def _call(self, coro: Any) -> None:
        unread = _RESULT.set(_UNREAD)
        try:
            await coro
        except TelegramRetryAfter as flood:
            raise RetryAfter(flood.retry_after) from None
        except TelegramBadRequest as error:
            if "message is not modified" in error.message:
                raise NotModified() from None
            raise
        finally:
            _RESULT.reset(unread)

    async def send_text(self, chat_id: int, text: str, buttons: Keyboard) -> None:
        await self._call(self.bot.send_message(chat_id, text, reply_markup=markup(buttons)))

    async def edit_text(self, chat_id: int, message_id: int, text: str, buttons: Keyboard) -> None:
        await self._call(
            self.bot.edit_message_text(
                text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup(buttons)
            )
        )

    async def send_document(self, chat_id: int, document: Document, caption: str) -> None:
        await self._call(
            self.bot.send_document(
                chat_id,
                BufferedInputFile(document.content, filename=document.file_name),
                caption=caption or None,
            )
        )

    async def answer(self, callback_id: str, text: str | None, alert: bool) -> None:
        await self._call(self.bot.answer_callback_query(callback_id, text=text, show_alert=alert))


async def identify(bot: Bot, api_url: str) -> str:
    """The bot's username; a Bot API that refuses the token or does not answer is a
    configuration to fix, said in one line."""
    try:
        me = await bot.get_me()
    except TelegramUnauthorizedError:
        raise token_refused(api_url) from None
    except TelegramNetworkError as error:
        raise api_unreachable(api_url, error.message) from None
    return me.username or str(me.id)


async def publish_commands(bot: Bot, commands: dict[str, dict[str, str]]) -> None:
    """The command menu Telegram shows, in each language (``{lang: {name: description}}``)."""
    for language, entries in commands.items():
        listing = [BotCommand(command=name, description=text) for name, text in entries.items()]
        await bot.set_my_commands(listing, language_code=None if language == "en" else language)


async def run_polling(
    bot: Bot,
    take: Callable[[list[ReadUpdate]], Awaitable[None]],
    stop: asyncio.Event,
    *,
    ready: Callable[[], None] | None = None,
) -> None:
    """Poll until ``stop``, handing each batch, read from its JSON
    (:mod:`bot.runtimes.update_json`), to ``take``; ``ready`` is told once the first
    ``getUpdates`` has answered."""
    await bot.delete_webhook(drop_pending_updates=False)

    async def fetch(offset: int | None, timeout: int) -> list[ReadUpdate]:
        reading = _RESULT.set(_JSON)
        try:
            updates: Any = await bot.get_updates(
                offset=offset,
                timeout=timeout,
                allowed_updates=ALLOWED_UPDATES,
                request_timeout=timeout + 10,
            )
        except TelegramRetryAfter as flood:
            raise RetryAfter(flood.retry_after) from None
        finally:
            _RESULT.reset(reading)
        if not isinstance(updates, list):
            raise NotAnUpdate("getUpdates answered with no list of updates")
        return read_updates(updates)

    await poll(fetch, take, stop=stop, ready=ready)


async def run_webhook(
    bot: Bot,
    take: Callable[[list[ReadUpdate]], Awaitable[None]],
    stop: asyncio.Event,
    *,
    url: str,
    secret: str,
    listen: str,
    ready: Callable[[], None] | None = None,
) -> None:
    """Serve the webhook; answer Telegram only once the update is kept, so none is lost.
    ``ready`` is told once the server listens and Telegram has the webhook."""

    async def receive(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != secret:
            log.warning("webhook request without the right secret from %s", request.remote)
            return web.Response(status=401, text="Unauthorized")
        try:
            update = read_update(await request.json(loads=bot.session.json_loads))
        except ValueError as error:  # malformed JSON, and NotAnUpdate
            return not_an_update(request, error)
        await take([update])
        return web.Response(text="ok")

    app = web.Application()
    path = urlparse(url).path or "/"
    app.router.add_post(path, receive)
    host, _, port = listen.rpartition(":")
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, host or "0.0.0.0", int(port))
    await site.start()
    await bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
    log.info("webhook listening on %s, path %s", listen, path)
    if ready is not None:
        ready()
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
