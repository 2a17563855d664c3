"""An async client for the sandbox's user-side API, for tests and scripts.

async with SandboxClient(sandbox.url) as client:
    amina = await client.create_user("Amina", language_code="ar")
    await amina.send("/start")
    welcome = await amina.wait_for("Welcome")
    await amina.press_button("English")
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

Predicate = Callable[[dict[str, Any]], bool]


class SandboxClientError(Exception):
    """The sandbox refused a request; ``status`` is the HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


def message_text(message: dict[str, Any]) -> str:
    """The text or caption of a user-API message ('' if it has neither)."""
    return message.get("text") or message.get("caption") or ""


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The inline keyboard buttons of a message, row after row."""
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


class SandboxClient:
    """Talks to a running sandbox's ``/sandbox/api``; an async context manager."""

    def __init__(self, base_url: str, *, session: aiohttp.ClientSession | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = session
        self._own_session = session is None

    async def __aenter__(self) -> SandboxClient:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def request(
        self,
        http_method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        data: Any = None,
        timeout: float = 30.0,
    ) -> Any:
        url = f"{self.base_url}/sandbox/api{path}"
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        async with self.session.request(
            http_method,
            url,
            json=json,
            params=query,
            data=data,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            body = await response.json(content_type=None)
            if response.status >= 400:
                message = body.get("error") if isinstance(body, dict) else str(body)
                raise SandboxClientError(response.status, str(message))
            return body

    # ---- world -------------------------------------------------------------------------
    async def info(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.request("GET", "/info")
        return result

    async def reset(self) -> None:
        await self.request("POST", "/reset")

    async def users(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.request("GET", "/users")
        return result

    async def chats(self, user_id: int | None = None) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.request(
            "GET", "/chats", params={"user_id": user_id}
        )
        return result

    async def create_user(
        self,
        first_name: str,
        *,
        language_code: str = "en",
        username: str | None = None,
        user_id: int | None = None,
        last_name: str | None = None,
    ) -> SandboxUser:
        body: dict[str, Any] = {"first_name": first_name, "language_code": language_code}
        if username is not None:
            body["username"] = username
        if user_id is not None:
            body["id"] = user_id
        if last_name is not None:
            body["last_name"] = last_name
        data = await self.request("POST", "/users", json=body)
        return SandboxUser(
            client=self,
            id=data["id"],
            first_name=data["first_name"],
            language_code=data["language_code"],
            username=data.get("username"),
        )

    async def create_group(self, title: str, members: list[SandboxUser]) -> SandboxGroup:
        data = await self.request(
            "POST", "/groups", json={"title": title, "member_ids": [m.id for m in members]}
        )
        return SandboxGroup(client=self, id=data["id"], title=data["title"], members=members)

    async def messages(
        self, chat_id: int, *, after: int | None = None, wait: float | None = None
    ) -> dict[str, Any]:
        """The raw answer of GET /chats/{id}/messages (messages, last_seq, chat_action...)."""
        result: dict[str, Any] = await self.request(
            "GET",
            f"/chats/{chat_id}/messages",
            params={"after": after, "wait": wait},
            timeout=(wait or 0) + 30.0,
        )
        return result

    async def transcript(self, chat_id: int) -> list[dict[str, Any]]:
        return list((await self.messages(chat_id))["messages"])

    async def wait_for(
        self,
        chat_id: int,
        predicate: Predicate | str,
        *,
        timeout: float = 10,
        after: int = 0,
    ) -> dict[str, Any]:
        """Wait for a bot message in the chat (new or edited after seq ``after``) matching
        ``predicate`` (a string means "its text or caption contains it")."""
        test = _predicate(predicate)
        deadline = time.monotonic() + timeout
        cursor = after
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            answer = await self.messages(chat_id, after=cursor, wait=min(remaining, 25.0))
            for message in answer["messages"]:
                if message["from_bot"] and not message["deleted"] and test(message):
                    return dict(message)
            cursor = max(cursor, int(answer["last_seq"]))
        recent = [message_text(m) for m in (await self.transcript(chat_id))[-5:]]
        raise TimeoutError(
            f"no bot message matching {predicate!r} in chat {chat_id} within {timeout}s; "
            f"last messages: {recent!r}"
        )


def _predicate(predicate: Predicate | str) -> Predicate:
    if isinstance(predicate, str):
        needle = predicate
        return lambda message: needle in message_text(message)
    return predicate


@dataclass
class SandboxGroup:
    client: SandboxClient = field(repr=False)
    id: int
    title: str
    members: list[SandboxUser] = field(default_factory=list)

    async def transcript(self) -> list[dict[str, Any]]:
        return await self.client.transcript(self.id)


@dataclass
class SandboxUser:
    """A person in the sandbox. Their private chat with the bot has chat id == user id."""

    client: SandboxClient = field(repr=False)
    id: int
    first_name: str
    language_code: str = "en"
    username: str | None = None
    _last_seq: dict[int, int] = field(default_factory=dict, repr=False)

    def _chat(self, chat_id: int | None) -> int:
        return self.id if chat_id is None else chat_id

    def _mark(self, chat_id: int, result: dict[str, Any]) -> None:
        seq = result.get("seq")
        if isinstance(seq, int):
            self._last_seq[chat_id] = max(self._last_seq.get(chat_id, 0), seq)

    async def send(
        self, text: str, chat_id: int | None = None, *, reply_to_message_id: int | None = None
    ) -> dict[str, Any]:
        """Send a text message or a /command; ``chat_id`` for a group."""
        chat = self._chat(chat_id)
        body: dict[str, Any] = {"from_id": self.id, "text": text}
        if reply_to_message_id is not None:
            body["reply_to_message_id"] = reply_to_message_id
        result: dict[str, Any] = await self.client.request(
            "POST", f"/chats/{chat}/messages", json=body
        )
        self._mark(chat, result)
        return result

    async def send_document(
        self,
        filename: str,
        content: bytes,
        mime_type: str,
        caption: str | None = None,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        chat = self._chat(chat_id)
        form = aiohttp.FormData()
        form.add_field("from_id", str(self.id))
        if caption is not None:
            form.add_field("caption", caption)
        form.add_field("document", content, filename=filename, content_type=mime_type)
        result: dict[str, Any] = await self.client.request(
            "POST", f"/chats/{chat}/messages", data=form
        )
        self._mark(chat, result)
        return result

    async def send_photo(
        self, content: bytes, caption: str | None = None, chat_id: int | None = None
    ) -> dict[str, Any]:
        chat = self._chat(chat_id)
        body: dict[str, Any] = {
            "from_id": self.id,
            "photo": {"content_base64": base64.b64encode(content).decode("ascii")},
        }
        if caption is not None:
            body["caption"] = caption
        result: dict[str, Any] = await self.client.request(
            "POST", f"/chats/{chat}/messages", json=body
        )
        self._mark(chat, result)
        return result

    async def press(
        self,
        message_id: int,
        callback_data: str,
        chat_id: int | None = None,
        *,
        forged: bool = False,
    ) -> dict[str, Any]:
        """Press the inline button with ``callback_data`` under a bot message; ``forged``
        sends data that no button on it carries, as a modified client could."""
        chat = self._chat(chat_id)
        result: dict[str, Any] = await self.client.request(
            "POST",
            f"/chats/{chat}/callbacks",
            json={
                "from_id": self.id,
                "message_id": message_id,
                "callback_data": callback_data,
                "forged": forged,
            },
        )
        self._mark(chat, result)
        return result

    async def press_button(
        self, text: str, chat_id: int | None = None, *, timeout: float = 10
    ) -> dict[str, Any]:
        """Press the button labelled ``text`` on the newest bot message that has one,
        waiting up to ``timeout`` seconds for such a message to appear."""
        chat = self._chat(chat_id)
        deadline = time.monotonic() + timeout
        while True:
            answer = await self.client.messages(chat)
            for message in reversed(answer["messages"]):
                if not message["from_bot"]:
                    continue
                for button in buttons(message):
                    if button.get("text") == text and "callback_data" in button:
                        return await self.press(
                            message["message_id"], button["callback_data"], chat
                        )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no button {text!r} in chat {chat} within {timeout}s")
            await self.client.messages(chat, after=answer["last_seq"], wait=min(remaining, 5.0))

    async def transcript(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """The chat's messages from both sides, as they are now (edits applied, deleted
        ones removed), oldest first."""
        return await self.client.transcript(self._chat(chat_id))

    async def wait_for(
        self,
        predicate: Predicate | str,
        *,
        chat_id: int | None = None,
        timeout: float = 10,
        after: int | None = None,
    ) -> dict[str, Any]:
        """Wait for a bot message (new or edited) matching ``predicate``.

        ``after`` is a seq; by default it is the seq of this user's last send or press in
        that chat, so this waits for the bot's reaction to it."""
        chat = self._chat(chat_id)
        start = self._last_seq.get(chat, 0) if after is None else after
        return await self.client.wait_for(chat, predicate, timeout=timeout, after=start)

    async def callback_answers(self) -> list[dict[str, Any]]:
        """Answers the bot gave (answerCallbackQuery) to this user's presses, oldest first."""
        result: list[dict[str, Any]] = await self.client.request(
            "GET", f"/users/{self.id}/callback_answers"
        )
        return result

    async def callback_answer(
        self, callback_query_id: str, *, timeout: float = 10
    ) -> dict[str, Any]:
        """Wait for the bot to answer one press; returns the answer (``answered`` may be
        False if the bot did not answer in time)."""
        result: dict[str, Any] = await self.client.request(
            "GET", f"/callbacks/{callback_query_id}", params={"wait": timeout}, timeout=timeout + 30
        )
        return result
