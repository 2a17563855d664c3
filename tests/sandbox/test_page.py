"""The web chat page in headless Chromium, with a small echo bot on the other side."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from sandbox import Sandbox

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason="needs Debian's chromium at /usr/bin/chromium: apt-get install -y chromium",
    ),
]

playwright_api = pytest.importorskip("playwright.async_api")
expect = playwright_api.expect


async def echo_bot(bot: Bot) -> None:
    """Greets /start with a button, answers presses, acknowledges files, echoes the rest."""
    offset = 0
    while True:
        for update in await bot.get_updates(offset=offset, timeout=1):
            offset = update.update_id + 1
            message, query = update.message, update.callback_query
            if message is not None and message.from_user is not None:
                name = message.from_user.first_name
                if message.text == "/start":
                    await bot.send_message(
                        message.chat.id,
                        f"Hello <b>{name}</b>! <i>Press</i> the button.",
                        parse_mode="HTML",
                        reply_markup=InlineKeyboardMarkup(
                            inline_keyboard=[
                                [InlineKeyboardButton(text="Ping", callback_data="ping")]
                            ]
                        ),
                    )
                elif message.document is not None:
                    await bot.send_message(message.chat.id, f"Got {message.document.file_name}")
                elif message.text:
                    await bot.send_message(message.chat.id, f"echo: {message.text}")
            elif query is not None and query.message is not None:
                await bot.answer_callback_query(query.id, text="Pong!")
                await bot.send_message(query.message.chat.id, "You pressed Ping")


@pytest.fixture
async def running_echo(bot: Bot) -> AsyncIterator[None]:
    task = asyncio.create_task(echo_bot(bot))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.fixture
async def page(sandbox: Sandbox) -> AsyncIterator[object]:
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = await browser.new_page()
            tab.set_default_timeout(10_000)
            await tab.goto(sandbox.url)
            await expect(tab.locator("body")).to_have_attribute("data-ready", "true")
            yield tab
        finally:
            await browser.close()


async def create_persona(page, name: str, language: str = "en") -> None:
    await page.get_by_test_id("persona-name").fill(name)
    await page.get_by_test_id("persona-language").select_option(language)
    await page.get_by_test_id("persona-create").click()
    # A generous wait: on a loaded machine the page's round trip can take seconds.
    await expect(page.get_by_test_id("current-persona")).to_have_text(name, timeout=20_000)


async def send(page, text: str) -> None:
    await page.get_by_test_id("message-input").fill(text)
    await page.get_by_test_id("send-button").click()


async def test_chat_press_a_button_and_upload(page, running_echo) -> None:
    await create_persona(page, "Amina")
    await expect(page.locator("html")).to_have_attribute("dir", "ltr")
    await send(page, "/start")
    bot_messages = page.locator('[data-testid="message"][data-from="bot"]')
    greeting = bot_messages.first
    await expect(greeting).to_contain_text("Hello Amina! Press the button.")
    await expect(greeting.locator("b")).to_have_text("Amina")  # formatting rendered
    await expect(greeting.locator("i")).to_have_text("Press")
    await expect(greeting).to_have_attribute("dir", "auto")
    await greeting.get_by_test_id("inline-button").filter(has_text="Ping").click()
    await expect(page.get_by_test_id("toast")).to_have_text("Pong!")
    await expect(bot_messages.nth(1)).to_contain_text("You pressed Ping")

    await page.get_by_test_id("document-input").set_input_files(
        files=[{"name": "minutes.txt", "mimeType": "text/plain", "buffer": b"minutes"}]
    )
    await page.get_by_test_id("send-button").click()
    await expect(page.get_by_test_id("message-document")).to_contain_text("minutes.txt")
    await expect(bot_messages.nth(2)).to_contain_text("Got minutes.txt")

    # text that looks like markup is shown as text, never run as HTML
    await send(page, "<img src=x onerror=alert(1)>")
    await expect(bot_messages.nth(3)).to_contain_text("echo: <img src=x onerror=alert(1)>")
    assert await page.locator('[data-testid="messages"] img').count() == 0


async def test_arabic_persona_reads_right_to_left_and_groups(page, running_echo) -> None:
    await create_persona(page, "Omar")
    await create_persona(page, "أمينة", "ar")
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    await expect(page.locator("html")).to_have_attribute("lang", "ar")
    await expect(page.get_by_test_id("send-button")).to_have_text("إرسال")
    await send(page, "مرحبا")
    reply = page.locator('[data-testid="message"][data-from="bot"]').first
    await expect(reply).to_contain_text("echo: مرحبا")
    await expect(reply).to_have_attribute("dir", "auto")

    await page.get_by_test_id("group-title").fill("المجلس")
    omar = page.get_by_test_id("group-members").locator("label").filter(has_text="Omar")
    await omar.locator("input").check()
    await page.get_by_test_id("group-create").click()
    await expect(page.get_by_test_id("chat-title")).to_have_text("المجلس")
    await send(page, "hello group")
    await expect(page.locator('[data-testid="message"][data-from="bot"]').first).to_contain_text(
        "echo: hello group"
    )
    # switching persona switches direction back
    await page.get_by_test_id("persona").filter(has_text="Omar").click()
    await expect(page.locator("html")).to_have_attribute("dir", "ltr")
    await expect(page.get_by_test_id("chat").filter(has_text="المجلس")).to_have_count(1)


async def test_each_persona_shows_its_user_id_to_copy(page, sandbox: Sandbox) -> None:
    """The README sends people to the page for their user id (``majlis admin grant``, granting
    a role in chat): each persona shows it, and a button copies it."""
    await create_persona(page, "Amina")
    await create_persona(page, "أمينة", "ar")
    users = {user.first_name: user.id for user in sandbox.world.users.values()}
    for name in ("Amina", "أمينة"):
        row = page.get_by_test_id("persona-row").filter(has_text=name)
        await expect(row.get_by_test_id("persona-id")).to_have_text(str(users[name]))
    await expect(page.get_by_test_id("current-persona-id")).to_have_text(str(users["أمينة"]))

    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    amina = page.get_by_test_id("persona-row").filter(has_text="Amina")
    await amina.get_by_test_id("copy-id").click()
    assert await page.evaluate("navigator.clipboard.readText()") == str(users["Amina"])
    await expect(page.get_by_test_id("toast")).to_contain_text(str(users["Amina"]))
    await expect(page.get_by_test_id("bot-name")).to_contain_text("@majlis_test_bot")
