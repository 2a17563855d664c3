"""The Bot API as the real aiogram Bot sees it."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from sandbox import Sandbox
from sandbox.client import SandboxClient

from .conftest import OTHER_TOKEN, aiogram_bot

PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100ffff03000006000557bfabd40000000049454e44ae426082"
)


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data)] for text, data in pairs
        ]
    )


async def test_get_me_answers_the_registered_names(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123456789
    assert me.is_bot
    assert me.username == "majlis_test_bot"
    assert me.first_name == "Majlis"


async def test_any_well_formed_token_is_accepted_lazily(sandbox: Sandbox) -> None:
    other = aiogram_bot(sandbox, "42:" + "x" * 35)
    try:
        me = await other.get_me()
    finally:
        await other.session.close()
    assert me.id == 42 and me.is_bot


async def test_a_malformed_token_is_unauthorized(sandbox: Sandbox) -> None:
    broken = aiogram_bot(sandbox, "42:short")
    try:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await broken.get_me()
    finally:
        await broken.session.close()


async def test_an_unknown_method_is_not_found(bot: Bot) -> None:
    class Frobnicate(TelegramMethod[bool]):
        __returning__ = bool
        __api_method__ = "frobnicate"

    with pytest.raises(TelegramNotFound, match="Not Found"):
        await bot(Frobnicate())


async def test_long_polling_with_offset_and_timeout(bot: Bot, client: SandboxClient) -> None:
    assert await bot.get_updates(timeout=0) == []
    amina = await client.create_user("Amina", language_code="ar")

    async def later() -> None:
        await asyncio.sleep(0.2)
        await amina.send("/start")

    sender = asyncio.create_task(later())
    updates = await bot.get_updates(timeout=5)  # answers as soon as the message arrives
    await sender
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None
    assert message.text == "/start"
    assert message.chat.id == amina.id and message.chat.type == "private"
    assert message.from_user is not None and message.from_user.language_code == "ar"
    assert message.entities is not None and message.entities[0].type == "bot_command"

    # without confirmation the update is delivered again
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [updates[0].update_id]
    await amina.send("second")
    both = await bot.get_updates(timeout=0)
    assert [u.update_id for u in both] == [updates[0].update_id, updates[0].update_id + 1]
    # an offset confirms everything below it
    rest = await bot.get_updates(offset=both[-1].update_id, timeout=0)
    assert [u.message.text for u in rest if u.message] == ["second"]
    assert await bot.get_updates(offset=both[-1].update_id + 1, timeout=0) == []
    limited = await bot.get_updates(timeout=0, limit=1)
    assert limited == []


async def test_get_updates_times_out_empty(bot: Bot) -> None:
    started = asyncio.get_running_loop().time()
    assert await bot.get_updates(timeout=1) == []
    assert asyncio.get_running_loop().time() - started >= 0.9


async def test_allowed_updates_filter_persists(bot: Bot, client: SandboxClient) -> None:
    user = await client.create_user("Omar")
    await user.send("/start")
    updates = await bot.get_updates(timeout=0)
    start = updates[-1].update_id + 1
    sent = await bot.send_message(user.id, "pick", reply_markup=keyboard(("A", "a")))
    # only callback queries from now on, also for later calls that do not repeat the filter
    await bot.get_updates(offset=start, timeout=0, allowed_updates=["callback_query"])
    await user.send("ignored text")
    await user.press(sent.message_id, "a")
    updates = await bot.get_updates(offset=start, timeout=0)
    assert len(updates) == 1 and updates[0].callback_query is not None
    assert updates[0].callback_query.data == "a"
    # an empty list restores the default: every kind but chat_member and reactions
    await bot.get_updates(offset=updates[0].update_id + 1, timeout=0, allowed_updates=[])
    await user.send("seen again")
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates if u.message] == ["seen again"]


async def test_send_message_returns_a_complete_message(bot: Bot, client: SandboxClient) -> None:
    user = await client.create_user("Layla")
    await user.send("/start")
    sent = await bot.send_message(
        user.id,
        "<b>Welcome</b>, <i>Layla</i> &amp; <a href='https://example.org'>friends</a>",
        parse_mode="HTML",
        reply_markup=keyboard(("Join", "join")),
    )
    assert sent.text == "Welcome, Layla & friends"
    assert sent.from_user is not None and sent.from_user.id == 123456789
    assert sent.chat.id == user.id
    assert sent.entities is not None
    kinds = [(e.type, e.offset, e.length) for e in sent.entities]
    assert kinds == [("bold", 0, 7), ("italic", 9, 5), ("text_link", 17, 7)]
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "join"
    transcript = await user.transcript()
    assert [m["text"] for m in transcript] == ["/start", "Welcome, Layla & friends"]
    assert transcript[1]["message_id"] == sent.message_id == 2


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
async def test_bad_html_is_refused_like_telegram(
    bot: Bot, client: SandboxClient, html: str, error: str
) -> None:
    user = await client.create_user("Sami")
    await user.send("/start")
    with pytest.raises(TelegramBadRequest) as raised:
        await bot.send_message(user.id, html, parse_mode="HTML")
    assert raised.value.message == f"Bad Request: can't parse entities: {error}"


async def test_text_limits(bot: Bot, client: SandboxClient) -> None:
    user = await client.create_user("Sami")
    await user.send("/start")
    # 4096 characters after parsing is fine even if the markup makes the source longer
    ok = await bot.send_message(user.id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert ok.text is not None and len(ok.text) == 4096
    with pytest.raises(TelegramBadRequest, match="Bad Request: message is too long"):
        await bot.send_message(user.id, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message text is empty"):
        await bot.send_message(user.id, "   ")
    with pytest.raises(TelegramBadRequest, match="Bad Request: message text is empty"):
        await bot.send_message(user.id, "<b></b>", parse_mode="HTML")


async def test_callback_data_must_be_1_to_64_bytes(bot: Bot, client: SandboxClient) -> None:
    user = await client.create_user("Sami")
    await user.send("/start")
    await bot.send_message(user.id, "ok", reply_markup=keyboard(("A", "x" * 64)))
    with pytest.raises(TelegramBadRequest, match="Bad Request: BUTTON_DATA_INVALID"):
        await bot.send_message(user.id, "too long", reply_markup=keyboard(("A", "x" * 65)))
    # bytes, not characters: 33 two-byte letters are 66 bytes
    with pytest.raises(TelegramBadRequest, match="Bad Request: BUTTON_DATA_INVALID"):
        await bot.send_message(user.id, "arabic", reply_markup=keyboard(("A", "ب" * 33)))


async def test_unknown_chat_and_chats_the_bot_cannot_write_to(
    bot: Bot, client: SandboxClient
) -> None:
    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await bot.send_message(999, "hello")
    stranger = await client.create_user("Stranger")
    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation"):
        await bot.send_message(stranger.id, "hello")
    await stranger.send("/start")
    await client.request("POST", f"/users/{stranger.id}/block", json={"blocked": True})
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(stranger.id, "hello")


async def test_edit_message_text_and_markup(bot: Bot, client: SandboxClient) -> None:
    user = await client.create_user("Huda")
    await user.send("/start")
    sent = await bot.send_message(user.id, "Vote?", reply_markup=keyboard(("Yes", "y")))
    with pytest.raises(TelegramBadRequest) as raised:
        await bot.edit_message_text(
            "Vote?",
            chat_id=user.id,
            message_id=sent.message_id,
            reply_markup=keyboard(("Yes", "y")),
        )
    assert raised.value.message == (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )
    edited = await bot.edit_message_text("Vote closed", chat_id=user.id, message_id=sent.message_id)
    assert not isinstance(edited, bool)
    assert edited.text == "Vote closed" and edited.edit_date is not None
    assert edited.reply_markup is None  # an edit without markup removes the keyboard
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=user.id, message_id=sent.message_id)
    await bot.edit_message_reply_markup(
        chat_id=user.id, message_id=sent.message_id, reply_markup=keyboard(("Reopen", "r"))
    )
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to edit not found"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=999)
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=1)  # the user's /start
    transcript = await user.transcript()
    assert transcript[-1]["text"] == "Vote closed"
    assert transcript[-1]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Reopen"


async def test_delete_message(bot: Bot, client: SandboxClient) -> None:
    user = await client.create_user("Huda")
    await user.send("/start")
    sent = await bot.send_message(user.id, "temporary")
    assert await bot.delete_message(user.id, sent.message_id)
    assert [m["text"] for m in await user.transcript()] == ["/start"]
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(user.id, sent.message_id)


async def test_callback_queries_and_answers(bot: Bot, client: SandboxClient) -> None:
    user = await client.create_user("Karim")
    await user.send("/start")
    sent = await bot.send_message(
        user.id, "Choose", reply_markup=keyboard(("One", "1"), ("Two", "2"))
    )
    offset = (await bot.get_updates(timeout=0))[-1].update_id + 1
    pressed = await user.press_button("Two")
    updates = await bot.get_updates(offset=offset, timeout=1)
    query = updates[0].callback_query
    assert query is not None
    assert query.id == pressed["callback_query_id"]
    assert query.data == "2" and query.from_user.id == user.id and query.chat_instance
    assert query.message is not None and query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query.id, text="Counted", show_alert=True)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id, text="twice")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("12345", text="unknown")
    answers = await user.callback_answers()
    assert [(a["text"], a["show_alert"], a["callback_data"]) for a in answers] == [
        ("Counted", True, "2")
    ]


async def test_documents_upload_get_file_download_and_resend(
    bot: Bot, client: SandboxClient
) -> None:
    user = await client.create_user("Nour")
    await user.send("/start")
    content = b"%PDF-1.4 minutes of the meeting"
    sent = await bot.send_document(
        user.id,
        BufferedInputFile(content, filename="minutes.pdf"),
        caption="<b>Minutes</b>",
        parse_mode="HTML",
    )
    document = sent.document
    assert document is not None
    assert document.file_name == "minutes.pdf"
    assert document.mime_type == "application/pdf"
    assert document.file_size == len(content)
    assert sent.caption == "Minutes"
    file = await bot.get_file(document.file_id)
    assert file.file_path and file.file_size == len(content)
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == content
    # sending again by file_id reuses the same file
    again = await bot.send_document(user.id, document.file_id)
    assert again.document is not None
    assert again.document.file_unique_id == document.file_unique_id
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(user.id, "BQACnot-a-real-file-id")
    transcript = await user.transcript()
    assert transcript[-1]["document"]["file_name"] == "minutes.pdf"


async def test_photos_from_the_bot_and_from_users(bot: Bot, client: SandboxClient) -> None:
    user = await client.create_user("Nour")
    await user.send("/start")
    sent = await bot.send_photo(user.id, BufferedInputFile(PNG_1x1, filename="dot.png"))
    assert sent.photo is not None and sent.photo[-1].width == 1 and sent.photo[-1].height == 1
    with pytest.raises(TelegramBadRequest, match="type of file mismatch"):
        await bot.send_document(user.id, sent.photo[-1].file_id)
    await user.send_photo(PNG_1x1, caption="my dot")
    await user.send_document("report.csv", b"a,b\n1,2\n", "text/csv", caption="report")
    updates = await bot.get_updates(timeout=0)
    photo_message = updates[-2].message
    document_message = updates[-1].message
    assert photo_message is not None and photo_message.photo and photo_message.caption == "my dot"
    assert document_message is not None and document_message.document is not None
    assert document_message.document.file_name == "report.csv"
    file = await bot.get_file(document_message.document.file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == b"a,b\n1,2\n"


async def test_commands_chat_actions_and_harmless_methods(bot: Bot, client: SandboxClient) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    await bot.set_my_commands([BotCommand(command="start", description="ابدأ")], language_code="ar")
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert (await bot.get_my_commands(language_code="ar"))[0].description == "ابدأ"
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Not Valid", description="x")])
    assert await bot.delete_my_commands(language_code="ar")
    assert await bot.get_my_commands(language_code="ar") == []
    user = await client.create_user("Nour", language_code="ar")
    await user.send("/start")
    assert await bot.send_chat_action(user.id, "typing")
    state = await client.messages(user.id)
    assert state["chat_action"] == "typing"
    assert await bot.set_chat_menu_button()
    chat = await bot.get_chat(user.id)
    assert chat.id == user.id and chat.type == "private"


async def test_reply_keyboards_and_replies(bot: Bot, client: SandboxClient) -> None:
    user = await client.create_user("Nour")
    start = await user.send("/start")
    sent = await bot.send_message(
        user.id,
        "Language?",
        reply_to_message_id=start["message_id"],
        reply_markup=ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="English")]]),
    )
    assert sent.reply_to_message is not None
    assert sent.reply_to_message.message_id == start["message_id"]
    assert sent.reply_markup is None  # Telegram only echoes inline keyboards
    state = await client.messages(user.id)
    assert state["reply_keyboard"]["keyboard"] == [[{"text": "English"}]]


async def test_groups_reach_the_bot(bot: Bot, client: SandboxClient) -> None:
    amina = await client.create_user("Amina")
    omar = await client.create_user("Omar")
    group = await client.create_group("Council", [amina, omar])
    await omar.send("/vote@majlis_test_bot", chat_id=group.id)
    updates = await bot.get_updates(timeout=0)
    assert updates[0].my_chat_member is not None
    assert updates[0].my_chat_member.new_chat_member.status == "member"
    assert updates[1].message is not None and updates[1].message.group_chat_created
    message = updates[2].message
    assert message is not None
    assert message.chat.type == "group" and message.chat.title == "Council"
    assert message.from_user is not None and message.from_user.id == omar.id
    sent = await bot.send_message(group.id, "Vote opened", reply_markup=keyboard(("Yes", "y")))
    await amina.press(sent.message_id, "y", chat_id=group.id)
    updates = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    assert updates[0].callback_query is not None
    assert updates[0].callback_query.from_user.id == amina.id
    member = await bot.get_chat_member(group.id, omar.id)
    assert member.status == "member"
    assert (await bot.get_chat_member(group.id, amina.id)).status == "creator"
    assert await bot.get_chat_member_count(group.id) == 3
    stranger = await client.create_user("Stranger")
    assert (await bot.get_chat_member(group.id, stranger.id)).status == "left"


async def test_each_bot_has_its_own_private_chats(sandbox: Sandbox, client: SandboxClient) -> None:
    user = await client.create_user("Amina")
    await user.send("/start")  # goes to the default (first registered) bot
    other = aiogram_bot(sandbox, OTHER_TOKEN)
    try:
        assert await other.get_updates(timeout=0) == []
        with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation"):
            await other.send_message(user.id, "hello")
    finally:
        await other.session.close()


async def test_an_aiogram_dispatcher_polls_and_answers(bot: Bot, client: SandboxClient) -> None:
    from aiogram import Dispatcher, F
    from aiogram.filters import CommandStart
    from aiogram.types import CallbackQuery, Message

    dispatcher = Dispatcher()

    @dispatcher.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("Choose a language", reply_markup=keyboard(("العربية", "lang:ar")))

    @dispatcher.callback_query(F.data.startswith("lang:"))
    async def language(query: CallbackQuery) -> None:
        await query.answer("تم")
        assert isinstance(query.message, Message)
        await query.message.edit_text("اللغة: العربية")

    polling = asyncio.create_task(
        dispatcher.start_polling(
            bot, handle_signals=False, close_bot_session=False, polling_timeout=1
        )
    )
    try:
        user = await client.create_user("Amina", language_code="ar")
        await user.send("/start")
        await user.wait_for("Choose a language")
        await user.press_button("العربية")
        edited = await user.wait_for("اللغة")
        assert edited["edit_date"] is not None
        assert (await user.callback_answers())[0]["text"] == "تم"
    finally:
        await dispatcher.stop_polling()
        await polling
