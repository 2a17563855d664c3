"""Updates in, answered anywhere: the bot's intake and the workers' handler job.

The bot process only takes updates in: it writes each fetched batch to the inbox
(``workflows.platform.inbox``) in one statement, hands each chat to the queue, and
only then asks Telegram for the next batch, which confirms this one. Answering is
a Dramatiq job, ``handle_chat``, that any worker on any machine runs: it takes
the chat, answers its waiting updates in order through the engine (the turn and
its replies committed together, the replies sent after, off the thread) and
deletes them once their replies are out. A handler killed midway leaves its rows
in the inbox, for its job handed out again or the sweep; the engine's record of
handled updates makes the second handling send only what is still owed.

The bot process loads only the intake: the engine and the conversations load with the
handlers (``open_handlers``), in the workers.
"""

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import dramatiq

from bot.chain import Chain
from bot.chat import ChatEvent, Reply, event_from_json, event_to_json
from bot.i18n import text_for
from bot.runtimes.common import (
    STAMPS,
    Messenger,
    answer_press,
    paced,
    said_toast,
    send_owed,
    send_unkept,
)
from bot.telegram_api import AsyncRateLimiter, BotApi
from models.db import Database, unreachable
from workflows.meetings import seals
from workflows.platform import inbox, people
from workflows.platform.clock import Clock
from workflows.platform.queue import (
    FOLLOW_UP_QUEUE,
    TYPED_QUEUE,
    UPDATES_QUEUE,
    JobContext,
    job,
)
from workflows.platform.settings import Settings
from workflows.platform.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from bot.engine import Engine, Owed

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Chats whose replies one handler process may have waiting for their turn to send,
#: for chats with only presses and, apart, for chats with a message typed (so that a
#: person who typed is never held behind a crowd's presses). Beyond it a handler
#: thread that has answered a chat (a press that says something answered at once)
#: waits before it hands the replies over and takes the next: answering presses
#: faster than their replies can go out only lengthens the queue of replies, and
#: takes the processor from the presses that follow the replies going out (a
#: Confirm, answered at once with "Recorded.").
MAX_SENDING = 16
#: On stopping, how long answers on their way are given to go out.
STOP_GRACE_S = 10.0


def build_engine(uow: UnitOfWork, settings: Settings, api: BotApi) -> "Engine":
    # The engine and every conversation load here, in a worker, never in the bot.
    from bot.conversations import FALLBACK, ROUTERS
    from bot.engine import Engine
    from bot.uploads import FileChecker

    files = FileChecker(api, lambda: int(settings.letter_max_mb * 1024 * 1024))
    return Engine(uow, ROUTERS, fallback=FALLBACK, files=files)


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
        self.db = db
        self.broker = broker
        self.clock = clock
        self.messenger = messenger
        self.key = key

    async def take(self, events: list[ChatEvent]) -> None:
        """Kept when this returns: only then may the batch be confirmed.

        While the database is away nothing can be kept: as when the bot answered
        updates itself, each sender is told to try again in a moment (the batch is
        then confirmed), and the outage is logged once."""
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

    def _take(self, events: list[ChatEvent]) -> None:
        rows = []
        for event in events:
            try:
                sealed = inbox.seal(self.key, event.update_id, event.chat_id, event_to_json(event))
            except Exception:
                # As when the bot answered updates itself: one update that cannot be
                # handled is logged and left, rather than holding every batch after it.
                log.exception("update %s cannot be kept", event.update_id)
                continue
            rows.append((event.update_id, event.chat_id, sealed))
        inbox.store(self.db, rows, now=self.clock.now())
        try:
            inbox.hand_over(
                self.broker,
                [event.chat_id for event in events],
                unless_queued=True,
                typed={event.chat_id for event in events if not event.callback_id},
            )
        except Exception as error:
            # Kept, so not lost: the scheduler's sweep hands the chats over in seconds.
            log.warning("queue unavailable (%s); %d updates wait for the sweep", error, len(events))

    async def _try_again(self, event: ChatEvent) -> None:
        # Only while the database is away: the engine loads then (in the bot).
        from bot.engine import TRY_AGAIN, owed_for

        said = text_for(people.language_from_telegram(event.language_code))._(TRY_AGAIN)
        try:
            await send_unkept(self.messenger, event, owed_for(event, [Reply(text=said)]))
        except Exception as error:
            log.warning("update %s: could not say to try again (%s)", event.update_id, error)


