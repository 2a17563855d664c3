"""Fixtures for the sandbox's tests: a running sandbox, a user-side client, library bots."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from sandbox import Sandbox
from sandbox.client import SandboxClient

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
OTHER_TOKEN = "987654321:ZZHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw2"


@pytest.fixture
async def sandbox(tmp_path) -> AsyncIterator[Sandbox]:
    # a large rate factor keeps flood control out of the way of tests that do not test it
    box = Sandbox(port=0, rate_factor=1000.0, data_dir=tmp_path / "files", webhook_retry_delay=0.05)
    await box.start()
    box.register_bot(TOKEN, username="majlis_test_bot", first_name="Majlis")
    try:
        yield box
    finally:
        await box.stop()


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.url) as user_client:
        yield user_client


def aiogram_bot(sandbox: Sandbox, token: str = TOKEN) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(sandbox.api_root))
    return Bot(token, session=session)


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[Bot]:
    aiogram = aiogram_bot(sandbox)
    try:
        yield aiogram
    finally:
        await aiogram.session.close()
