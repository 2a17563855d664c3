"""The user-side API and its client: people, groups, transcripts, waiting, files, reset."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiogram import Bot
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from sandbox import Sandbox
from sandbox.client import SandboxClient, SandboxClientError

from .conftest import TOKEN, aiogram_bot
from .test_aiogram import PNG_1x1


async def test_users_have_ids_languages_and_unique_names(client: SandboxClient) -> None:
    amina = await client.create_user("Amina", language_code="ar", username="amina")
    fixed = await client.create_user("Fixed", user_id=777)
    assert fixed.id == 777
    assert amina.language_code == "ar"
    with pytest.raises(SandboxClientError) as raised:
        await client.create_user("Again", user_id=777)
    assert raised.value.status == 409
    with pytest.raises(SandboxClientError):
        await client.create_user("Clone", username="amina")
    with pytest.raises(SandboxClientError) as raised:
        await client.create_user("")
    assert raised.value.status == 400
    assert [u["first_name"] for u in await client.users()] == ["Amina", "Fixed"]


async def test_groups_members_and_chat_lists(client: SandboxClient, bot: Bot) -> None:
    amina = await client.create_user("Amina")
    omar = await client.create_user("Omar")
    outsider = await client.create_user("Outsider")
    group = await client.create_group("Council", [amina, omar])
    assert group.id < 0
    chats = await client.chats(user_id=omar.id)
    assert [(c["type"], c["id"]) for c in chats] == [("private", omar.id), ("group", group.id)]
    assert [m["first_name"] for m in chats[1]["members"]] == ["Amina", "Omar"]
    with pytest.raises(SandboxClientError) as raised:
        await outsider.send("let me in", chat_id=group.id)
    assert raised.value.status == 403
    with pytest.raises(SandboxClientError):
        await amina.send("not my chat", chat_id=omar.id)
    await omar.send("hello council", chat_id=group.id)
    sent = await bot.send_message(group.id, "Hello Omar")
    transcript = await group.transcript()
    assert [m["text"] for m in transcript][-2:] == ["hello council", "Hello Omar"]
    assert transcript[0]["service"] == {"group_chat_created": True}
    assert sent.chat.title == "Council"


async def test_transcript_applies_edits_and_drops_deleted(client: SandboxClient, bot: Bot) -> None:
    user = await client.create_user("Huda")
    start = await user.send("/start")
    first = await bot.send_message(user.id, "draft")
    second = await bot.send_message(user.id, "to delete")
    await bot.edit_message_text("final", chat_id=user.id, message_id=first.message_id)
    await bot.delete_message(user.id, second.message_id)
    transcript = await user.transcript()
    assert [(m["text"], m["from_bot"]) for m in transcript] == [("/start", False), ("final", True)]
    assert transcript[1]["edit_date"] is not None
    # changes after a seq include the deletion, so a page can remove the bubble
    changes = await client.messages(user.id, after=start["seq"])
    assert {(m["message_id"], m["deleted"]) for m in changes["messages"]} == {
        (first.message_id, False),
        (second.message_id, True),
    }


async def test_long_poll_waits_for_the_bot(client: SandboxClient, bot: Bot) -> None:
    user = await client.create_user("Huda")
    sent = await user.send("/start")

    async def reply_later() -> None:
        await asyncio.sleep(0.2)
        await bot.send_message(user.id, "late reply")

    task = asyncio.create_task(reply_later())
    answer = await client.messages(user.id, after=sent["seq"], wait=5)
    await task
    assert [m["text"] for m in answer["messages"]] == ["late reply"]
    assert answer["last_seq"] >= answer["messages"][0]["seq"]
    # nothing new: the wait ends empty
    empty = await client.messages(user.id, after=answer["last_seq"], wait=0.2)
    assert empty["messages"] == []


async def test_wait_for_sees_edits_and_times_out_with_context(
    client: SandboxClient, bot: Bot
) -> None:
    user = await client.create_user("Huda")
    await user.send("/start")
    sent = await bot.send_message(user.id, "Counting…")
    await bot.edit_message_text("Counted: 3", chat_id=user.id, message_id=sent.message_id)
    edited = await user.wait_for(lambda m: m["text"].startswith("Counted"))
    assert edited["message_id"] == sent.message_id
    with pytest.raises(TimeoutError, match="Counted: 3"):
        await user.wait_for("never said", timeout=0.3)


async def test_buttons_presses_and_answers(client: SandboxClient, bot: Bot) -> None:
    user = await client.create_user("Karim")
    await user.send("/start")
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Pay", callback_data="pay:2024")]]
    )
    sent = await bot.send_message(user.id, "Fee due", reply_markup=markup)
    with pytest.raises(SandboxClientError) as raised:
        await user.press(sent.message_id, "not-a-button")
    assert raised.value.status == 400
    with pytest.raises(SandboxClientError):
        await user.press(1, "pay:2024")  # the user's own message has no buttons
    pressed = await user.press_button("Pay")
    assert pressed["answered"] is False
    pending = await user.callback_answer(pressed["callback_query_id"], timeout=0.1)
    assert pending["answered"] is False
    query = (await bot.get_updates(timeout=0))[-1].callback_query
    assert query is not None
    await bot.answer_callback_query(query.id, text="Paid")
    answer = await user.callback_answer(pressed["callback_query_id"])
    assert (answer["answered"], answer["text"], answer["show_alert"]) == (True, "Paid", False)
    with pytest.raises(TimeoutError):
        await user.press_button("Missing", timeout=0.2)


async def test_files_from_users(client: SandboxClient, bot: Bot, sandbox: Sandbox) -> None:
    user = await client.create_user("Nour")
    document = await user.send_document("dues.txt", b"dues", "text/plain", caption="dues")
    photo = await user.send_photo(PNG_1x1)
    assert document["document"]["file_name"] == "dues.txt"
    assert document["caption"] == "dues"
    assert (photo["photo"]["width"], photo["photo"]["height"]) == (1, 1)
    with pytest.raises(SandboxClientError) as raised:
        await user.send_photo(b"not an image")
    assert raised.value.status == 400
    async with aiohttp.ClientSession() as http:
        async with http.get(sandbox.url.rstrip("/") + document["document"]["url"]) as response:
            assert await response.read() == b"dues"
            assert response.headers["Content-Disposition"].startswith("attachment")
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        async with http.get(sandbox.url.rstrip("/") + photo["photo"]["url"]) as response:
            assert response.content_type == "image/png"
    updates = await bot.get_updates(timeout=0)
    assert updates[0].message is not None and updates[0].message.document is not None
    assert updates[1].message is not None and updates[1].message.photo is not None


async def test_reset_forgets_people_but_not_the_bot(client: SandboxClient, bot: Bot) -> None:
    user = await client.create_user("Amina")
    await user.send("/start")
    before = await bot.get_updates(timeout=0)
    await client.reset()
    assert await client.users() == []
    assert await bot.get_updates(timeout=0) == []
    again = await client.create_user("Amina")
    await again.send("/start")
    after = await bot.get_updates(timeout=0)
    # update ids keep growing so a poller's offset never hides new updates
    assert after[0].update_id > before[-1].update_id
    assert (await bot.get_me()).username == "majlis_test_bot"


async def test_messages_sent_before_the_bot_connects_wait_for_it(tmp_path) -> None:
    box = Sandbox(port=0, data_dir=tmp_path)
    async with box, SandboxClient(box.url) as users:
        user = await users.create_user("Early")
        await user.send("/start")
        bot = aiogram_bot(box, TOKEN)
        try:
            updates = await bot.get_updates(timeout=0)
            assert [u.message.text for u in updates if u.message] == ["/start"]
            sent = await bot.send_message(user.id, "Welcome")
            assert sent.from_user is not None and sent.from_user.id == 123456789
            info = await users.info()
            assert info["bot"]["id"] == 123456789
        finally:
            await bot.session.close()


async def test_page_and_static_files_are_served(sandbox: Sandbox) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(sandbox.url) as response:
            assert response.status == 200
            page = await response.text()
            assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert 'data-testid="persona-name"' in page
        for name in ("app.js", "style.css"):
            async with http.get(f"{sandbox.url}static/{name}") as response:
                assert response.status == 200
        async with http.get(f"{sandbox.url}static/missing.js") as response:
            assert response.status == 404


async def test_bot_api_accepts_raw_json_and_get(sandbox: Sandbox, client: SandboxClient) -> None:
    user = await client.create_user("Raw")
    await user.send("/start")
    base = f"{sandbox.api_root}/bot{TOKEN}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/getMe") as response:
            assert (await response.json())["result"]["username"] == "majlis_test_bot"
        payload = {
            "chat_id": user.id,
            "text": "raw",
            "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
        }
        async with http.post(f"{base}/sendMessage", json=payload) as response:
            body = await response.json()
            assert body["ok"] and body["result"]["reply_markup"] == payload["reply_markup"]
        async with http.post(f"{base}/sendMessage", data={"chat_id": str(user.id)}) as response:
            assert response.status == 400
            assert await response.json() == {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: message text is empty",
            }
        async with http.post(
            f"{base}/SENDMESSAGE", data={"chat_id": user.id, "text": "x"}
        ) as response:
            assert (await response.json())["ok"]  # method names ignore case, as on Telegram
