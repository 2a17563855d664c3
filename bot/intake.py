"""Updates in, handled anywhere: the bot's intake and the handler job of the workers.

The bot process only takes updates in: it writes each fetched batch to the inbox
(``workflows.inbox``) in one statement, hands each chat to the queue, and only
then asks Telegram for the next batch, which confirms this one. Handling is a
Dramatiq job, ``handle_chat``, that any worker on any machine runs: it takes the
chat, answers its waiting updates in order (``bot.runtimes.common.answer``: the
engine commits the turn with its replies, which go out after the commit) and
deletes each row once answered. A handler killed midway leaves its rows in the
inbox and its job to be handed out again; the engine's record of handled updates
makes the second handling send only what is still owed.
"""

import asyncio
import logging
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

import dramatiq

from bot.chat import ChatEvent, Reply, event_from_json, event_to_json
from bot.engine import TRY_AGAIN, Engine, owed_for
from bot.i18n import text_for
from bot.runtimes.common import Messenger, answer, send_owed
from models.db import Database, unreachable
from workflows import inbox, people, seals
from workflows.clock import Clock
from workflows.queue import UPDATES_QUEUE, JobContext, enqueue, job
from workflows.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

#: A chat taken by another handler is looked at again this much later: by then that
#: handler has answered what it took, or is still at it.
BUSY_RETRY_MS = 250


class Intake:
    """Writes what the bot fetched to the inbox and hands the chats to the handlers."""

    def __init__(
        self,
        db: Database,
        broker: dramatiq.Broker,
        clock: Clock,
        messenger: Messenger,
        *,
        key: bytes,
    ) -> None:
        self.key = key
        self.db = db
        self.broker = broker
        self.clock = clock
        self.messenger = messenger

    async def take(self, events: list[ChatEvent]) -> None:
        """Durable when this returns: only then may the batch be confirmed.

        While the database is away nothing can be kept: as when the bot handled
        updates itself, each sender is told to try again in a moment (once: the
        batch is then confirmed), and the outage is logged once."""
        if not events:
            return
        try:
            await asyncio.to_thread(self._take, events)
        except Exception as error:
            if not unreachable(error):
                raise
            self.db.outage.began(error)
            await asyncio.gather(*(self._try_again(event) for event in events))
            return
        self.db.outage.over()

    async def _try_again(self, event: ChatEvent) -> None:
        language = people.language_from_telegram(event.language_code)
        said = text_for(language)._(TRY_AGAIN)
        try:
            await send_owed(self.messenger, event, owed_for(event, [Reply(text=said)]))
        except Exception as error:
            log.warning("update %s: could not say to try again (%s)", event.update_id, error)

    def _take(self, events: list[ChatEvent]) -> None:
        inbox.store(
            self.db,
            [
                (event.update_id, event.chat_id, inbox.seal(self.key, event_to_json(event)))
                for event in events
            ],
            now=self.clock.now(),
        )
        try:
            inbox.hand_over(self.broker, [event.chat_id for event in events])
        except Exception as error:
            # Written, so not lost: the sweep hands the chats over within seconds.
            log.warning("queue unavailable (%s); %d updates wait for the sweep", error, len(events))


class Sender(threading.Thread):
    """An event loop of its own in a worker process, where replies are sent with the
    configured runtime's client (aiogram's or python-telegram-bot's)."""

    def __init__(self, settings: Settings, token: str, api_url: str) -> None:
        super().__init__(name="majlis-replies", daemon=True)
        self.settings = settings
        self.token = token
        self.api_url = api_url
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.messenger: Messenger | None = None
        self._close: Any = None
        self._initialize: Any = None

    def run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._open())
        finally:
            self.ready.set()
        self.loop.run_forever()

    async def _open(self) -> None:
        if self.settings.runtime == "ptb":
            from telegram import Bot

            from bot.runtimes.ptb_runtime import PtbMessenger

            bot = Bot(
                self.token,
                base_url=f"{self.api_url.rstrip('/')}/bot",
                base_file_url=f"{self.api_url.rstrip('/')}/file/bot",
            )
            # Initialised (getMe) on first use: at start the Bot API may not answer yet
            # (the sandbox of ``majlis run`` runs on the loop that is starting us).
            self._initialize = bot.initialize
            self.messenger, self._close = PtbMessenger(bot), bot.shutdown
            return
        from bot.runtimes.aiogram_runtime import AiogramMessenger, make_bot

        aiogram_bot = make_bot(self.token, self.api_url)
        self.messenger, self._close = AiogramMessenger(aiogram_bot), aiogram_bot.session.close

    def run_coroutine(self, coroutine: Coroutine[Any, Any, T]) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(
            self._after_start(coroutine), self.loop
        )
        return future.result()

    async def _after_start(self, coroutine: Coroutine[Any, Any, T]) -> T:
        if self._initialize is not None:
            await self._initialize()  # PTB makes it once, however many ask at once
        return await coroutine

    def stop(self) -> None:
        if not self.is_alive():
            return
        if self._close is not None:
            try:
                self.run_coroutine(self._close())
            except Exception:
                log.exception("closing the Bot API client")
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.join(timeout=5)


class Handlers:
    """What the handler job needs in a worker: the engine and a way to send."""

    def __init__(self, engine: Engine, sender: Sender, *, key: bytes) -> None:
        self.engine = engine
        self.sender = sender
        self.key = key

    @property
    def db(self) -> Database:
        return self.engine.uow.db

    def handle_chat(self, chat_id: int) -> None:
        with inbox.chat_taken(self.db, chat_id) as taken:
            if taken:
                self._drain(chat_id)
                return
        # Another handler has the chat; if it took its rows before ours were written,
        # ours are still there when this job comes back.
        if inbox.waiting(self.db, chat_id, limit=1):
            broker = self.engine.uow.broker
            assert broker is not None
            enqueue(
                broker,
                inbox.HANDLE_JOB,
                chat_id,
                queue_name=UPDATES_QUEUE,
                delay_ms=BUSY_RETRY_MS,
            )

    def _drain(self, chat_id: int) -> None:
        while rows := inbox.waiting(self.db, chat_id):
            for row in rows:
                self._answer(event_from_json(inbox.unseal(self.key, row.event)))
                inbox.done(self.db, row.update_id)

    def _answer(self, event: ChatEvent) -> None:
        assert self.sender.messenger is not None
        try:
            self.sender.run_coroutine(answer(self.engine, self.sender.messenger, event))
        except Exception as error:
            if unreachable(error):
                raise  # left in the inbox: the job or the sweep comes back to it
            # As when an update was handled in the bot: what could not be sent after
            # a few tries is given up, so that one bad update does not stop the chat.
            log.exception("update %s failed", event.update_id)


#: Redelivered after a worker dies; a failure is retried (the rows wait in the inbox).
@job(queue_name=UPDATES_QUEUE, name=inbox.HANDLE_JOB, max_retries=20, min_backoff=500)
def handle_chat(chat_id: int) -> None:
    handlers: Handlers = JobContext.get("handlers")
    handlers.handle_chat(chat_id)


def open_handlers(engine: Engine, settings: Settings, token: str, api_url: str) -> Handlers:
    sender = Sender(settings, token, api_url)
    sender.start()
    sender.ready.wait(timeout=30)
    return Handlers(engine, sender, key=seals.key_of(settings).inbox)
