"""The inbox of updates taken in: sealed, kept once, taken by one handler per chat at a
time, handed over again when left waiting, and a batch confirmed only once kept."""

import asyncio
import threading
import time
from collections.abc import Coroutine
from concurrent.futures import Future, wait
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from dramatiq import Worker
from sqlmodel import select

from bot.buttons import BallotConfirm, BallotPick
from bot.chat import ChatEvent, Document, Keyboard, Reply, event_from_json, event_to_json
from bot.conversations import FALLBACK, ROUTERS
from bot.conversations.meetings.votes import RECORDED
from bot.engine import Engine
from bot.i18n import text_for
from bot.intake import MAX_SENDING, Handlers, Intake
from bot.platform import worker_queues
from bot.runtimes.common import poll
from models import InboxUpdate
from models.db import Database
from tests.conftest import POSTGRES_URL
from tests.test_secret_ballots import secret_vote
from tests.wire import round_trips, statements, traced
from workflows.charter.meetings import Choice
from workflows.jobs import sweep_inbox
from workflows.platform import inbox
from workflows.platform.clock import FrozenClock
from workflows.platform.queue import (
    FOLLOW_UP_QUEUE,
    UPDATES_QUEUE,
    WORKER_TIMEOUT_MS,
    JobContext,
    declare_jobs,
    make_broker,
)
from workflows.platform.unit_of_work import UnitOfWork

T = TypeVar("T")

KEY = inbox.derive_key(b"a ballot key for the tests")


def press(update_id: int, data: str) -> ChatEvent:
    return ChatEvent(
        update_id=update_id,
        user_id=7,
        first_name="Amina",
        chat_id=7,
        callback_data=data,
        callback_id=f"q{update_id}",
        message_id=3,
    )


def test_a_sealed_press_says_nothing_of_the_button_pressed() -> None:
    """A press on a secret ballot carries the choice: the inbox keeps it sealed, and as
    long whatever was pressed."""
    presses = {choice: press(1, f"ballot:12:{choice}") for choice in ("yes", "no", "abstain")}
    sealed = {
        choice: inbox.seal(KEY, 1, 7, event_to_json(event)) for choice, event in presses.items()
    }
    assert len({len(seal) for seal in sealed.values()}) == 1
    for choice, seal in sealed.items():
        assert choice.encode() not in seal and b"ballot" not in seal
        assert event_from_json(inbox.unseal(KEY, 1, 7, seal)) == presses[choice]
    # Two seals of the same press share nothing.
    assert inbox.seal(KEY, 1, 7, event_to_json(presses["yes"])) != sealed["yes"]


def test_a_seal_opens_only_under_its_key_and_on_its_row() -> None:
    seal = inbox.seal(KEY, 1, 7, event_to_json(press(1, "ballot:12:yes")))
    with pytest.raises(inbox.BrokenSeal):
        inbox.unseal(inbox.derive_key(b"another key"), 1, 7, seal)
    with pytest.raises(inbox.BrokenSeal):
        inbox.unseal(KEY, 2, 7, seal)  # copied to another update's row


def event(update_id: int, chat_id: int, text: str = "/menu") -> ChatEvent:
    return ChatEvent(
        update_id=update_id, user_id=chat_id, first_name="Amina", chat_id=chat_id, text=text
    )


def rows(*events: ChatEvent) -> list[tuple[int, int, bytes]]:
    return [
        (e.update_id, e.chat_id, inbox.seal(KEY, e.update_id, e.chat_id, event_to_json(e)))
        for e in events
    ]


def test_a_batch_handed_over_again_is_kept_once_and_read_in_order(
    db: Database, clock: FrozenClock
) -> None:
    batch = [event(12, 7), event(10, 7, "/help"), event(11, 8)]
    inbox.store(db, rows(*batch), now=clock.now())
    inbox.store(db, rows(*batch), now=clock.now())  # Telegram's same batch, not yet confirmed

    with inbox.taken(db, 7) as chat:
        assert chat is not None
        waiting = chat.waiting()
        assert [row.update_id for row in waiting] == [10, 12]
        opened = inbox.unseal(KEY, waiting[0].update_id, 7, waiting[0].sealed)
        assert event_from_json(opened) == batch[1]
        chat.done([10])
        assert [row.update_id for row in chat.waiting()] == [12]
    assert inbox.waiting_for(db, 8) and inbox.waiting_for(db, 7) and not inbox.waiting_for(db, 9)
    with db.reading() as session:
        assert len(session.exec(select(InboxUpdate)).all()) == 2


