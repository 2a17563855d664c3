"""The shared rate limiter's decisions, on an injected clock, against Telegram's flood control.

The sandbox's :class:`FloodControl` is the model of Telegram here: whatever the
limiter lets through, delivered with the delays a request meets on its way, must
never be refused, and bulk notices must still reach nearly the whole budget.
"""

import random
from typing import Any

import pytest
import redis
import redis.asyncio

from bot.chat import Document, Keyboard
from bot.delivery import Delivery, deliver
from bot.runtimes.common import Paced
from bot.telegram_api import PACING, AsyncRateLimiter, Priority, RateLimiter, Turn
from models import User
from sandbox.ratelimit import FloodControl
from workflows.platform import outbox
from workflows.platform.unit_of_work import UnitOfWork


class Clock:
    def __init__(self) -> None:
        self.ms = 1_000_000.0

    def __call__(self) -> float:
        return self.ms


@pytest.fixture
def ms_clock() -> Clock:
    return Clock()


@pytest.fixture
def limiter(redis_url: str, namespace: str, ms_clock: Clock) -> RateLimiter:
    return RateLimiter(
        redis.Redis.from_url(redis_url), namespace=f"{namespace}:rate", clock=ms_clock
    )


def send_all(
    limiter: RateLimiter, ms_clock: Clock, chats: list[int], senders: int = 4
) -> list[float]:
    """When each message to ``chats`` is admitted, for ``senders`` notice senders that
    sleep until their turn, as the delivery workers do."""
    free_at = [ms_clock.ms] * senders
    admitted: list[float] = []
    queue = list(chats)
    while queue:
        sender = min(range(senders), key=lambda s: free_at[s])
        ms_clock.ms = free_at[sender]
        turn = limiter.reserve(queue[0], priority=Priority.BULK, patience_ms=100)
        if turn.reserved:
            admitted.append(ms_clock.ms + turn.wait_ms)
            free_at[sender] = ms_clock.ms + turn.wait_ms + 5  # the request's own work
            queue.pop(0)
        else:
            free_at[sender] = ms_clock.ms + max(turn.wait_ms - 100, 1)
    return admitted


def refused_by_telegram(arrivals: list[tuple[float, int]]) -> int:
    now = [0.0]
    flood = FloodControl(1.0, clock=lambda: now[0])
    for at, chat in sorted(arrivals):
        now[0] = at / 1000
        flood.check(chat, chat < 0)
    return flood.refused


def test_a_thousand_notices_with_jitter_are_never_refused_and_fill_the_budget(
    limiter: RateLimiter, ms_clock: Clock
) -> None:
    start = ms_clock.ms
    admitted = send_all(limiter, ms_clock, list(range(1, 1001)))
    span_s = (max(admitted) - start) / 1000
    assert len(admitted) / span_s >= 0.95 * 30
    shaken = random.Random(7)
    # Each request reaches Telegram up to 300 ms after its turn, in any order.
    arrivals = [
        (at + shaken.uniform(0, 300), chat)
        for at, chat in zip(admitted, range(1, 1001), strict=True)
    ]
    assert refused_by_telegram(arrivals) == 0


def test_an_answer_to_a_person_goes_before_notices_already_waiting(
    limiter: RateLimiter, ms_clock: Clock
) -> None:
    # Notices have taken every turn they may hold.
    chat = 10_000
    while limiter.reserve(chat, priority=Priority.BULK, patience_ms=100).reserved:
        chat += 1
    notice = limiter.reserve(1, priority=Priority.BULK, patience_ms=100)
    answer = limiter.reserve(2, priority=Priority.INTERACTIVE, patience_ms=60_000)
    assert not notice.reserved and notice.wait_ms > 0
    assert answer == Turn(wait_ms=0, reserved=True)
    # Many people at once: they queue in order, and notices wait until they are served.
    answers = [
        limiter.reserve(100 + i, priority=Priority.INTERACTIVE, patience_ms=60_000)
        for i in range(60)
    ]
    assert all(turn.reserved for turn in answers)
    assert [turn.wait_ms for turn in answers] == sorted(turn.wait_ms for turn in answers)
    last_answer = answers[-1].wait_ms
    notice = limiter.reserve(1, priority=Priority.BULK, patience_ms=100)
    assert not notice.reserved and notice.wait_ms > last_answer


