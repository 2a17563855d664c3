"""What both runtimes share: sending neutral replies, and polling that confirms late.

Telegram's long polling confirms an update when the next ``getUpdates`` carries a
higher offset. The frameworks' own pollers ask again before the previous batch
is processed, so a crash then loses the batch. :func:`poll` asks again only
once the batch is kept in the inbox (``bot.intake``), where handlers in any
process take it up: it does not wait for the batch to be answered.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

import redis

from bot.chat import ChatEvent, ChatType, Document, FileRef, Keyboard, Outgoing, Reply, Toast
from bot.runtimes.update_json import ReadUpdate
from bot.telegram_api import AsyncRateLimiter, Priority

if TYPE_CHECKING:
    # Only the workers' handlers answer through the engine; the bot does not load it.
    from bot.engine import Engine, Owed

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]
POLL_TIMEOUT = 25
#: Threads of their own for stamping replies as sent: behind the turns of a busy
#: batch, a message already out would wait unstamped, to be sent again by a crash.
STAMPS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="majlis-stamps")


class RetryAfter(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class NotModified(Exception):
    """Telegram refused an edit that would change nothing."""


class Messenger(Protocol):
    """The Bot API calls replies need, adapted from one framework."""

    async def send_text(self, chat_id: int, text: str, buttons: Keyboard) -> None: ...

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, buttons: Keyboard
    ) -> None: ...

    async def send_document(self, chat_id: int, document: Document, caption: str) -> None: ...

    async def answer(self, callback_id: str, text: str | None, alert: bool) -> None: ...


#: An answer to a person always holds its turn, however far ahead: it goes out in
#: the order asked, ahead of every notice not yet on its way.
INTERACTIVE_PATIENCE_MS = 600_000


class Paced:
    """A :class:`Messenger` whose messages and edits take their turn of the shared rate
    limiter first, as answers to a person (ahead of notices). Answering a button press
    is not a message to Telegram and is not limited."""

    def __init__(self, messenger: Messenger, limiter: AsyncRateLimiter) -> None:
        self.messenger = messenger
        self.limiter = limiter

    async def _turn(self, chat_id: int) -> None:
        while True:
            try:
                turn = await self.limiter.reserve(
                    chat_id, priority=Priority.INTERACTIVE, patience_ms=INTERACTIVE_PATIENCE_MS
                )
            except redis.RedisError as error:
                # Without Redis the answer still goes: Telegram's own 429 is waited out.
                log.warning("rate limiter unavailable (%s); sending without it", error)
                return
            if turn.wait_ms:
                await asyncio.sleep(turn.wait_ms / 1000)
            if turn.reserved:
                return

    async def send_text(self, chat_id: int, text: str, buttons: Keyboard) -> None:
        await self._turn(chat_id)
        await self.messenger.send_text(chat_id, text, buttons)

    async def edit_text(self, chat_id: int, message_id: int, text: str, buttons: Keyboard) -> None:
        await self._turn(chat_id)
        await self.messenger.edit_text(chat_id, message_id, text, buttons)

    async def send_document(self, chat_id: int, document: Document, caption: str) -> None:
        await self._turn(chat_id)
        await self.messenger.send_document(chat_id, document, caption)

    async def answer(self, callback_id: str, text: str | None, alert: bool) -> None:
        await self.messenger.answer(callback_id, text, alert)


def paced(messenger: Messenger, limiter: AsyncRateLimiter | None) -> Messenger:
    return messenger if limiter is None else Paced(messenger, limiter)


T = TypeVar("T")


async def patiently(call: Callable[[], Awaitable[T]], *, attempts: int = 5) -> T:
    """Run a Bot API call, waiting out flood control (429 retry_after) a few times."""
    for attempt in range(attempts):
        try:
            return await call()
        except RetryAfter as flood:
            if attempt == attempts - 1:
                raise
            log.info("flood control: waiting %.1f s", flood.seconds)
            await asyncio.sleep(flood.seconds)
    raise AssertionError("unreachable")


def said_toast(owed: Owed) -> Toast | None:
    """The answer to a button press that says something ("Recorded."), if ``owed`` has
    one still to give: given at once, ahead of the edits and messages the turn owes
    (it is no message to Telegram and waits for no turn of the rate limiter). A silent
    answer stays last, so that the press's spinner turns until the reply is out."""
    return next((item for item in owed.items if isinstance(item, Toast) and item.text), None)