def test_a_chat_is_taken_by_one_handler_at_a_time(db: Database) -> None:
    holding, release = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def first() -> None:
        with inbox.taken(db, 7) as chat:
            seen["first"] = chat is not None
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    assert holding.wait(10)
    with inbox.taken(db, 7) as chat:
        seen["second, meanwhile"] = chat is not None
    with inbox.taken(db, 9) as chat:
        seen["another chat"] = chat is not None
    release.set()
    thread.join(10)
    with inbox.taken(db, 7) as chat:
        seen["second, after"] = chat is not None
    assert seen == {
        "first": True,
        "second, meanwhile": False,
        "another chat": True,
        "second, after": True,
    }


def test_a_chat_is_taken_with_its_rows_and_let_go_with_a_last_look(
    db: Database, database_url: str, clock: FrozenClock
) -> None:
    """A handler takes a chat and reads its first rows in one go, and lets it go with a
    look for rows after the release: a row written before the look is seen, and the
    chat is free for another process the moment the look is made."""
    inbox.store(db, rows(event(12, 7), event(10, 7, "/help"), event(11, 8)), now=clock.now())
    locks = inbox.locks_of(db)
    elsewhere = Database(database_url)  # another process: a lock connection of its own
    try:
        took = locks.take_reading(inbox.Chat(db, 7), limit=5)
        assert took is not None
        hold, waiting = took
        assert [row.update_id for row in waiting] == [10, 12]
        assert event_from_json(inbox.unseal(KEY, 10, 7, waiting[0].sealed)).text == "/help"
        assert locks.take_reading(inbox.Chat(db, 7)) is None  # held here
        assert inbox.locks_of(elsewhere).take_reading(inbox.Chat(elsewhere, 7)) is None

        chat = inbox.Chat(db, 7)
        assert [row.update_id for row in chat.done_then_waiting([10], after=10)] == [12]
        assert chat.done_then_waiting([12], after=12) == []
        inbox.store(db, rows(event(13, 7)), now=clock.now())  # after the last look
        assert locks.release_then_waiting(hold, chat)
        other = inbox.locks_of(elsewhere).take_reading(inbox.Chat(elsewhere, 7), limit=1)
        assert other is not None and [row.update_id for row in other[1]] == [13]
        assert locks.take_reading(inbox.Chat(db, 7)) is None  # the other process has it
        inbox.Chat(elsewhere, 7).done([13])
        assert not inbox.locks_of(elsewhere).release_then_waiting(
            other[0], inbox.Chat(elsewhere, 7)
        )
        took = locks.take_reading(inbox.Chat(db, 7))
        assert took is not None and took[1] == []  # free again, and nothing waits
        assert not locks.release_then_waiting(took[0], inbox.Chat(db, 7))
        assert inbox.waiting_for(db, 8)
    finally:
        elsewhere.dispose()


def test_chats_left_waiting_are_handed_over_again_once_per_delay(
    db: Database, clock: FrozenClock
) -> None:
    inbox.store(db, rows(event(1, 7), event(2, 8)), now=clock.now())
    assert inbox.stale_chats(db, now=clock.now()) == []
    later = clock.now() + inbox.RESEND_AFTER + timedelta(seconds=1)
    assert inbox.stale_chats(db, now=later) == [7, 8]
    assert inbox.stale_chats(db, now=later) == []
    # Redis lost its queues: everything waiting is handed over at once.
    assert inbox.stale_chats(db, now=later, resend_after=timedelta(0)) == [7, 8]


async def test_a_batch_is_confirmed_only_once_kept() -> None:
    """The next getUpdates carries the higher offset (which confirms the batch to
    Telegram) only after ``take`` returned; a failed take asks for the batch again."""
    offsets: list[int | None] = []
    taken: list[list[int]] = []
    stop = asyncio.Event()
    failures = [RuntimeError("database away")]

    class Update:
        def __init__(self, update_id: int) -> None:
            self.update_id = update_id

    async def fetch(offset: int | None, timeout: int) -> list[Update]:
        offsets.append(offset)
        if len(offsets) >= 3:
            stop.set()
            return []
        return [Update(5), Update(6)]

    async def take(updates: list[Update]) -> None:
        if failures:
            raise failures.pop()
        taken.append([update.update_id for update in updates])

    await asyncio.wait_for(poll(fetch, take, stop=stop), timeout=60)
    assert offsets == [None, None, 7]
    assert taken == [[5, 6]]


