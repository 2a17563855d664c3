"""Majlis end to end: the real runtime, workers and scheduler against the local sandbox."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.app import serve_bot
from bot.i18n import language_name
from bot.platform import Platform, Scheduler, open_platform, start_worker
from sandbox import Sandbox
from sandbox.client import SandboxClient, SandboxUser
from workflows.charter.roles import Role
from workflows.platform import people
from workflows.platform.clock import ShiftableClock
from workflows.platform.settings import Settings

MENU = {"en": "Main menu", "ar": "القائمة الرئيسية"}
#: The sandbox's flood control at twenty times Telegram's rates: real limits, quick tests.
SANDBOX_RATE_FACTOR = 20.0


#: The invisible marks that isolate names, commands and numbers: LRI, RLI, FSI, PDI, LRM, RLM.
MARKS = str.maketrans("", "", "\u2066\u2067\u2068\u2069\u200e\u200f")


def plain(text: str | None) -> str:
    """A message's text without the invisible marks that isolate embedded runs."""
    return (text or "").translate(MARKS)


def says(needle: str) -> Callable[[dict[str, Any]], bool]:
    """Matches a message whose text or caption, without isolation marks, contains ``needle``."""
    return lambda message: needle in plain(message.get("text") or message.get("caption"))


@dataclass
class Majlis:
    """A running Majlis and a sandbox client to talk to it."""

    settings: Settings
    platform: Platform
    sandbox: Sandbox
    client: SandboxClient
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    bot_task: asyncio.Task[None] | None = None
    extras: list[Any] = field(default_factory=list)

    def start_bot(self) -> None:
        self.stop = asyncio.Event()
        self.bot_task = asyncio.create_task(serve_bot(self.platform, self.stop))

    async def stop_bot(self) -> None:
        self.stop.set()
        if self.bot_task is not None:
            await asyncio.wait_for(self.bot_task, timeout=60)
            self.bot_task = None

    async def restart_bot(self) -> None:
        await self.stop_bot()
        self.start_bot()

    async def person(
        self, name: str, language: str = "en", roles: tuple[Role, ...] = ()
    ) -> SandboxUser:
        """Someone who has started the bot, picked a language and holds ``roles``."""
        user = await self.client.create_user(name, language_code=language)
        await user.send("/start")
        await user.press_button(language_name(language), timeout=15)
        await user.wait_for(MENU[language], timeout=15)
        if roles:
            with self.platform.uow.begin() as session:
                for role in roles:
                    people.grant_role(session, user_id=user.id, role=role, actor_id=None)
        return user


def e2e_settings(
    tmp_path: Path, database_url: str, redis_url: str, namespace: str, port: int, **extra: Any
) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        redis_url=redis_url,
        redis_namespace=namespace,
        sandbox_port=port,
        tick_seconds=0.5,
        **{"sandbox_rate_factor": SANDBOX_RATE_FACTOR, **extra},
    )


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    box = Sandbox(port=0, rate_factor=SANDBOX_RATE_FACTOR)
    await box.start()
    try:
        yield box
    finally:
        await box.stop()


@pytest.fixture
async def majlis(
    tmp_path: Path, database_url: str, redis_url: str, namespace: str, sandbox: Sandbox
) -> AsyncIterator[Majlis]:
    port = int(sandbox.url.rstrip("/").rsplit(":", 1)[1])
    # Majlis paces what it sends to the limits of the Bot API it talks to.
    settings = e2e_settings(
        tmp_path, database_url, redis_url, namespace, port, sandbox_rate_factor=sandbox.rate_factor
    )
    platform = await asyncio.to_thread(open_platform, settings, clock=ShiftableClock())
    start_worker(platform, threads=2)
    scheduler = Scheduler(platform)
    scheduler.start()
    async with SandboxClient(sandbox.url) as client:
        running = Majlis(settings=settings, platform=platform, sandbox=sandbox, client=client)
        running.start_bot()
        try:
            yield running
        finally:
            with contextlib.suppress(Exception):
                await running.stop_bot()
            scheduler.stop()
            await asyncio.to_thread(platform.close)
