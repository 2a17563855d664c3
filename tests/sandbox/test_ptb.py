"""The Bot API as the real python-telegram-bot sees it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Conflict, InvalidToken, RetryAfter

from sandbox import Sandbox
from sandbox.client import SandboxClient

from .conftest import TOKEN


def ptb_bot(sandbox: Sandbox, token: str = TOKEN) -> telegram.Bot:
    return telegram.Bot(
        token, base_url=f"{sandbox.api_root}/bot", base_file_url=f"{sandbox.api_root}/file/bot"
    )


@pytest.fixture
async def ptb(sandbox: Sandbox) -> AsyncIterator[telegram.Bot]:
    async with ptb_bot(sandbox) as bot:
        yield bot


async def test_initialize_reads_get_me(ptb: telegram.Bot) -> None:
    assert ptb.id == 123456789
    assert ptb.username == "majlis_test_bot"
    assert ptb.bot.can_join_groups


async def test_malformed_token_is_rejected(sandbox: Sandbox) -> None:
    bot = ptb_bot(sandbox, "1:broken")
    with pytest.raises(InvalidToken):
        await bot.initialize()


async def test_polling_messages_and_callbacks(ptb: telegram.Bot, client: SandboxClient) -> None:
    user = await client.create_user("Yusuf", language_code="ar", username="yusuf")
    await user.send("/start")
    updates = await ptb.get_updates(timeout=1)
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None and message.text == "/start"
    assert message.from_user is not None and message.from_user.language_code == "ar"
    assert message.from_user.username == "yusuf"
    sent = await ptb.send_message(
        user.id,
        "<b>مرحبا</b> <tg-spoiler>secret</tg-spoiler>",
        parse_mode="HTML",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("نعم", callback_data="yes")]]),
    )
    assert sent.text == "مرحبا secret"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 5),
        ("spoiler", 6, 6),
    ]
    await user.press_button("نعم")
    updates = await ptb.get_updates(offset=updates[-1].update_id + 1, timeout=1)
    query = updates[0].callback_query
    assert query is not None and query.data == "yes"
    assert query.message is not None and query.message.message_id == sent.message_id
    assert await query.answer("تم")
    assert (await user.callback_answers())[0]["text"] == "تم"
    edited = await query.edit_message_text("انتهى")
    assert isinstance(edited, telegram.Message) and edited.text == "انتهى"


async def test_errors_reach_ptb_as_its_exceptions(ptb: telegram.Bot, client: SandboxClient) -> None:
    user = await client.create_user("Yusuf")
    await user.send("/start")
    with pytest.raises(BadRequest, match=r"(?i)can.t parse entities: can.t find end tag"):
        await ptb.send_message(user.id, "<i>open", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await ptb.send_message(user.id, "y" * 5000)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await ptb.send_message(-1, "nobody")
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await ptb.send_message(
            user.id,
            "x",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("A", callback_data="z" * 65)]]
            ),
        )
    sent = await ptb.send_message(user.id, "same")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await ptb.edit_message_text("same", chat_id=user.id, message_id=sent.message_id)


async def test_documents_by_upload_and_by_file_id(ptb: telegram.Bot, client: SandboxClient) -> None:
    user = await client.create_user("Yusuf")
    await user.send("/start")
    sent = await ptb.send_document(
        user.id, document=b"name,fee\nTunis,100\n", filename="fees.csv", caption="Fees"
    )
    assert sent.document is not None and sent.document.file_name == "fees.csv"
    assert sent.document.mime_type == "text/csv"
    again = await ptb.send_document(user.id, document=sent.document.file_id)
    assert again.document is not None and again.document.file_id == sent.document.file_id
    file = await ptb.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"name,fee\nTunis,100\n"
    await user.send_document("agenda.txt", "جدول الأعمال".encode(), "text/plain")
    update = (await ptb.get_updates(timeout=0))[-1]
    assert update.message is not None and update.message.document is not None
    uploaded = await update.message.document.get_file()
    assert (await uploaded.download_as_bytearray()).decode() == "جدول الأعمال"


async def test_webhook_conflict_and_info(ptb: telegram.Bot) -> None:
    assert await ptb.set_webhook("http://127.0.0.1:9/hook", secret_token="s3cret")
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await ptb.get_updates(timeout=0)
    info = await ptb.get_webhook_info()
    assert info.url == "http://127.0.0.1:9/hook"
    assert await ptb.delete_webhook()
    assert (await ptb.get_webhook_info()).url == ""
    assert await ptb.get_updates(timeout=0) == ()


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_control_reaches_ptb(tmp_path) -> None:
    slow = Sandbox(port=0, rate_factor=0.01, data_dir=tmp_path)
    async with slow, SandboxClient(slow.url) as users:
        user = await users.create_user("Yusuf")
        await user.send("/start")
        async with ptb_bot(slow) as bot:
            for _ in range(3):  # the burst Telegram tolerates
                await bot.send_message(user.id, "burst")
            with pytest.raises(RetryAfter) as raised:
                await bot.send_message(user.id, "one too many")
    # at 1% of Telegram's rate of one message per second, a token takes 100 s to come back
    assert "Retry in 100" in raised.value.message


async def test_a_ptb_application_polls_and_answers(sandbox: Sandbox, client: SandboxClient) -> None:
    from telegram import Update
    from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_user is not None
        await update.effective_message.reply_html(
            f"Salam, <b>{update.effective_user.first_name}</b>",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("Menu", callback_data="menu")]]
            ),
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Opening")
        await query.edit_message_text("Menu: fees, meetings, votes")

    application = ApplicationBuilder().bot(ptb_bot(sandbox)).build()
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(pressed))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            user = await client.create_user("Salma")
            await user.send("/start")
            greeting = await user.wait_for("Salam")
            assert greeting["entities"] == [{"type": "bold", "offset": 7, "length": 5}]
            await user.press_button("Menu")
            menu = await user.wait_for(lambda m: m["text"].startswith("Menu:"))
            assert menu["message_id"] == greeting["message_id"]
            assert menu["reply_markup"] is None
            assert [a["text"] for a in await user.callback_answers()] == ["Opening"]
        finally:
            await application.updater.stop()
            await application.stop()