async def send_owed(
    engine: Engine,
    messenger: Messenger,
    event: ChatEvent,
    owed: Owed,
    *,
    pressed: bool = False,
    stamp_last: bool = True,
) -> None:
    """Send what ``event`` owes (``Engine.answer``), stamping the messages as they go out.

    The engine commits the replies with the turn, already fitted to Telegram's
    limits; a handler killed before they are all out leaves the update in the
    inbox, and the next handler sends the rest. A button press is answered
    whatever happens to the rest, so that its spinner never hangs; with ``pressed``
    it has been answered already (:func:`said_toast`). Without ``stamp_last`` the
    stamp of the last reply is the caller's, as soon as this returns (``bot.intake``
    writes it with the update's deletion from the inbox, on :data:`STAMPS` too).
    """
    last = owed.start + len(owed.items)
    toast = None if pressed else next((i for i in owed.items if isinstance(i, Toast)), None)
    try:
        for position, item in enumerate(owed.items, start=owed.start + 1):
            if isinstance(item, Toast):
                if toast is not None:
                    await answer_press(messenger, event, item)
                    toast = None
            else:
                await _send(messenger, event, item)
            # An edit made twice changes nothing and a press answered twice is refused,
            # so only a new message, and the last item, costs a statement.
            if position == last:
                if owed.kept and stamp_last:
                    await _stamps_of(engine).stamp(owed, position)
            elif owed.kept and not (isinstance(item, Toast) or item.edit):
                await _stamps_of(engine).stamp(owed, position)
    finally:
        if toast is not None:
            await answer_press(messenger, event, toast)


async def send_unkept(messenger: Messenger, event: ChatEvent, items: list[Outgoing]) -> None:
    """Send replies kept nowhere (the database is away), in order."""
    for item in items:
        if isinstance(item, Toast):
            await answer_press(messenger, event, item)
        else:
            await _send(messenger, event, item)


class _Stamps:
    """The stamps of one engine's replies, written one transaction at a time: those that
    come while one is written go together in the next, so that under load many updates
    share a transaction, and alone an update's stamp is written at once. Each caller
    waits until its own stamp is committed (or has failed), as it would writing it."""

    def __init__(self, engine: Engine, loop: asyncio.AbstractEventLoop) -> None:
        self.engine = engine
        self.loop = loop
        self.pending: list[tuple[Owed, int, asyncio.Future[None]]] = []
        self.writer: asyncio.Task[None] | None = None

    async def stamp(self, owed: Owed, position: int) -> None:
        done: asyncio.Future[None] = self.loop.create_future()
        self.pending.append((owed, position, done))
        if self.writer is None:
            self.writer = asyncio.create_task(self._write())
        await done

    async def _write(self) -> None:
        batch: list[tuple[Owed, int, asyncio.Future[None]]] = []
        try:
            while self.pending:
                batch, self.pending = self.pending, []
                stamps = [(owed, position) for owed, position, _ in batch]
                try:
                    await self.loop.run_in_executor(STAMPS, self.engine.replied_all, stamps)
                except Exception as error:
                    _settle(batch, error)
                else:
                    _settle(batch, None)
        finally:
            self.writer = None
            # Cancelled (the loop is closing): nobody waits in vain.
            for _, _, done in batch + self.pending:
                done.cancel()
            self.pending = []


def _settle(
    batch: list[tuple[Owed, int, asyncio.Future[None]]], error: BaseException | None
) -> None:
    for _, _, done in batch:
        if done.done():
            continue
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)


_STAMPERS: weakref.WeakKeyDictionary[Engine, _Stamps] = weakref.WeakKeyDictionary()


def _stamps_of(engine: Engine) -> _Stamps:
    loop = asyncio.get_running_loop()
    stamps = _STAMPERS.get(engine)
    if stamps is None or stamps.loop is not loop:
        stamps = _STAMPERS[engine] = _Stamps(engine, loop)
    return stamps


async def answer_press(messenger: Messenger, event: ChatEvent, toast: Toast) -> None:
    if not event.callback_id:
        return
    try:
        await patiently(
            partial(messenger.answer, event.callback_id, toast.text or None, toast.alert)
        )
    except Exception as error:
        # Telegram takes an answer only for a while after the press (and once):
        # after a restart it may be too late, and the rest must still go out.
        log.warning("button press of update %s left unanswered: %s", event.update_id, error)


async def _send(messenger: Messenger, event: ChatEvent, reply: Reply) -> None:
    chat_id = reply.chat_id or event.chat_id
    if reply.document is not None:
        await patiently(partial(messenger.send_document, chat_id, reply.document, reply.text))
        return
    if reply.edit and event.message_id is not None:
        with suppress(NotModified):
            await patiently(
                partial(messenger.edit_text, chat_id, event.message_id, reply.text, reply.buttons)
            )
        return
    await patiently(partial(messenger.send_text, chat_id, reply.text, reply.buttons))


