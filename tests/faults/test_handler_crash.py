"""Updates answered by several worker processes, one of them killed mid-burst: every
update is answered once, and each chat's in the order it was sent.

The bot only takes updates in (``bot.intake``); the workers answer them. The burst
reaches the bot in one getUpdates batch (it is frozen while people write) and the
rest in the batches after; two workers share it, and one is SIGKILLed once the
first answers are out: its jobs are handed out again when it stops beating, and the
chats it held are free the moment its database connections drop.
"""

import asyncio
from typing import Any

import pytest
from sqlmodel import select

from bot.i18n import text_for
from models import InboxUpdate
from sandbox.client import SandboxUser, message_text
from tests.faults.conftest import Deployment
from tests.faults.processes import wait_until
from tests.faults.test_bot_crash import Refusing, at_most

pytestmark = pytest.mark.faults

PEOPLE = 40
#: What each person sends, in this order.
SENT = ["/help", "/menu", "/language"]


def markers(language: str) -> list[str]:
    """A line only the answer to each of :data:`SENT` has."""
    t = text_for(language)
    return [
        t._("/help — this help"),
        t._("Main menu. What would you like to do?"),
        t._("Please choose your language."),
    ]


def answers(
    transcript: list[dict[str, Any]], language: str, after: int, before: int | None = None
) -> list[int]:
    """The index in :data:`SENT` of each bot answer between ``after`` and ``before``, in
    the order they came."""
    found = []
    for message in transcript:
        if not message["from_bot"] or message["seq"] <= after:
            continue
        if before is not None and message["seq"] >= before:
            continue
        text = message_text(message)
        found += [index for index, marker in enumerate(markers(language)) if marker in text]
    return found


async def test_a_handler_killed_mid_burst_answers_everyone_once_in_order(
    deployment: Deployment,
) -> None:
    victim = deployment.worker(
        "--queues", "updates", "--no-scheduler", "--threads", "4", name="victim"
    )
    survivor = deployment.worker("--threads", "4", name="survivor")
    bot = deployment.bot()
    for process in (victim, survivor, bot):
        await asyncio.to_thread(process.start)
    people: list[SandboxUser] = await at_most(
        8,
        [
            lambda i=i: deployment.person(f"Voter {i}", "ar" if i % 4 == 0 else "en")
            for i in range(PEOPLE)
        ],
    )

    # Each person's first message reaches the bot in one batch, the others in the
    # batches that follow, so that jobs of one chat from different batches run at
    # once in different workers, and only the chat's lock keeps them in order.
    await asyncio.to_thread(bot.freeze)
    since: dict[int, int] = {}
    for user in people:
        since[user.id] = (await user.send(SENT[0]))["seq"] - 1
    bot.thaw()

    async def write_on(user: SandboxUser) -> None:
        for text in SENT[1:]:
            await user.send(text)

    await asyncio.gather(*(write_on(user) for user in people))

    async def answered() -> dict[int, list[int]]:
        transcripts = await asyncio.gather(*(user.transcript() for user in people))
        return {
            user.id: answers(transcript, user.language_code or "en", since[user.id])
            for user, transcript in zip(people, transcripts, strict=True)
        }

    for _ in range(1200):
        if any((await answered()).values()):
            break
        await asyncio.sleep(0.05)
    # Every send refused for a moment, so that the handler dies with turns committed
    # and their answers not out (see test_bot_crash for why it dies then).
    telegram = next(iter(deployment.sandbox.world.bots.values()))
    flood, telegram.flood = telegram.flood, Refusing()
    await asyncio.sleep(0.5)
    await asyncio.to_thread(victim.kill)
    telegram.flood = flood
    before = await answered()
    out = sum(len(found) for found in before.values())
    assert 0 < out < PEOPLE * len(SENT), "the kill came before or after the answers"

    complete = list(range(len(SENT)))
    for _ in range(900):
        if all(len(found) >= len(SENT) for found in (await answered()).values()):
            break
        await asyncio.sleep(0.2)
    # A probe from each person, once answered, shows their chat is done with all that
    # came before it (one chat's updates are answered in order): an answer sent twice
    # would be out by then.
    probes: dict[int, int] = {}

    async def probe(user: SandboxUser) -> None:
        probes[user.id] = (await user.send("/start"))["seq"]
        sent = markers(user.language_code or "en")

        def its_answer(message: dict[str, Any]) -> bool:
            text = message_text(message)
            return (
                message["from_bot"]
                and message["seq"] > probes[user.id]
                and not any(marker in text for marker in sent)
            )

        await user.wait_for(its_answer, timeout=60)

    await at_most(8, [lambda u=u: probe(u) for u in people])
    transcripts = await asyncio.gather(*(user.transcript() for user in people))
    final = {
        user.id: answers(transcript, user.language_code or "en", since[user.id])
        for user, transcript in zip(people, transcripts, strict=True)
    }
    missing = {user_id: found for user_id, found in final.items() if sorted(found) != complete}
    disordered = {user_id: found for user_id, found in final.items() if found != complete}
    assert not missing, f"{len(missing)} of {PEOPLE} not answered exactly once each: {missing}"
    assert not disordered, f"{len(disordered)} of {PEOPLE} answered out of order: {disordered}"
    # A chat's rows leave the inbox just after its replies are out, so the last probe's
    # may still be there as its answer is read; a row left for the sweep would stay
    # there RESEND_AFTER (10 s) at least, and fail this.
    uow = deployment.unit_of_work()

    def left() -> list[InboxUpdate]:
        with uow.db.reading() as session:
            return list(session.exec(select(InboxUpdate)))

    await asyncio.to_thread(
        wait_until, lambda: not left(), timeout=5, what="every update out of the inbox"
    )