class Sender(threading.Thread):
    """An event loop of its own in a worker process, on which replies go out with the
    configured runtime's client (aiogram's or python-telegram-bot's), paced by the
    shared rate limiter as answers to a person."""

    def __init__(
        self,
        settings: Settings,
        token: str,
        api_url: str,
        limiter: Callable[[], AsyncRateLimiter | None],
    ) -> None:
        super().__init__(name="majlis-replies", daemon=True)
        self.settings = settings
        self.token = token
        self.api_url = api_url
        self.make_limiter = limiter
        self.loop = asyncio.new_event_loop()
        self.opened = threading.Event()
        self.messenger: Messenger | None = None
        self._closers: list[Callable[[], Awaitable[Any]]] = []
        self._initialize: Callable[[], Awaitable[Any]] | None = None
        self._mutex = threading.Lock()
        self._pending: set[Future[Any]] = set()

    def run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._open())
        finally:
            self.opened.set()
        self.loop.run_forever()

    async def _open(self) -> None:
        limiter = self.make_limiter()
        if limiter is not None:
            self._closers.append(limiter.client.aclose)
        base = self.api_url.rstrip("/")
        if self.settings.runtime == "ptb":
            # One Telegram library of the two loads, the one configured (start-up time).
            from telegram import Bot

            # One Telegram library of the two loads, the one configured (start-up time).
            from bot.runtimes.ptb_runtime import PtbMessenger

            bot = Bot(self.token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot")
            # Initialised (getMe) on first use: at start the Bot API may not answer yet
            # (the sandbox of ``majlis run`` runs on the loop that is starting us).
            self._initialize = bot.initialize
            self.messenger = paced(PtbMessenger(bot), limiter)
            self._closers.append(bot.shutdown)
            return
        # One Telegram library of the two loads, the one configured (start-up time).
        from bot.runtimes.aiogram_runtime import AiogramMessenger, make_bot

        aiogram_bot = make_bot(self.token, self.api_url)
        self.messenger = paced(AiogramMessenger(aiogram_bot), limiter)
        self._closers.append(aiogram_bot.session.close)

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> "Future[T]":
        """Run ``coroutine`` on the sending loop without waiting for it."""
        self.opened.wait()
        future = asyncio.run_coroutine_threadsafe(self._once_ready(coroutine), self.loop)
        with self._mutex:
            self._pending.add(future)
        future.add_done_callback(self._settled)
        return future

    def _settled(self, future: "Future[Any]") -> None:
        with self._mutex:
            self._pending.discard(future)

    async def _once_ready(self, coroutine: Coroutine[Any, Any, T]) -> T:
        if self._initialize is not None:
            await self._initialize()  # python-telegram-bot does it once, however many ask
        return await coroutine

    def stop(self) -> None:
        self.opened.wait(timeout=30)
        if not self.is_alive():
            return
        # Answers on their way are given a while to go out; what is still waiting for
        # its turn then stays in the inbox, for the next handler of its chat.
        with self._mutex:
            pending = list(self._pending)
        wait(pending, timeout=STOP_GRACE_S)
        for close in reversed(self._closers):
            try:
                asyncio.run_coroutine_threadsafe(close(), self.loop).result(timeout=5)
            except Exception:
                log.exception("closing the Bot API client")
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.join(timeout=5)


class SendingLoop(Protocol):
    """Where a handler's replies go out (:class:`Sender`)."""

    @property
    def messenger(self) -> Messenger | None: ...

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> "Future[T]": ...


class Handlers:
    """What the handler job needs in a worker: the engine, the key and a way to send.

    A handler thread takes a chat, answers its waiting updates in order (each turn
    and its replies committed together), gives a button press's answer at once, and
    hands the replies to the sending loop: the thread is free for the next chat while
    they wait for their turns of the rate limiter, and the chat stays held until they
    are out. Its rows leave the inbox only then, so a handler killed before leaves
    them to the next, which sends only what is still owed.
    """

    def __init__(self, engine: "Engine", sender: SendingLoop, *, key: bytes) -> None:
        self.engine = engine
        self.sender = sender
        self.key = key
        self.locks = inbox.locks_of(engine.uow.db)
        #: For chats with presses only, and apart for chats with a message typed: in a
        #: crowd, the presses' threads are busy answering the next press of every chat
        #: whose edit went out, and a person who typed would be let go, and the next
        #: message answered, only after them all.
        self.presses = _Sending(threads=4, name="majlis-inbox")
        self.typed = _Sending(threads=2, name="majlis-typed")

    @property
    def db(self) -> Database:
        return self.engine.uow.db

    def handle_chat(self, chat_id: int, *, typed: bool = False) -> None:
        """Answer ``chat_id``'s waiting updates; ``typed`` when a message was typed among
        them (its job came on :data:`TYPED_QUEUE`)."""
        try:
            # Before the chat's rows are read: what the bot writes from now on is
            # handed over in a job of its own.
            inbox.picked_up(self.engine.uow.broker, chat_id)
        except Exception as error:
            # The bot then hands the chat over again once the mark lapses.
            log.warning("chat %s: could not note its job as picked up (%s)", chat_id, error)
        try:
            self._handle_chat(chat_id, self.typed if typed else self.presses)
        except Exception as error:
            if not unreachable(error):
                raise
            # Told once; the updates wait in the inbox, and the sweep hands the chat
            # over again once the database answers.
            self.db.outage.began(error)

    def _handle_chat(self, chat_id: int, sending: "_Sending") -> None:
        chat = inbox.Chat(self.db, chat_id)
        took = self.locks.take_reading(chat)
        if took is None:
            # Another handler has the chat. It looks for updates that came meanwhile
            # once it lets the chat go, so this job has nothing more to do.
            log.debug("chat %s is being answered elsewhere", chat_id)
            return
        hold, waiting = took
        self._holding(chat_id)
        self._answer_and_send(_Taken(hold, chat, sending), after=None, waiting=waiting)

    def _holding(self, chat_id: int) -> None:
        try:
            inbox.holding(self.engine.uow.broker, chat_id)
        except Exception as error:
            # What comes meanwhile then gets a job, which finds the chat held.
            log.debug("chat %s: not noted as held (%s)", chat_id, error)

    def _answer_and_send(
        self, taken: "_Taken", *, after: int | None, waiting: list[inbox.Waiting] | None = None
    ) -> None:
        """Answer the chat's updates after ``after`` (the first of them ``waiting``,
        when read already) and hand their replies to the sending loop, which comes
        back here once they are out (:meth:`_sent`)."""
        answered = _Answered(after)
        try:
            complete = self._answer_waiting(taken.chat, answered, waiting)
        except BaseException:
            # What was answered before the failure still goes out and leaves the inbox.
            self._record_chain(taken, answered)
            self._send(taken, answered, complete=False)
            raise
        complete = self._record_chain(taken, answered) and complete
        self._send(taken, answered, complete=complete)

    def _record_chain(self, taken: "_Taken", answered: "_Answered") -> bool:
        """The records the turns kept back written (``Engine.record_chain``), before any
        reply goes out; False when they could not be: those updates are then neither
        sent nor taken out of the inbox, and wait for the next handler of the chat."""
        chain = answered.chain
        try:
            self.engine.record_chain(chain)
        except Exception as error:
            if unreachable(error):
                self.db.outage.began(error)
            else:
                log.exception("chat %s: the records of answered updates not written", taken.chat_id)
            answered.forget(chain.pending_ids)
            chain.pending.clear()
            return False
        finally:
            # Answered by another handler: nothing goes out from here. Refused: told that
            # something went wrong, as for a turn that failed.
            answered.instead(
                chain.elsewhere, lambda event, owed: replace(owed, items=[], kept=False)
            )
            answered.instead(chain.failed, lambda event, owed: self.engine.went_wrong(event))
        return True

    def _answer_waiting(
        self, chat: inbox.Chat, answered: "_Answered", waiting: list[inbox.Waiting] | None
    ) -> bool:
        """Answer the chat's waiting updates in order (the first of them ``waiting``,
        when read already); False when one is left waiting (its seal does not open
        here, or the database is away)."""
        rows = waiting
        while True:
            if rows is None:
                rows = chat.waiting(after=answered.last)
            # The records read with the user: the engine takes those from its turn's on.
            answered.chain.ahead = [row.update_id for row in rows]
            for row in rows:
                try:
                    opened = inbox.unseal(self.key, row.update_id, chat.chat_id, row.sealed)
                except inbox.BrokenSeal as broken:
                    # Left waiting, and the chat's later updates behind it: a process
                    # with the right key answers them in order.
                    log.error("%s", broken)
                    return False
                event = event_from_json(opened)
                owed = self.engine.answer(event, answered.chain)
                if not owed.kept and owed.items and self.db.outage.ongoing:
                    return False  # the database is away: the sweep hands the chat over again
                answered.add(row.update_id, event, owed, self._press_answered(event, owed))
            if len(rows) < inbox.BATCH:
                return True
            rows = None

    def _press_answered(self, event: ChatEvent, owed: "Owed") -> bool:
        """Whether the press's answer went at once (:func:`said_toast`)."""
        toast = said_toast(owed)
        if toast is None or not event.callback_id:
            return False
        messenger = self.sender.messenger
        assert messenger is not None
        self.sender.submit(answer_press(messenger, event, toast))
        return True

    def _send(self, taken: "_Taken", answered: "_Answered", *, complete: bool) -> None:
        if answered.to_send():
            if not taken.has_slot:
                taken.sending.slots.acquire()  # kept until the chat is let go
                taken.has_slot = True
            try:
                self.sender.submit(self._send_then(taken, answered, complete))
                return
            except Exception:
                log.exception("chat %s: the answers could not be handed over", taken.chat_id)
                complete = False
        self._sent(taken, answered, complete)

    async def _send_then(self, taken: "_Taken", answered: "_Answered", complete: bool) -> None:
        messenger = self.sender.messenger
        assert messenger is not None
        try:
            final = len(answered.replies) - 1
            for index, (event, owed, pressed) in enumerate(answered.replies):
                try:
                    # The last update's last stamp goes with the rows' deletion (_done),
                    # the next statement anyway: one round trip less.
                    await send_owed(
                        self.engine,
                        messenger,
                        event,
                        owed,
                        pressed=pressed,
                        stamp_last=index < final,
                    )
                except Exception:
                    # As when the bot answered updates itself: what could not be sent
                    # after a few tries is given up, so that one bad update does not
                    # stop the chat.
                    log.exception("update %s: the answer could not be sent", event.update_id)
                else:
                    if index == final and owed.kept:
                        answered.out = inbox.Answered(owed.update_id, owed.start + len(owed.items))
        finally:
            loop = asyncio.get_running_loop()
            try:
                # The rows' deletion carries the last stamp: on the stamps' threads, so
                # that a reply out never waits unstamped behind other chats' turns.
                done = await loop.run_in_executor(STAMPS, self._done, taken, answered, complete)
                await loop.run_in_executor(
                    taken.sending.after, self._sent, taken, answered, complete, done
                )
            except Exception:
                # Nobody waits on this task: said here, the chat let go by _sent, and
                # what is left waiting handed over by the sweep.
                log.exception("chat %s: answering what came meanwhile failed", taken.chat_id)

    def _done(
        self, taken: "_Taken", answered: "_Answered", complete: bool
    ) -> "tuple[list[inbox.Waiting] | None, bool]":
        """``answered``'s rows leave the inbox, its last update stamped with them; when all
        went well, what came meanwhile is read in the same statement. Returns it, and
        whether all went well."""
        try:
            if complete and answered.update_ids:
                return answered.done_then_waiting(taken.chat), True
            answered.done(taken.chat)
            return None, complete
        except Exception as error:
            if unreachable(error):
                self.db.outage.began(error)
            else:
                log.exception(
                    "chat %s: answered updates, or those after them, left in the inbox",
                    taken.chat_id,
                )
            return None, False

    def _sent(
        self,
        taken: "_Taken",
        answered: "_Answered",
        complete: bool,
        done: "tuple[list[inbox.Waiting] | None, bool] | None" = None,
    ) -> None:
        """``answered``'s replies are out and its rows gone (``done``: :meth:`_done`'s
        answer, when it ran already): the updates that came meanwhile (a press on the
        message just edited) are answered at once, the chat still held; with none, the
        chat is let go."""
        try:
            waiting, complete = self._done(taken, answered, complete) if done is None else done
            if complete and answered.update_ids:
                self._answer_and_send(taken, after=answered.last, waiting=waiting)
                return
        except BaseException:
            self._let_go(taken, complete=False)
            raise
        self._let_go(taken, complete=complete)

    def _let_go(self, taken: "_Taken", *, complete: bool) -> None:
        """Let the chat go. When all went well, what came between the last look and the
        release (its job found the chat held: most often a press on the message just
        edited) is answered at once, the sending slot kept: the person is in the middle
        of an exchange, and a job handed over now would wait behind every chat queued.
        With nothing left, a press to come soon follows these answers
        (:data:`inbox.FOLLOW_UP`)."""
        try:
            # Before the last look: what the bot writes from now on gets a job.
            inbox.letting_go(
                self.engine.uow.broker, taken.chat_id, answered=complete and taken.has_slot
            )
        except Exception as error:
            # Until the mark lapses, what comes waits for the sweep; and its next press
            # waits among those that begin an exchange.
            log.debug("chat %s: not noted as let go (%s)", taken.chat_id, error)
        again = None
        try:
            if not complete:
                taken.hold.release()
            elif self.locks.release_then_waiting(taken.hold, taken.chat):
                # None: another handler took the chat meanwhile, and looks again after.
                again = self.locks.take_reading(taken.chat)
        except Exception as error:
            log.warning("chat %s left for the sweep (%s)", taken.chat_id, error)
        except BaseException:
            taken.let_slot_go()
            raise
        if again is None:
            taken.let_slot_go()
            return
        taken.hold, waiting = again
        self._holding(taken.chat_id)
        self._answer_and_send(taken, after=None, waiting=waiting)


class _Sending:
    """Slots for chats whose replies wait for their turn to send (:data:`MAX_SENDING`),
    and the threads that, once they are out and their rows gone, answer what came
    meanwhile or let the chat go (off the sending loop)."""

    def __init__(self, *, threads: int, name: str) -> None:
        self.slots = threading.BoundedSemaphore(MAX_SENDING)
        self.after = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=name)


