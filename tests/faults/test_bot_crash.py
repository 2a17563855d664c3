"""A bot killed mid-burst: every user is answered, exactly once.

The burst reaches the bot in one getUpdates batch (it is frozen while people write,
then thawed) and it is SIGKILLed once the first answers are out: the batch may be
kept in the inbox and not yet confirmed, so that Telegram hands it over again to
the restarted bot, which keeps it once more and hands its chats over again; the
worker answers each update once all the same.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from bot.i18n import text_for
from sandbox.client import SandboxUser, message_text
from sandbox.ratelimit import FloodControl
from tests.faults.conftest import Deployment

pytestmark = pytest.mark.faults

T = TypeVar("T")

HELPERS, PICKERS, TYPISTS = 48, 6, 6


class Refusing(FloodControl):
    """Telegram's flood control refusing every message for a few seconds."""

    def check(self, chat_id: int, is_group: bool) -> int:
        return 5


async def at_most(limit: int, jobs: list[Callable[[], Awaitable[T]]]) -> list[T]:
    gate = asyncio.Semaphore(limit)

    async def run(job: Callable[[], Awaitable[T]]) -> T:
        async with gate:
            return await job()

    return await asyncio.gather(*(run(job) for job in jobs))


def answers_after(transcript: list[dict[str, Any]], seq: int, needle: str) -> int:
    """How many bot messages after ``seq`` contain ``needle``."""
    return sum(
        1
        for message in transcript
        if message["from_bot"] and message["seq"] > seq and needle in message_text(message)
    )


@pytest.mark.parametrize("runtime", ["aiogram", "ptb"])
async def test_every_user_is_answered_once_after_the_bot_is_killed_mid_burst(
    deployment: Deployment, runtime: str
) -> None:
    bot = deployment.bot(MAJLIS_RUNTIME=runtime)
    # The bot takes updates in; the worker answers them, with the same runtime's client.
    await asyncio.to_thread(deployment.worker("--threads", "4", MAJLIS_RUNTIME=runtime).start)
    await asyncio.to_thread(bot.start)
    total = HELPERS + PICKERS + TYPISTS
    people: list[SandboxUser] = await at_most(
        8,
        [
            lambda i=i: deployment.person(
                f"Person {i}", "ar" if i % 3 == 0 and i < HELPERS else "en"
            )
            for i in range(total)
        ],
    )
    helpers, pickers, typists = (
        people[:HELPERS],
        people[HELPERS : HELPERS + PICKERS],
        people[HELPERS + PICKERS :],
    )
    category_question = "Which membership do you apply for?"
    name_question = "What is the name of the city or organisation, in English?"
    arabic_name_question = "What is its name in Arabic?"

    async def to_category(user: SandboxUser) -> None:
        await user.send("/apply")
        await user.wait_for(category_question, timeout=30)

    async def to_name(user: SandboxUser) -> None:
        await to_category(user)
        await user.press_button("Full member (a city)", timeout=30)
        await user.wait_for(name_question, timeout=30)

    await at_most(8, [lambda u=u: to_category(u) for u in pickers])
    await at_most(8, [lambda u=u: to_name(u) for u in typists])

    # Everyone writes while the bot is frozen: one batch when it thaws.
    await asyncio.to_thread(bot.freeze)
    sent: dict[int, int] = {}

    async def ask_help(user: SandboxUser) -> None:
        sent[user.id] = (await user.send("/help"))["seq"]

    async def pick(user: SandboxUser) -> None:
        sent[user.id] = (await user.press_button("Full member (a city)"))["seq"]

    async def type_name(user: SandboxUser) -> None:
        sent[user.id] = (await user.send("Fez"))["seq"]

    await asyncio.gather(
        *(ask_help(u) for u in helpers),
        *(pick(u) for u in pickers),
        *(type_name(u) for u in typists),
    )
    expected = {
        **{u.id: text_for(u.language_code)._("/help — this help") for u in helpers},
        **{u.id: name_question for u in pickers},
        **{u.id: arabic_name_question for u in typists},
    }

    async def answered() -> dict[int, int]:
        transcripts = await asyncio.gather(*(u.transcript() for u in people))
        return {
            u.id: answers_after(transcript, sent[u.id], expected[u.id])
            for u, transcript in zip(people, transcripts, strict=True)
        }

    # The bot dies with turns committed and their answers not all out. It dies while
    # Telegram answers every send with flood control (429): a message Telegram took
    # and whose answer the bot has not read yet when it dies would be sent again, as
    # nobody can tell whether it went out; that window of a few milliseconds a
    # message is the one this test leaves out.
    bot.thaw()
    for _ in range(1200):
        if any((await answered()).values()):
            break
        await asyncio.sleep(0.05)
    telegram = next(iter(deployment.sandbox.world.bots.values()))
    flood, telegram.flood = telegram.flood, Refusing()
    await asyncio.sleep(0.5)
    await asyncio.to_thread(bot.kill)
    telegram.flood = flood
    before_restart = await answered()
    assert 0 < sum(before_restart.values()) < total, "the kill came before or after the answers"

    await asyncio.to_thread(bot.start)
    everyone = {u.id for u in people}

    async def all_answered() -> bool:
        counts = await answered()
        return all(counts[user_id] >= 1 for user_id in everyone)

    for _ in range(600):
        if await all_answered():
            break
        await asyncio.sleep(0.2)
    # The restarted bot has confirmed the batch once it asks for the next updates;
    # a probe answered after the batch shows it is done with it.
    probe = helpers[0]
    probe_seq = (await probe.send("/menu"))["seq"]
    await probe.wait_for(lambda m: m["seq"] > probe_seq, timeout=60)
    counts = await answered()
    missing = sorted(user_id for user_id, count in counts.items() if count == 0)
    twice = sorted(user_id for user_id, count in counts.items() if count > 1)
    assert not missing, f"{len(missing)} of {total} never answered"
    assert not twice, f"{len(twice)} of {total} answered more than once"