class Recording:
    """A messenger that keeps what it was asked to send, in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send_text(self, chat_id: int, text: str, buttons: Keyboard) -> None:
        self.sent.append((chat_id, text))

    async def edit_text(self, chat_id: int, message_id: int, text: str, buttons: Keyboard) -> None:
        self.sent.append((chat_id, text))

    async def send_document(self, chat_id: int, document: Document, caption: str) -> None:
        self.sent.append((chat_id, caption))

    async def answer(self, callback_id: str, text: str | None, alert: bool) -> None:
        self.sent.append((0, f"answer to {callback_id}: {text}"))


class InThisThread:
    """The handlers' sender, running each send on an event loop of its own here: at once,
    or, ``held``, when the test says (as replies wait for their turn to send)."""

    def __init__(self, *, held: bool = False) -> None:
        self.messenger = Recording()
        self.held = held
        self.waiting: list[tuple[Coroutine[Any, Any, Any], Future[Any]]] = []

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> Future[T]:
        future: Future[T] = Future()
        self.waiting.append((coroutine, future))
        if not self.held:
            self.release()
        return future

    def release(self, count: int | None = None) -> None:
        """Run the first ``count`` coroutines waiting (all with None), in order."""
        for _ in range(len(self.waiting) if count is None else count):
            coroutine, future = self.waiting.pop(0)
            future.set_result(asyncio.run(coroutine))


def handlers_on(uow: UnitOfWork, *, held: bool = False) -> tuple[Handlers, InThisThread]:
    sender = InThisThread(held=held)
    engine = Engine(uow, ROUTERS, fallback=FALLBACK)
    return Handlers(engine, sender, key=KEY), sender


def test_a_chat_is_answered_in_order_and_its_updates_leave_the_inbox(
    uow: UnitOfWork, clock: FrozenClock
) -> None:
    handlers, sender = handlers_on(uow)
    messenger = sender.messenger
    t = text_for("en")
    batch = [event(22, 7, "/menu"), event(21, 7, "/help"), event(23, 7, "/language")]
    inbox.store(uow.db, rows(*batch), now=clock.now())
    handlers.handle_chat(7)
    markers = [
        t._("/help — this help"),
        t._("Main menu. What would you like to do?"),
        t._("Please choose your language."),
    ]
    said = [text for _, text in messenger.sent]
    assert [next(i for i, m in enumerate(markers) if m in text) for text in said] == [0, 1, 2]
    assert not inbox.waiting_for(uow.db, 7)

    # Telegram hands the batch over again (the bot died before confirming it): kept once
    # more, answered by nobody twice.
    inbox.store(uow.db, rows(*batch), now=clock.now())
    handlers.handle_chat(7)
    assert [text for _, text in messenger.sent] == said
    assert not inbox.waiting_for(uow.db, 7)


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL's protocol: set MAJLIS_TEST_DATABASE_URL")
def test_a_start_costs_the_bot_one_round_trip_to_postgresql_and_its_handler_five(
    uow: UnitOfWork, clock: FrozenClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counted on the wire (libpq's trace of every connection): the update written by
    the bot; then the chat taken and its row read, the user read and the update
    recorded (the turn writes nothing else: no BEGIN and COMMIT), the row deleted
    with the reply's stamp and a look for more, and the chat let go with a last look.
    Each round trip costs the process a good part of the processor time of an update:
    the stamp had one of its own, and a thread to write it."""
    handlers, sender = handlers_on(uow)
    with traced(uow.db.engine, tmp_path, monkeypatch) as wire:
        for update_id in (1, 2):  # the first meets the user; the second is counted
            stored = wire.mark()
            inbox.store(uow.db, rows(event(update_id, 7, "/start")), now=clock.now())
            start = wire.mark()
            handlers.handle_chat(7)
        traced_store = wire.between(stored, start)
        traced_handler = wire.since(start)
    assert len(sender.messenger.sent) == 2 and not inbox.waiting_for(uow.db, 7)
    # The bot's side: the update written in one statement, committed on its own.
    assert round_trips(traced_store) == 1, statements(traced_store)
    assert round_trips(traced_handler) == 5, statements(traced_handler)


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL's protocol: set MAJLIS_TEST_DATABASE_URL")
def test_a_ballot_press_costs_its_turn_no_savepoint(
    uow: UnitOfWork, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A voter's Yes, counted on the wire: the user read with the update's record, then
    a transaction that reads the motion, its session, the member voted for, the
    voter's attendance and any ballot cast, and records the update. The handlers of
    votes tell their own refusals, and did so in a savepoint around every press (two
    round trips more); a refused press now rolls back whole (``tests/test_engine.py``)."""
    motion_id, (voter,) = secret_vote(uow, 1)
    engine = Engine(uow, ROUTERS, fallback=FALLBACK)

    def yes(update_id: int) -> ChatEvent:
        return ChatEvent(
            update_id=update_id,
            user_id=voter.id,
            first_name="Mayor",
            chat_id=voter.id,
            callback_data=BallotPick(motion_id, 0, Choice.YES).pack(),
            callback_id=f"q{update_id}",
            message_id=5,
        )

    engine.answer(yes(51))  # the first meets the user
    with traced(uow.db.engine, tmp_path, monkeypatch) as wire:
        start = wire.mark()
        owed = engine.answer(yes(52))
        sent = wire.since(start)
    # The ballot now asks to confirm Yes.
    (edit,) = [item for item in owed.items if isinstance(item, Reply) and item.edit]
    assert edit.buttons[0][0].data == BallotConfirm(motion_id, 0, Choice.YES).pack()
    assert not [said for said in statements(sent) if "SAVEPOINT" in said]
    assert round_trips(sent) == 9, statements(sent)


def test_a_chat_held_while_its_answers_go_out_takes_the_next_update_after_them(
    uow: UnitOfWork, clock: FrozenClock, redis_url: str, namespace: str
) -> None:
    """While a chat's answers wait for their turn to send, the chat stays held: an
    update that comes meanwhile is not answered out of turn, and its job ends at once
    rather than come back again and again. The holder answers it as soon as the
    answers before it are out, and lets the chat go once nothing is left."""
    broker = make_broker(redis_url, namespace=namespace)
    uow = UnitOfWork(db=uow.db, settings=uow.settings, broker=broker, clock=clock)
    handlers, sender = handlers_on(uow, held=True)
    t = text_for("en")
    queue = f"{namespace}:{UPDATES_QUEUE}"
    inbox.store(uow.db, rows(event(31, 7, "/help")), now=clock.now())
    try:
        handlers.handle_chat(7)
        assert sender.messenger.sent == []
        assert inbox.waiting_for(uow.db, 7)  # until its answer is out

        inbox.store(uow.db, rows(event(32, 7, "/menu")), now=clock.now())
        handlers.handle_chat(7)  # the chat is held: this job ends
        assert len(sender.waiting) == 1
        assert broker.client.llen(queue) == 0 and broker.client.llen(f"{queue}.DQ") == 0

        sender.release(1)  # /help goes out; the holder answers /menu and sends it next
        assert len(sender.messenger.sent) == 1
        assert t._("/help — this help") in sender.messenger.sent[0][1]
        assert len(sender.waiting) == 1
        with inbox.taken(uow.db, 7) as elsewhere:
            assert elsewhere is None  # still held

        sender.release()
        assert t._("Main menu. What would you like to do?") in sender.messenger.sent[-1][1]
        assert len(sender.messenger.sent) == 2
        assert not inbox.waiting_for(uow.db, 7)
        with inbox.taken(uow.db, 7) as free:
            assert free is not None  # let go
        assert broker.client.llen(queue) == 0  # nothing left to hand over
    finally:
        broker.flush_all()
        broker.close()


def test_an_update_that_comes_while_its_chat_is_held_gets_no_job_of_its_own(
    uow: UnitOfWork, clock: FrozenClock, redis_url: str, namespace: str
) -> None:
    """A voter's Confirm comes while the chat is still held for the edit that showed it.
    The holder answers it as soon as that edit is out, so it gets no job: in a vote of a
    thousand, that job waited behind the crowd's presses only to find nothing. Once the
    chat is let go, the next update gets a job again."""
    broker = make_broker(redis_url, namespace=namespace)
    uow = UnitOfWork(db=uow.db, settings=uow.settings, broker=broker, clock=clock)
    handlers, sender = handlers_on(uow, held=True)
    t = text_for("en")
    lanes = [f"{namespace}:{lane.queue_name}" for lane in inbox.LANES.values()]
    try:
        inbox.store(uow.db, rows(event(61, 7, "/help")), now=clock.now())
        handlers.handle_chat(7)  # its answer waits for its turn to send
        inbox.store(uow.db, rows(event(62, 7, "/menu")), now=clock.now())
        inbox.hand_over(broker, [7], unless_queued=True, typed={7})
        assert [broker.client.llen(lane) for lane in lanes] == [0, 0, 0]

        sender.release()  # /help goes out; the holder answers /menu and sends it next
        sender.release()  # /menu goes out, and the chat is let go
        assert len(sender.messenger.sent) == 2
        assert t._("/help — this help") in sender.messenger.sent[0][1]
        assert t._("Main menu. What would you like to do?") in sender.messenger.sent[1][1]
        assert not inbox.waiting_for(uow.db, 7)

        inbox.store(uow.db, rows(event(63, 7, "/help")), now=clock.now())
        inbox.hand_over(broker, [7], unless_queued=True, typed={7})
        assert [broker.client.llen(lane) for lane in lanes] == [1, 0, 0]
    finally:
        broker.flush_all()
        broker.close()


def confirm_yes(update_id: int, motion_id: int, voter_id: int) -> ChatEvent:
    """A voter's press on Confirm after choosing Yes, on the ballot message."""
    return ChatEvent(
        update_id=update_id,
        user_id=voter_id,
        first_name="Mayor",
        chat_id=voter_id,
        callback_data=BallotConfirm(motion_id, 0, Choice.YES).pack(),
        callback_id=f"q{update_id}",
        message_id=5,
    )


def test_a_press_is_answered_before_the_edit_it_owes_goes_out(uow: UnitOfWork) -> None:
    """A secret ballot confirmed: "Recorded." answers the press at once, while the edit
    of the ballot waits for its turn to send; the chat is let go once it is out."""
    motion_id, (voter,) = secret_vote(uow, 1)
    handlers, sender = handlers_on(uow, held=True)
    t = text_for("en")
    confirm = confirm_yes(41, motion_id, voter.id)
    inbox.store(uow.db, rows(confirm), now=uow.clock.now())
    handlers.handle_chat(voter.id)
    assert len(sender.waiting) == 2  # the answer, then the edit and the rest
    sender.release(1)
    assert sender.messenger.sent == [(0, f"answer to q41: {t._(RECORDED)}")]
    assert inbox.waiting_for(uow.db, voter.id)
    sender.release()
    (_, edited) = sender.messenger.sent[1]
    assert "secret ballot" in edited and len(sender.messenger.sent) == 2
    assert not inbox.waiting_for(uow.db, voter.id)


def test_a_chat_whose_job_waits_gets_no_other_until_it_is_picked_up(
    uow: UnitOfWork, clock: FrozenClock, redis_url: str, namespace: str
) -> None:
    """A crowd writing at once queues a job per chat, not one per update; what is written
    once the job has started gets a job of its own, and a hand-over regardless (Redis lost
    its queues) queues one all the same."""
    broker = make_broker(redis_url, namespace=namespace)
    uow = UnitOfWork(db=uow.db, settings=uow.settings, broker=broker, clock=clock)
    handlers, sender = handlers_on(uow)
    messenger = sender.messenger
    queued = f"{namespace}:{UPDATES_QUEUE}"
    try:
        inbox.store(uow.db, rows(event(41, 7, "/help")), now=clock.now())
        inbox.hand_over(broker, [7], unless_queued=True)
        inbox.store(uow.db, rows(event(42, 7, "/menu"), event(43, 8, "/help")), now=clock.now())
        inbox.hand_over(broker, [7, 8], unless_queued=True)
        assert broker.client.llen(queued) == 2  # chat 7 once, chat 8 once

        handlers.handle_chat(7)  # the waiting job: both of chat 7's updates answered
        assert len(messenger.sent) == 2
        inbox.store(uow.db, rows(event(44, 7, "/help")), now=clock.now())
        inbox.hand_over(broker, [7], unless_queued=True)
        # A job of its own, ahead of the presses: it follows the answers just sent.
        assert broker.client.llen(f"{namespace}:{FOLLOW_UP_QUEUE}") == 1
        assert broker.client.llen(queued) == 2

        inbox.hand_over(broker, [8])  # regardless
        assert broker.client.llen(queued) == 3
    finally:
        broker.flush_all()
        broker.close()


def _queued_chats(broker: Any, queue_name: str) -> list[int]:
    """The chats of the handler jobs waiting in ``queue_name``, in queue order."""
    from dramatiq import Message

    key = f"{broker.namespace}:{queue_name}"
    ids = broker.client.lrange(key, 0, -1)
    return [
        Message.decode(broker.client.hget(f"{key}.msgs", message_id)).args[0] for message_id in ids
    ]


def test_the_sweep_gives_no_second_job_to_a_chat_whose_job_still_waits(
    uow: UnitOfWork, clock: FrozenClock, redis_url: str, namespace: str
) -> None:
    """In a crowd a chat's job waits in the queue longer than the sweep's delay. A second
    job would only take the chat to find nothing: a vote of a thousand queued about four
    jobs per voter, each taking a chat. The sweep hands over a chat the bot never handed
    over (it died in between), or whose job has started, and then only once, ahead of
    the crowd's presses: these have waited longest."""
    broker = make_broker(redis_url, namespace=namespace)
    uow = UnitOfWork(db=uow.db, settings=uow.settings, broker=broker, clock=clock)
    try:
        inbox.store(uow.db, rows(event(51, 7), event(52, 8), event(53, 9)), now=clock.now())
        inbox.hand_over(broker, [7, 8], unless_queued=True, typed={8})
        inbox.picked_up(broker, 8)  # its handler started, then died
        # Chat 9: the bot died before handing it over.
        assert _queued_chats(broker, UPDATES_QUEUE) == [7]

        clock.advance(seconds=inbox.RESEND_AFTER.total_seconds() + 1)
        assert sweep_inbox(uow) == 2
        assert _queued_chats(broker, UPDATES_QUEUE) == [7]
        assert _queued_chats(broker, FOLLOW_UP_QUEUE) == [8, 9]

        clock.advance(seconds=inbox.RESEND_AFTER.total_seconds() + 1)
        assert sweep_inbox(uow) == 0  # all three jobs wait still
        assert _queued_chats(broker, UPDATES_QUEUE) == [7]
        assert _queued_chats(broker, FOLLOW_UP_QUEUE) == [8, 9]

        # Redis lost its queues (and the marks with them): everything again, at once.
        assert sweep_inbox(uow, resend_after=timedelta(0), regardless=True) == 3
    finally:
        broker.flush_all()
        broker.close()


class _Recorder:
    """Handlers that note the order in which chats are taken, each taking a moment."""

    def __init__(self) -> None:
        self.taken: list[tuple[int, bool]] = []

    def handle_chat(self, chat_id: int, *, typed: bool = False) -> None:
        self.taken.append((chat_id, typed))
        time.sleep(0.02)


def test_a_message_typed_during_a_crowd_of_presses_is_taken_before_them(
    uow: UnitOfWork, clock: FrozenClock, redis_url: str, namespace: str
) -> None:
    """A vote in the room: thirty voters' presses wait for a handler when someone types
    /menu. That chat's job is taken next, not after the thirty; a voter who also typed
    has the press answered with the message, in order. Then comes the press of a voter
    who was answered moments ago (Confirm, once the edit showing it is out), ahead of
    the presses that begin an exchange."""
    broker = make_broker(redis_url, namespace=namespace)
    intake = Intake(uow.db, broker, clock, Recording(), key=KEY)
    # Voter 1015 was just answered.
    answering, _ = handlers_on(
        UnitOfWork(db=uow.db, settings=uow.settings, broker=broker, clock=clock)
    )
    inbox.store(uow.db, rows(event(99, 1015, "/help")), now=clock.now())
    answering.handle_chat(1015)
    voters = [
        ChatEvent(
            update_id=100 + i,
            user_id=1000 + i,
            first_name="Voter",
            chat_id=1000 + i,
            callback_data="ballot:12:yes",
            callback_id=f"q{i}",
            message_id=3,
        )
        for i in range(30)
    ]
    typed_too = event(131, 1029, "/menu")  # the last voter also typed
    asyncio.run(intake.take([*voters, event(130, 7, "/menu"), typed_too]))
    recorder = _Recorder()
    JobContext.set(handlers=recorder)
    declare_jobs(broker)
    workers = [
        Worker(broker, queues=group, worker_threads=1, worker_timeout=WORKER_TIMEOUT_MS)
        for group in worker_queues({UPDATES_QUEUE})
    ]
    try:
        for worker in workers:
            worker.start()
        for _ in range(300):
            if len(recorder.taken) >= 32:
                break
            time.sleep(0.05)
    finally:
        for worker in workers:
            worker.stop()
        JobContext.set(handlers=None)
        broker.flush_all()
        broker.close()
    order = [chat_id for chat_id, _ in recorder.taken]
    assert sorted(set(order)) == sorted({7, *(v.chat_id for v in voters)})
    # One press may be under way, and one more fetched, before the message's job comes.
    assert order.index(7) <= 2 and order.index(1029) <= 3, order
    assert (7, True) in recorder.taken and (1029, True) in recorder.taken
    assert order.index(1015) <= 4, order


def test_a_person_who_typed_is_answered_while_voters_replies_wait_for_their_turn(
    uow: UnitOfWork, clock: FrozenClock
) -> None:
    """Every sending slot of the process is held by voters' chats whose replies wait for
    their turn of the rate limiter: a typed /menu is still answered, not held until a
    voter's reply goes out."""
    handlers, sender = handlers_on(uow, held=True)
    t = text_for("en")
    voters = [event(200 + i, 2000 + i, "/help") for i in range(MAX_SENDING)]
    inbox.store(uow.db, rows(*voters), now=clock.now())
    for voter in voters:
        handlers.handle_chat(voter.chat_id)  # their chats' jobs on the presses' queue
    assert len(sender.waiting) == MAX_SENDING
    inbox.store(uow.db, rows(event(300, 7, "/menu")), now=clock.now())
    typed = threading.Thread(target=handlers.handle_chat, args=(7,), kwargs={"typed": True})
    typed.start()
    typed.join(timeout=30)
    try:
        assert not typed.is_alive(), "the typed message waited for the voters' slots"
        assert len(sender.waiting) == MAX_SENDING + 1  # its answer handed to the sender too
    finally:
        sender.release()
        typed.join(timeout=30)
    menu = t._("Main menu. What would you like to do?")
    assert sum(menu in text for _, text in sender.messenger.sent) == 1
    assert not inbox.waiting_for(uow.db, 7)


def test_an_update_that_comes_as_its_chat_is_let_go_is_answered_then_not_after_the_queue(
    uow: UnitOfWork,
    clock: FrozenClock,
    redis_url: str,
    namespace: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A voter presses the moment an edit shows, just after the holder last looked for
    more and before it let the chat go (the update's job found the chat held and ended).
    The holder answers it at once, not by a job queued behind a crowd's presses."""
    broker = make_broker(redis_url, namespace=namespace)
    uow = UnitOfWork(db=uow.db, settings=uow.settings, broker=broker, clock=clock)
    handlers, sender = handlers_on(uow)
    t = text_for("en")
    inbox.store(uow.db, rows(event(51, 7, "/help")), now=clock.now())
    release_then_waiting = handlers.locks.release_then_waiting
    came: list[int] = []

    def press_comes_then_release(hold: inbox.Hold, chat: inbox.Chat) -> bool:
        if not came:
            came.append(52)
            inbox.store(uow.db, rows(event(52, 7, "/menu")), now=clock.now())
        return release_then_waiting(hold, chat)

    monkeypatch.setattr(handlers.locks, "release_then_waiting", press_comes_then_release)
    try:
        handlers.handle_chat(7)
        said = [text for _, text in sender.messenger.sent]
        assert len(said) == 2 and t._("Main menu. What would you like to do?") in said[1]
        assert not inbox.waiting_for(uow.db, 7)
        assert broker.client.llen(f"{namespace}:{UPDATES_QUEUE}") == 0
        with inbox.taken(uow.db, 7) as free:
            assert free is not None  # let go in the end
    finally:
        broker.flush_all()
        broker.close()


def test_a_confirm_is_answered_at_once_while_every_sending_slot_is_taken(
    uow: UnitOfWork, clock: FrozenClock
) -> None:
    """Every sending slot of the process is held by voters' chats whose edits wait for
    their turn: a secret-ballot Confirm is still answered "Recorded." at once; its edit
    waits for a slot, and goes out once one is free."""
    motion_id, (voter,) = secret_vote(uow, 1)
    handlers, sender = handlers_on(uow, held=True)
    t = text_for("en")
    others = [event(500 + i, 5000 + i, "/help") for i in range(MAX_SENDING)]
    inbox.store(uow.db, rows(*others), now=clock.now())
    for other in others:
        handlers.handle_chat(other.chat_id)
    assert len(sender.waiting) == MAX_SENDING
    confirm = confirm_yes(541, motion_id, voter.id)
    inbox.store(uow.db, rows(confirm), now=clock.now())
    job = threading.Thread(target=handlers.handle_chat, args=(voter.id,))
    job.start()
    try:
        for _ in range(300):
            if len(sender.waiting) > MAX_SENDING:
                break
            time.sleep(0.05)
        assert len(sender.waiting) == MAX_SENDING + 1  # the answer to the press
        coroutine, future = sender.waiting.pop()
        future.set_result(asyncio.run(coroutine))
        assert sender.messenger.sent == [(0, f"answer to q541: {t._(RECORDED)}")]
        assert job.is_alive()  # its edit waits for a sending slot
    finally:
        sender.release()  # the others' replies go out, and their slots are let go
        job.join(timeout=30)
    assert not job.is_alive()
    sender.release()
    edits = [text for _, text in sender.messenger.sent if "secret ballot" in text]
    assert len(edits) == 1
    assert not inbox.waiting_for(uow.db, voter.id)


def test_a_person_who_typed_is_let_go_while_a_crowds_next_presses_are_answered(
    uow: UnitOfWork, clock: FrozenClock
) -> None:
    """In a crowd, each chat whose edit went out has its next press answered on the
    handlers' threads for what comes after a reply; while those are all busy, a person
    whose answer to /menu went out still has the chat let go and the next /menu
    answered, not after the crowd."""
    handlers, sender = handlers_on(uow, held=True)
    t = text_for("en")
    busy = threading.Event()
    crowd = [handlers.presses.after.submit(busy.wait, 60) for _ in range(4)]
    try:
        inbox.store(uow.db, rows(event(600, 7, "/menu")), now=clock.now())
        handlers.handle_chat(7, typed=True)
        out = threading.Thread(target=sender.release)
        out.start()
        out.join(timeout=20)
        assert not out.is_alive(), "the chat waited for the crowd's threads"
        assert not inbox.waiting_for(uow.db, 7)
        inbox.store(uow.db, rows(event(601, 7, "/menu")), now=clock.now())
        handlers.handle_chat(7, typed=True)  # let go: this job takes the chat
        assert len(sender.waiting) == 1
    finally:
        busy.set()
        wait(crowd, timeout=60)
        sender.release()
    menu = t._("Main menu. What would you like to do?")
    assert sum(menu in text for _, text in sender.messenger.sent) == 2


def test_a_reply_out_is_stamped_at_once_while_the_threads_after_replies_are_busy(
    uow: UnitOfWork, clock: FrozenClock
) -> None:
    """The last reply of a chat's answers is stamped as its rows leave the inbox, on the
    stamps' own threads: while the threads that answer what comes after replies are
    all busy with a crowd's turns, the reply out is stamped and its row gone, so that
    a copy of the update handled after a crash then sends nothing again."""
    handlers, sender = handlers_on(uow, held=True)
    busy = threading.Event()
    crowd = [handlers.presses.after.submit(busy.wait, 60) for _ in range(4)]
    out = threading.Thread(target=sender.release)
    try:
        inbox.store(uow.db, rows(event(700, 7, "/help")), now=clock.now())
        handlers.handle_chat(7)
        out.start()  # /help goes out; what follows it waits for the crowd's threads
        again = Engine(uow, ROUTERS, fallback=FALLBACK)
        for _ in range(400):
            if not inbox.waiting_for(uow.db, 7):
                break
            time.sleep(0.05)
        assert not inbox.waiting_for(uow.db, 7), "the row waited for the crowd's threads"
        assert again.answer(event(700, 7, "/help")).items == []
        assert out.is_alive()  # still waiting for a thread to let the chat go
    finally:
        busy.set()
        wait(crowd, timeout=60)
        out.join(timeout=30)
    assert [text for _, text in sender.messenger.sent if "/help" in text]