@dataclass
class _Taken:
    """A chat this handler holds, and where it takes a sending slot once it has replies
    to send."""

    hold: inbox.Hold
    chat: inbox.Chat
    sending: _Sending
    has_slot: bool = False

    @property
    def chat_id(self) -> int:
        return self.chat.chat_id

    def let_slot_go(self) -> None:
        if self.has_slot:
            self.has_slot = False
            self.sending.slots.release()


class _Answered:
    """A chat's updates answered in one go, and what each owes."""

    def __init__(self, after: int | None) -> None:
        #: The last update read (answered, or the one before the first).
        self.last = after
        self.update_ids: list[int] = []
        #: The event, what it owes, and whether its press was answered already.
        self.replies: list[tuple[ChatEvent, Owed, bool]] = []
        #: The last update, once all its replies are out and their stamp is not yet
        #: written: stamped as its rows leave the inbox.
        self.out: inbox.Answered | None = None
        #: The turns' records kept back, and the user read once for them.
        self.chain = Chain()

    def add(self, update_id: int, event: ChatEvent, owed: "Owed", pressed: bool) -> None:
        self.last = update_id
        self.update_ids.append(update_id)
        self.replies.append((event, owed, pressed))

    def forget(self, update_ids: Sequence[int]) -> None:
        """``update_ids`` left unanswered: nothing of theirs goes out, and their rows stay
        in the inbox."""
        if update_ids:
            left = set(update_ids)
            self.update_ids = [i for i in self.update_ids if i not in left]
            self.replies = [reply for reply in self.replies if reply[1].update_id not in left]

    def instead(self, update_ids: set[int], owes: Callable[[ChatEvent, "Owed"], "Owed"]) -> None:
        """What ``update_ids`` owe replaced by ``owes(event, owed)``."""
        if update_ids:
            self.replies = [
                (event, owes(event, owed) if owed.update_id in update_ids else owed, pressed)
                for event, owed, pressed in self.replies
            ]

    def to_send(self) -> bool:
        """Whether anything is owed (a press answered already still has its stamp)."""
        return any(owed.items for _, owed, _ in self.replies)

    def done(self, chat: inbox.Chat) -> None:
        chat.done(self.update_ids, answered=self.out)

    def done_then_waiting(self, chat: inbox.Chat) -> list[inbox.Waiting]:
        """:meth:`done`, and the chat's updates after these read (one connection)."""
        assert self.last is not None
        return chat.done_then_waiting(self.update_ids, after=self.last, answered=self.out)


