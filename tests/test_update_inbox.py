"""The inbox of updates taken in: kept once, taken by one handler per chat at a time,
handed over again when left waiting, and a batch confirmed only once kept."""

import asyncio
import threading
from datetime import timedelta

from sqlmodel import select

from bot.chat import ChatEvent, event_from_json, event_to_json
from bot.runtimes.common import poll
from models import InboxUpdate
from models.db import Database
from workflows import inbox
from workflows.clock import FrozenClock

KEY = b"k" * 32


def test_a_sealed_press_says_nothing_of_the_button_pressed() -> None:
    """A press on a secret ballot carries the choice: the inbox keeps it sealed, and
    as long whatever was pressed."""
    presses = {
        choice: event_to_json(
            ChatEvent(
                update_id=1,
                user_id=7,
                first_name="Amina",
                chat_id=7,
                callback_data=f"ballot:12:{choice}",
                callback_id="q",
                message_id=3,
            )
        )
        for choice in ("yes", "no", "abstain")
    }
    sealed = {choice: inbox.seal(KEY, press) for choice, press in presses.items()}
    assert len({len(row["sealed"]) for row in sealed.values()}) == 1
    for choice, row in sealed.items():
        assert choice not in row["sealed"] and "ballot" not in row["sealed"]
        assert inbox.unseal(KEY, row) == presses[choice]


def event(update_id: int, chat_id: int, text: str = "/menu") -> ChatEvent:
    return ChatEvent(
        update_id=update_id, user_id=chat_id, first_name="Amina", chat_id=chat_id, text=text
    )


def test_a_batch_handed_over_again_is_kept_once_and_read_in_order(
    db: Database, clock: FrozenClock
) -> None:
    batch = [event(12, 7), event(10, 7, "/help"), event(11, 8)]
    rows = [(e.update_id, e.chat_id, inbox.seal(KEY, event_to_json(e))) for e in batch]
    inbox.store(db, rows, now=clock.now())
    inbox.store(db, rows, now=clock.now())  # Telegram's same batch, not yet confirmed

    waiting = inbox.waiting(db, 7)
    assert [row.update_id for row in waiting] == [10, 12]
    assert event_from_json(inbox.unseal(KEY, waiting[0].event)) == batch[1]
    inbox.done(db, 10)
    assert [row.update_id for row in inbox.waiting(db, 7)] == [12]
    with db.reading() as session:
        assert len(session.exec(select(InboxUpdate)).all()) == 2


def test_a_chat_is_taken_by_one_handler_at_a_time(db: Database) -> None:
    holding, release = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def first() -> None:
        with inbox.chat_taken(db, 7) as taken:
            seen["first"] = taken
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    assert holding.wait(10)
    with inbox.chat_taken(db, 7) as taken:
        seen["second, meanwhile"] = taken
    with inbox.chat_taken(db, 9) as taken:
        seen["another chat"] = taken
    release.set()
    thread.join(10)
    with inbox.chat_taken(db, 7) as taken:
        seen["second, after"] = taken
    assert seen == {
        "first": True,
        "second, meanwhile": False,
        "another chat": True,
        "second, after": True,
    }


def test_chats_left_waiting_are_handed_over_again_once_per_delay(
    db: Database, clock: FrozenClock
) -> None:
    inbox.store(db, [(1, 7, inbox.seal(KEY, event_to_json(event(1, 7))))], now=clock.now())
    assert inbox.stale_chats(db, now=clock.now()) == []
    later = clock.now() + inbox.RESEND_AFTER + timedelta(seconds=1)
    assert inbox.stale_chats(db, now=later) == [7]
    assert inbox.stale_chats(db, now=later) == []


async def test_a_batch_is_confirmed_only_once_kept() -> None:
    """The next getUpdates carries the higher offset (which confirms the batch to
    Telegram) only after ``take`` returned; a failed take asks for the batch again."""
    offsets: list[int | None] = []
    stop = asyncio.Event()
    failures = [RuntimeError("database away")]

    class Update:
        def __init__(self, update_id: int) -> None:
            self.update_id = update_id

    async def fetch(offset: int | None) -> list[Update]:
        offsets.append(offset)
        if len(offsets) >= 3:
            stop.set()
            return []
        return [Update(5), Update(6)]

    async def take(updates: list[Update]) -> None:
        if failures:
            raise failures.pop()

    await asyncio.wait_for(poll(fetch, take, stop=stop), timeout=30)
    assert offsets == [None, None, 7]
