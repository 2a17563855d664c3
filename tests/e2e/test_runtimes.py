"""The other ways in: webhook mode (with its secret) and the python-telegram-bot runtime."""

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.platform import SANDBOX_TOKEN, open_platform, start_worker
from sandbox import Sandbox
from sandbox.client import SandboxClient
from tests.e2e.conftest import Majlis, e2e_settings

pytestmark = pytest.mark.e2e

SECRET = "s3cret-webhook_token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def running(
    settings_kwargs: dict,
    sandbox: Sandbox,
    tmp_path: Path,
    database_url: str,
    redis_url: str,
    namespace: str,
) -> Majlis:  # type: ignore[type-arg]
    port = int(sandbox.url.rstrip("/").rsplit(":", 1)[1])
    settings = e2e_settings(tmp_path, database_url, redis_url, namespace, port, **settings_kwargs)
    platform = await asyncio.to_thread(open_platform, settings)
    start_worker(platform, threads=1)
    client = SandboxClient(sandbox.url)
    majlis = Majlis(settings=settings, platform=platform, sandbox=sandbox, client=client)
    majlis.start_bot()
    return majlis


@pytest.fixture
async def webhook_majlis(
    sandbox: Sandbox, tmp_path: Path, database_url: str, redis_url: str, namespace: str
) -> AsyncIterator[tuple[Majlis, str]]:
    listen = f"127.0.0.1:{free_port()}"
    url = f"http://{listen}/telegram/hook"
    majlis = await running(
        {
            "telegram_token": SANDBOX_TOKEN,
            "telegram_api_url": sandbox.api_root,
            "webhook_url": url,
            "webhook_secret": SECRET,
            "webhook_listen": listen,
        },
        sandbox,
        tmp_path,
        database_url,
        redis_url,
        namespace,
    )
    try:
        yield majlis, url
    finally:
        await majlis.stop_bot()
        await majlis.client.close()
        await asyncio.to_thread(majlis.platform.close)


async def test_webhook_serves_updates_and_refuses_requests_without_the_secret(
    webhook_majlis: tuple[Majlis, str],
) -> None:
    majlis, url = webhook_majlis
    mayor = await majlis.client.create_user("Leila", language_code="en")
    await mayor.send("/start")
    await mayor.wait_for("Welcome to Majlis", timeout=15)

    forged = {
        "update_id": 999_999,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": mayor.id, "type": "private"},
            "from": {"id": mayor.id, "is_bot": False, "first_name": "Mallory"},
            "text": "/start",
        },
    }
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json=forged) as response:
            assert response.status == 401
        async with http.post(
            url, json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
        ) as response:
            assert response.status == 401
    transcript = await mayor.transcript()
    assert not any("Mallory" in (m.get("text") or "") for m in transcript)
    assert sum("Welcome to Majlis" in (m.get("text") or "") for m in transcript) == 1


async def test_a_duplicated_update_is_handled_once(webhook_majlis: tuple[Majlis, str]) -> None:
    """Telegram sends an update again when it did not see the answer; it changes nothing."""
    majlis, url = webhook_majlis
    mayor = await majlis.client.create_user("Karim", language_code="en")
    await mayor.send("/start")
    await mayor.wait_for("Welcome to Majlis", timeout=15)
    update = {
        "update_id": 424_242,
        "message": {
            "message_id": 77,
            "date": 0,
            "chat": {"id": mayor.id, "type": "private", "first_name": "Karim"},
            "from": {"id": mayor.id, "is_bot": False, "first_name": "Karim", "language_code": "en"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with aiohttp.ClientSession() as http:
        for _ in range(3):
            async with http.post(url, json=update, headers=headers) as response:
                assert response.status == 200
    await mayor.wait_for("helps members of the Assembly", after=0)
    await asyncio.sleep(1)
    transcript = await mayor.transcript()
    assert sum("helps members of the Assembly" in (m.get("text") or "") for m in transcript) == 1


@pytest.fixture(params=["aiogram", "ptb"])
async def any_webhook_majlis(
    request: pytest.FixtureRequest,
    sandbox: Sandbox,
    tmp_path: Path,
    database_url: str,
    redis_url: str,
    namespace: str,
) -> AsyncIterator[tuple[Majlis, str]]:
    listen = f"127.0.0.1:{free_port()}"
    url = f"http://{listen}/telegram/hook"
    majlis = await running(
        {
            "runtime": request.param,
            "telegram_token": SANDBOX_TOKEN,
            "telegram_api_url": sandbox.api_root,
            "webhook_url": url,
            "webhook_secret": SECRET,
            "webhook_listen": listen,
        },
        sandbox,
        tmp_path,
        database_url,
        redis_url,
        namespace,
    )
    try:
        yield majlis, url
    finally:
        await majlis.stop_bot()
        await majlis.client.close()
        await asyncio.to_thread(majlis.platform.close)


async def test_a_malformed_webhook_body_is_refused_with_400(
    any_webhook_majlis: tuple[Majlis, str],
) -> None:
    """With the right secret, a body that is no update is the sender's mistake, not ours."""
    majlis, url = any_webhook_majlis
    mayor = await majlis.client.create_user("Huda", language_code="en")
    await mayor.send("/start")
    await mayor.wait_for("Welcome to Majlis", timeout=15)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with aiohttp.ClientSession() as http:
        for body in (b"{not json", b"[1, 2]", b'{"update_id": "seven", "message": 5}'):
            async with http.post(
                url, data=body, headers={**headers, "Content-Type": "application/json"}
            ) as response:
                assert response.status == 400, (body, response.status, await response.text())
                assert "Traceback" not in await response.text()
    # The bot still serves.
    await mayor.send("/help")
    await mayor.wait_for("helps members of the Assembly", timeout=15)


@pytest.fixture
async def ptb_majlis(
    sandbox: Sandbox, tmp_path: Path, database_url: str, redis_url: str, namespace: str
) -> AsyncIterator[Majlis]:
    majlis = await running(
        {"runtime": "ptb"}, sandbox, tmp_path, database_url, redis_url, namespace
    )
    try:
        yield majlis
    finally:
        await majlis.stop_bot()
        await majlis.client.close()
        await asyncio.to_thread(majlis.platform.close)


async def test_python_telegram_bot_runtime_serves_the_same_conversations(
    ptb_majlis: Majlis,
) -> None:
    mayor = await ptb_majlis.client.create_user("سلمى", language_code="ar")
    await mayor.send("/start")
    await mayor.wait_for("أهلًا بك في مجلس", timeout=15)
    await mayor.press_button("العربية")
    menu = await mayor.wait_for("القائمة الرئيسية")
    assert any(
        b["text"] == "عن الجمعية" for row in menu["reply_markup"]["inline_keyboard"] for b in row
    )