#: Redelivered when its worker dies; a failure is retried (the rows wait in the inbox).
RETRIED: dict[str, Any] = {"max_retries": 20, "min_backoff": 500, "max_backoff": 10_000}


@job(queue_name=UPDATES_QUEUE, name=inbox.HANDLE_JOB, priority=10, **RETRIED)
def handle_chat(chat_id: int) -> None:
    handlers: Handlers = JobContext.get("handlers")
    handlers.handle_chat(chat_id)


#: The same for a chat with a message typed: a worker takes it before the jobs of the
#: other lanes that it has fetched (Dramatiq runs the lower number first).
@job(queue_name=TYPED_QUEUE, name=inbox.HANDLE_TYPED_JOB, priority=0, **RETRIED)
def handle_typed_chat(chat_id: int) -> None:
    handlers: Handlers = JobContext.get("handlers")
    handlers.handle_chat(chat_id, typed=True)


#: The same for a press following answers sent moments ago: after the typed, before
#: the presses that begin an exchange.
@job(queue_name=FOLLOW_UP_QUEUE, name=inbox.HANDLE_FOLLOW_UP_JOB, priority=5, **RETRIED)
def handle_follow_up(chat_id: int) -> None:
    handlers: Handlers = JobContext.get("handlers")
    handlers.handle_chat(chat_id)


def open_handlers(
    uow: UnitOfWork,
    settings: Settings,
    *,
    token: str,
    api_url: str,
    limiter: Callable[[], AsyncRateLimiter | None],
) -> tuple[Handlers, Callable[[], None]]:
    """The handlers of a worker process, and what closes them."""
    api = BotApi(token, api_url)
    sender = Sender(settings, token, api_url, limiter)
    # Not waited for: the runtime's library loads in its thread while the rest starts.
    sender.start()

    handlers = Handlers(build_engine(uow, settings, api), sender, key=seals.key_of(settings).inbox)

    def close() -> None:
        sender.stop()
        # The chats of answers that went out are let go; the others, when the process
        # ends and its lock connection with it.
        handlers.presses.after.shutdown(wait=True)
        handlers.typed.after.shutdown(wait=True)
        api.close()

    return handlers, close
