"""Everything Majlis sends keeps to Telegram's limits, with Telegram's flood control on.

Notices from the workers and answers from the bot share one budget: while a fee
period's worth of notices goes out, people using the bot are answered, and the
sandbox (which refuses what Telegram would refuse) answers no request with 429.
"""

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.platform import SANDBOX_TOKEN
from sandbox import Sandbox
from sandbox.client import SandboxUser
from tests.e2e.conftest import Majlis
from workflows.platform import outbox

pytestmark = pytest.mark.e2e

NOTICES = 90
PEOPLE = 6


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    box = Sandbox(port=0, rate_factor=1.0)  # Telegram's own rates
    await box.start()
    try:
        yield box
    finally:
        await box.stop()


async def test_notices_and_answers_together_meet_no_flood_control(
    majlis: Majlis, sandbox: Sandbox
) -> None:
    members = [await majlis.client.create_user(f"Member {i}") for i in range(NOTICES)]
    account = sandbox.world.bot_for_token(SANDBOX_TOKEN)
    for member in members:  # members who started the bot long ago
        account.conversation(member.id)
    people = [await majlis.client.create_user(f"Person {i}") for i in range(PEOPLE)]
    with majlis.platform.uow.begin() as session:
        for member in members:
            outbox.notify(
                session, chat_id=member.id, key="Welcome back, {name}.", args={"name": "Fees"}
            )

    async def use_the_bot(person: SandboxUser) -> None:
        await person.send("/start")
        await person.press_button("English", timeout=60)
        await person.wait_for("Main menu", timeout=60)
        for _ in range(4):
            await person.send("/menu")
            await person.wait_for("Main menu", timeout=60)

    await asyncio.gather(*(use_the_bot(person) for person in people))
    for member in members:
        await member.wait_for("Welcome back", timeout=120)
    await asyncio.sleep(1)  # a repeat would have come by now

    assert account.flood.refused == 0
    for member in members:
        transcript = await member.transcript()
        assert sum("Welcome back" in (m.get("text") or "") for m in transcript) == 1