def test_answers_and_notices_together_are_never_refused(
    limiter: RateLimiter, ms_clock: Clock
) -> None:
    shaken = random.Random(11)
    arrivals: list[tuple[float, int]] = []
    for step in range(3000):
        ms_clock.ms += 10
        if step % 3 == 0:  # a notice sender asks
            turn = limiter.reserve(step, priority=Priority.BULK, patience_ms=100)
            if turn.reserved:
                arrivals.append((ms_clock.ms + turn.wait_ms, step))
        if shaken.random() < 0.08:  # someone presses a button: an edit and a message
            person = -1 if shaken.random() < 0.1 else 500_000 + shaken.randrange(20)
            for _ in range(2):
                turn = limiter.reserve(person, priority=Priority.INTERACTIVE, patience_ms=600_000)
                if turn.reserved:  # else its chat is busy and it waits: not sent now
                    arrivals.append((ms_clock.ms + turn.wait_ms, person))
    jittered = [(at + shaken.uniform(0, 200), chat) for at, chat in arrivals]
    assert refused_by_telegram(jittered) == 0


def test_one_chat_gets_two_at_once_then_one_a_second(limiter: RateLimiter, ms_clock: Clock) -> None:
    turns = [limiter.reserve(42, patience_ms=10_000) for _ in range(3)]
    assert turns == [Turn(0, True), Turn(0, True), Turn(500, False)]
    assert limiter.reserve(43) == Turn(0, True)  # another chat is not held up
    ms_clock.ms += 500
    assert limiter.reserve(42) == Turn(0, True)
    assert limiter.reserve(42) == Turn(1000, False)


def test_a_group_gets_twenty_a_minute(limiter: RateLimiter, ms_clock: Clock) -> None:
    admitted: list[float] = []
    while len(admitted) < 25:
        turn = limiter.reserve(-7, patience_ms=600_000)
        if turn.reserved:
            admitted.append(ms_clock.ms)
        ms_clock.ms += turn.wait_ms or 1
    window = PACING.group_window
    assert all(
        later - earlier >= window for earlier, later in zip(admitted, admitted[20:], strict=False)
    )


def test_nothing_is_charged_for_a_turn_not_held(limiter: RateLimiter, ms_clock: Clock) -> None:
    assert limiter.reserve(5).reserved and limiter.reserve(5).reserved
    for _ in range(10):
        assert not limiter.reserve(5).reserved
    ms_clock.ms += 500
    assert limiter.reserve(5).reserved  # the refusals did not push its turn further


def test_redis_keeps_the_time_when_no_clock_is_given(redis_url: str, namespace: str) -> None:
    limiter = RateLimiter(redis.Redis.from_url(redis_url), namespace=f"{namespace}:rate")
    turns = [limiter.reserve(9, patience_ms=5_000) for _ in range(3)]
    assert [turn.reserved for turn in turns] == [True, True, False]
    assert turns[0].wait_ms == 0 and 400 <= turns[2].wait_ms <= 500