# Both frameworks model the Bot API's objects with its own field names, so one
# conversion serves aiogram's and python-telegram-bot's Message and CallbackQuery.


def event_from_message(update_id: int, message: Any) -> ChatEvent | None:
    """The neutral event of a message someone (not a bot) sent."""
    user = message.from_user
    if user is None or user.is_bot:
        return None
    return ChatEvent(
        update_id=update_id,
        user_id=user.id,
        first_name=user.first_name,
        username=user.username,
        language_code=user.language_code,
        chat_id=message.chat.id,
        chat_type=cast(ChatType, str(message.chat.type)),
        chat_title=message.chat.title or "",
        text=message.text or message.caption,
        file=file_of(message),
    )


def event_from_callback(update_id: int, query: Any) -> ChatEvent | None:
    """The neutral event of a button press on one of the bot's messages."""
    message = query.message
    if message is None:
        return None
    return ChatEvent(
        update_id=update_id,
        user_id=query.from_user.id,
        first_name=query.from_user.first_name,
        username=query.from_user.username,
        language_code=query.from_user.language_code,
        chat_id=message.chat.id,
        chat_type=cast(ChatType, str(message.chat.type)),
        chat_title=getattr(message.chat, "title", None) or "",
        callback_data=query.data or "",
        callback_id=query.id,
        message_id=message.message_id,
    )


def file_of(message: Any) -> FileRef | None:
    if message.document is not None:
        document = message.document
        return FileRef(
            file_id=document.file_id,
            file_unique_id=document.file_unique_id,
            kind="document",
            file_name=document.file_name,
            mime_type=document.mime_type,
            file_size=document.file_size,
        )
    if message.photo:
        photo = message.photo[-1]  # the largest size
        return FileRef(
            file_id=photo.file_id,
            file_unique_id=photo.file_unique_id,
            kind="photo",
            mime_type="image/jpeg",
            file_size=photo.file_size,
        )
    return None


def event_of(update: Any) -> ChatEvent | None:
    """The neutral event of an update in either framework, or read from its JSON
    (:mod:`bot.runtimes.update_json`), or None for what Majlis does not answer (a
    channel post, a bot's message, a press on no message)."""
    if isinstance(update, ReadUpdate):
        return update.event
    query = getattr(update, "callback_query", None)
    if query is not None:
        return event_from_callback(update.update_id, query)
    message = getattr(update, "message", None)
    if message is None or str(message.chat.type) == "channel":
        return None
    return event_from_message(update.update_id, message)


class Update(Protocol):
    """What the poll loop needs of an update, in either framework."""

    @property
    def update_id(self) -> int: ...


U = TypeVar("U", bound=Update)


async def _until_stopped(call: Awaitable[T], stop: asyncio.Event) -> T | None:
    """The result of ``call``, or None as soon as ``stop`` is set (the call is cancelled)."""
    task = asyncio.ensure_future(call)
    stopper = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        stopper.cancel()
        return task.result()
    task.cancel()
    with suppress(asyncio.CancelledError, Exception):
        await task
    return None


async def poll(
    fetch: Callable[[int | None, int], Awaitable[list[U]]],
    take: Callable[[list[U]], Awaitable[None]],
    *,
    stop: asyncio.Event,
    ready: Callable[[], None] | None = None,
) -> None:
    """Long-poll until ``stop``; confirm a batch only once ``take`` has kept it.

    ``fetch(offset, timeout)`` asks for updates. The first ask does not wait
    (timeout 0): once the Bot API has answered it, updates are being served, and
    ``ready`` is told so at once rather than after a long poll with nothing in it.
    """
    offset: int | None = None
    timeout = 0
    backoff = 1.0
    while not stop.is_set():
        try:
            updates = await _until_stopped(fetch(offset, timeout), stop)
            if updates is None:
                return
            timeout = POLL_TIMEOUT
            if ready is not None:
                ready()
                ready = None
            if updates:
                await take(updates)
                offset = max(update.update_id for update in updates) + 1
            backoff = 1.0
        except asyncio.CancelledError:
            raise
        except RetryAfter as flood:
            await asyncio.sleep(flood.seconds)
        except Exception as exc:
            # Not confirmed: the next getUpdates asks for the same batch again.
            log.warning("taking updates in failed (%s); retrying in %.0f s", exc, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30)