class Recorder:
    """A messenger that notes what reached Telegram."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def send_text(self, chat_id: int, text: str, buttons: Keyboard) -> None:
        self.calls.append(f"send {chat_id}")

    async def edit_text(self, chat_id: int, message_id: int, text: str, buttons: Keyboard) -> None:
        self.calls.append(f"edit {chat_id}")

    async def send_document(self, chat_id: int, document: Document, caption: str) -> None:
        self.calls.append(f"document {chat_id}")

    async def answer(self, callback_id: str, text: str | None, alert: bool) -> None:
        self.calls.append(f"answer {callback_id}")


async def test_answering_button_presses_spends_none_of_the_budget(
    redis_url: str, namespace: str, ms_clock: Clock
) -> None:
    client = redis.asyncio.Redis.from_url(redis_url)
    limiter = AsyncRateLimiter(client, namespace=f"{namespace}:rate", clock=ms_clock)
    sent = Recorder()
    messenger = Paced(sent, limiter)
    try:
        for press in range(100):
            await messenger.answer(f"press-{press}", "Recorded", False)
        # Not one of the hundred answers took a turn: a message still goes at once.
        assert await limiter.reserve(77) == Turn(0, True)
        await messenger.send_text(78, "Main menu", [])
        await messenger.edit_text(78, 5, "Main menu", [])
        # Those two did: the chat's burst of two is used up.
        assert not (await limiter.reserve(78)).reserved
        assert sent.calls == [f"answer press-{press}" for press in range(100)] + [
            "send 78",
            "edit 78",
        ]
    finally:
        await client.aclose()


class EditingApi:
    """The Bot API as far as delivery sees it, noting the edits it was asked for."""

    def __init__(self) -> None:
        self.edits: list[tuple[int, str]] = []

    def edit_message(self, chat_id: int, message_id: int, text: str, buttons: Any = None) -> int:
        self.edits.append((message_id, text))
        return message_id


def test_an_edit_made_stale_while_it_waited_its_turn_is_not_sent(
    uow: UnitOfWork, redis_url: str, namespace: str
) -> None:
    with uow.begin() as session:
        session.add(User(id=77, first_name="Amina", language="en"))
        tally = outbox.notify(session, chat_id=77, key="Welcome back, {name}.", args={"name": "0"})
        assert tally is not None and tally.id is not None
        tally.delivered_at, tally.telegram_message_id = uow.clock.now(), 500
        first = outbox.notify(
            session, chat_id=77, key="Welcome back, {name}.", args={"name": "1"}, edit_of=tally.id
        )
        assert first is not None and first.id is not None
        tally_id, first_id = tally.id, first.id
    newer: list[int] = []

    class Meanwhile(RateLimiter):
        """The shared limiter, while another process writes a newer tally."""

        def reserve(self, chat_id: int, **kwargs: Any) -> Turn:
            if not newer:
                with uow.begin() as session:
                    row = outbox.notify(
                        session,
                        chat_id=77,
                        key="Welcome back, {name}.",
                        args={"name": "2"},
                        edit_of=tally_id,
                    )
                    assert row is not None and row.id is not None
                    newer.append(row.id)
            return super().reserve(chat_id, **kwargs)

    api = EditingApi()
    limiter = Meanwhile(redis.Redis.from_url(redis_url), namespace=f"{namespace}:rate")
    delivery = Delivery(uow=uow, api=api, limiter=limiter)  # type: ignore[arg-type]

    assert deliver(delivery, first_id) == "superseded"
    assert deliver(delivery, newer[0]) == "delivered"
    assert api.edits == [(500, "Welcome back, 2.")]


def test_a_sandbox_twenty_times_faster_is_paced_twenty_times_faster_and_never_refuses(
    redis_url: str, namespace: str
) -> None:
    """The local sandbox scales its flood control by ``MAJLIS_SANDBOX_RATE_FACTOR``; the
    limiter paces to the same scaled limits, so a chat is not held to Telegram's one
    message a second against a Bot API that allows twenty."""
    chats = [1 + i % 5 for i in range(200)] + [-7] * 30

    def run(factor: float) -> tuple[float, int]:
        clock = Clock()
        paced = RateLimiter(
            redis.Redis.from_url(redis_url),
            namespace=f"{namespace}:x{factor}",
            clock=clock,
            pacing=PACING.scaled(factor),
        )
        start = clock.ms
        admitted = send_all(paced, clock, chats)
        now = [0.0]
        flood = FloodControl(factor, clock=lambda: now[0])
        for at, chat in sorted(zip(admitted, chats, strict=True)):
            now[0] = at / 1000
            flood.check(chat, chat < 0)
        return (max(admitted) - start) / 1000, flood.refused

    telegram_s, telegram_refused = run(1.0)
    sandbox_s, sandbox_refused = run(20.0)
    assert telegram_refused == sandbox_refused == 0
    assert sandbox_s * 10 < telegram_s
    assert PACING.scaled(1.0) is PACING
