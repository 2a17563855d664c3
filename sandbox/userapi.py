"""The user side: a JSON API under /sandbox/api/ for people, pages and tests."""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from .files import MAX_UPLOAD, StoredFile, image_mime
from .world import CallbackQuery, SandboxError, World

if TYPE_CHECKING:
    from .server import Sandbox

PREFIX = "/sandbox/api"
MAX_WAIT = 60.0


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _guard(handler: Route) -> Route:
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except SandboxError as error:
            return _error(error.status, error.message)

    return wrapped


def _int(value: Any, name: str, *, required: bool = True) -> int | None:
    if value is None or value == "":
        if required:
            raise SandboxError(400, f"{name} is required")
        return None
    if isinstance(value, bool):
        raise SandboxError(400, f"{name} must be an integer")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SandboxError(400, f"{name} must be an integer") from None


def _wait_seconds(request: web.Request) -> float:
    raw = request.query.get("wait")
    if not raw:
        return 0.0
    try:
        return min(max(float(raw), 0.0), MAX_WAIT)
    except ValueError:
        raise SandboxError(400, "wait must be a number of seconds") from None


async def _json_body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except (ValueError, json.JSONDecodeError):
        raise SandboxError(400, "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise SandboxError(400, "the body must be a JSON object")
    return body


def _decode_base64(value: Any, name: str) -> bytes:
    if not isinstance(value, str):
        raise SandboxError(400, f"{name}.content_base64 is required")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SandboxError(400, f"{name}.content_base64 is not valid base64") from None


class UserApi:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    @property
    def world(self) -> World:
        return self.sandbox.world

    def routes(self) -> list[web.RouteDef]:
        g = _guard
        return [
            web.get(f"{PREFIX}/info", g(self.info)),
            web.post(f"{PREFIX}/reset", g(self.reset)),
            web.get(f"{PREFIX}/users", g(self.list_users)),
            web.post(f"{PREFIX}/users", g(self.create_user)),
            web.get(f"{PREFIX}/users/{{user_id}}", g(self.get_user)),
            web.post(f"{PREFIX}/users/{{user_id}}/block", g(self.block)),
            web.get(f"{PREFIX}/users/{{user_id}}/callback_answers", g(self.callback_answers)),
            web.post(f"{PREFIX}/groups", g(self.create_group)),
            web.get(f"{PREFIX}/chats", g(self.list_chats)),
            web.get(f"{PREFIX}/chats/{{chat_id}}", g(self.get_chat)),
            web.get(f"{PREFIX}/chats/{{chat_id}}/messages", g(self.messages)),
            web.post(f"{PREFIX}/chats/{{chat_id}}/messages", g(self.send)),
            web.post(f"{PREFIX}/chats/{{chat_id}}/callbacks", g(self.press)),
            web.get(f"{PREFIX}/chats/{{chat_id}}/commands", g(self.commands)),
            web.get(f"{PREFIX}/callbacks/{{query_id}}", g(self.callback)),
            web.get(f"{PREFIX}/files/{{file_id}}", g(self.file)),
        ]

    # ---- world ---------------------------------------------------------------------------
    async def info(self, request: web.Request) -> web.StreamResponse:
        bot = self.world.default_bot()
        return web.json_response(
            {
                "bot": bot.public(),
                "bots": [b.public() for b in self.world.bots.values()],
                "api_root": self.sandbox.api_root,
                "last_seq": self.world.last_seq,
            }
        )

    async def reset(self, request: web.Request) -> web.StreamResponse:
        self.world.reset()
        return web.json_response({"reset": True, "last_seq": self.world.last_seq})

    # ---- users ---------------------------------------------------------------------------
    async def list_users(self, request: web.Request) -> web.StreamResponse:
        return web.json_response([user.public() for user in self.world.users.values()])

    async def create_user(self, request: web.Request) -> web.StreamResponse:
        body = await _json_body(request)
        language = str(body.get("language_code") or "en")
        user = self.world.create_user(
            str(body.get("first_name") or ""),
            last_name=body.get("last_name"),
            username=body.get("username"),
            language_code=language,
            user_id=_int(body.get("id"), "id", required=False),
        )
        return web.json_response(user.public(), status=201)

    async def get_user(self, request: web.Request) -> web.StreamResponse:
        user = self.world.user(_int(request.match_info["user_id"], "user_id") or 0)
        return web.json_response(user.public())

    async def block(self, request: web.Request) -> web.StreamResponse:
        user = self.world.user(_int(request.match_info["user_id"], "user_id") or 0)
        body = await _json_body(request)
        bot = self.world.bot(_int(body.get("bot_id"), "bot_id", required=False))
        if body.get("blocked", True):
            user.blocked_bots.add(bot.id)
        else:
            user.blocked_bots.discard(bot.id)
        return web.json_response(
            {"user_id": user.id, "bot_id": bot.id, "blocked": bot.id in user.blocked_bots}
        )

    async def callback_answers(self, request: web.Request) -> web.StreamResponse:
        user_id = _int(request.match_info["user_id"], "user_id")
        self.world.user(user_id or 0)
        answers = [
            self._callback_public(query)
            for bot in self.world.bots.values()
            for query in bot.callbacks.values()
            if query.user_id == user_id and query.answered
        ]
        return web.json_response(answers)

    # ---- chats ---------------------------------------------------------------------------
    def _bot_param(self, request: web.Request) -> int | None:
        return _int(request.query.get("bot_id"), "bot_id", required=False)

    async def create_group(self, request: web.Request) -> web.StreamResponse:
        body = await _json_body(request)
        members = body.get("member_ids")
        if not isinstance(members, list):
            raise SandboxError(400, "member_ids must be a list of user ids")
        ids = [_int(member, "member_ids") or 0 for member in members]
        bot = self.world.bot(_int(body.get("bot_id"), "bot_id", required=False))
        group = self.world.create_group(str(body.get("title") or ""), ids, bot)
        return web.json_response(self.world.chat_public(group.id, bot), status=201)

    async def list_chats(self, request: web.Request) -> web.StreamResponse:
        user_id = _int(request.query.get("user_id"), "user_id", required=False)
        bot = self.world.bot(self._bot_param(request))
        chats: list[dict[str, Any]] = []
        for user in self.world.users.values():
            if user_id is None or user.id == user_id:
                chats.append(self.world.chat_public(user.id, bot))
        for group in self.world.groups.values():
            if user_id is None or user_id in group.member_ids:
                chats.append(self.world.chat_public(group.id, bot))
        return web.json_response(chats)

    async def get_chat(self, request: web.Request) -> web.StreamResponse:
        chat_id = _int(request.match_info["chat_id"], "chat_id") or 0
        bot, _ = self.world.user_conversation(chat_id, self._bot_param(request))
        return web.json_response(self.world.chat_public(chat_id, bot))

    async def messages(self, request: web.Request) -> web.StreamResponse:
        chat_id = _int(request.match_info["chat_id"], "chat_id") or 0
        after = _int(request.query.get("after"), "after", required=False)
        wait = _wait_seconds(request)
        bot_id = self._bot_param(request)
        bot, conversation = self.world.user_conversation(chat_id, bot_id)
        deadline = time.monotonic() + wait
        action = conversation.current_action()
        while True:
            if after is None:
                found = [m for m in conversation.messages.values() if not m.deleted]
            else:
                found = sorted(
                    (m for m in conversation.messages.values() if m.seq > after),
                    key=lambda m: m.seq,
                )
            remaining = deadline - time.monotonic()
            if (
                found
                or after is None
                or remaining <= 0
                or self.world.closing
                or conversation.current_action() != action
            ):
                break
            await self.world.changed.wait(min(remaining, 5.0))
            bot, conversation = self.world.user_conversation(chat_id, bot_id)
        return web.json_response(
            {
                "chat": self.world.chat_public(chat_id, bot),
                "messages": [self.world.public_message(bot, m) for m in found],
                "last_seq": self.world.last_seq,
                "chat_action": conversation.current_action(),
                "reply_keyboard": conversation.reply_keyboard,
            }
        )

    async def send(self, request: web.Request) -> web.StreamResponse:
        chat_id = _int(request.match_info["chat_id"], "chat_id") or 0
        fields: dict[str, Any] = {}
        document: StoredFile | None = None
        photo: StoredFile | None = None
        uploads: dict[str, tuple[str, str | None, bytes]] = {}
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                if part.filename is not None:
                    data = bytes(await part.read(decode=False))
                    if len(data) > MAX_UPLOAD:
                        raise SandboxError(413, "the file is larger than 50 MB")
                    uploads[part.name] = (part.filename, part.headers.get("Content-Type"), data)
                else:
                    fields[part.name] = await part.text()
        else:
            fields = await _json_body(request)
            for kind in ("document", "photo"):
                spec = fields.get(kind)
                if isinstance(spec, dict):
                    uploads[kind] = (
                        str(spec.get("filename") or ("photo.jpg" if kind == "photo" else "file")),
                        spec.get("mime_type"),
                        _decode_base64(spec.get("content_base64"), kind),
                    )
        from_id = _int(fields.get("from_id"), "from_id", required=False)
        if from_id is None:
            if chat_id < 0:
                raise SandboxError(400, "from_id is required in a group")
            from_id = chat_id
        user = self.world.user(from_id)
        files = self.world.files
        try:
            if "document" in uploads:
                name, mime, data = uploads["document"]
                if not data:
                    raise SandboxError(400, "the file is empty")
                document = files.add("document", data, file_name=name, mime_type=mime)
            elif "photo" in uploads:
                name, mime, data = uploads["photo"]
                photo = files.add("photo", data, file_name=name, mime_type=mime)
        except ValueError:
            raise SandboxError(400, "the photo is not a PNG, JPEG, GIF or WebP image") from None
        reply_to = _int(fields.get("reply_to_message_id"), "reply_to_message_id", required=False)
        message, update_id = self.world.user_send(
            user,
            chat_id,
            text=fields.get("text"),
            document=document,
            photo=photo,
            caption=fields.get("caption"),
            reply_to=reply_to,
            bot_id=self._bot_param(request) or _int(fields.get("bot_id"), "bot_id", required=False),
        )
        bot, _ = self.world.user_conversation(chat_id, self._bot_param(request))
        return web.json_response(
            {**self.world.public_message(bot, message), "update_id": update_id}, status=201
        )

    async def press(self, request: web.Request) -> web.StreamResponse:
        chat_id = _int(request.match_info["chat_id"], "chat_id") or 0
        body = await _json_body(request)
        from_id = _int(body.get("from_id"), "from_id", required=chat_id < 0) or chat_id
        data = body.get("callback_data")
        if not isinstance(data, str) or not data:
            raise SandboxError(400, "callback_data is required")
        query = self.world.press(
            self.world.user(from_id),
            chat_id,
            _int(body.get("message_id"), "message_id") or 0,
            data,
            bot_id=self._bot_param(request) or _int(body.get("bot_id"), "bot_id", required=False),
            forged=bool(body.get("forged", False)),
        )
        return web.json_response(
            {**self._callback_public(query), "seq": self.world.last_seq}, status=201
        )

    async def commands(self, request: web.Request) -> web.StreamResponse:
        chat_id = _int(request.match_info["chat_id"], "chat_id") or 0
        bot, _ = self.world.user_conversation(chat_id, self._bot_param(request))
        language = request.query.get("language_code", "")
        scopes = (
            [{"type": "chat", "chat_id": chat_id}, {"type": "all_group_chats"}]
            if chat_id < 0
            else [{"type": "chat", "chat_id": chat_id}, {"type": "all_private_chats"}]
        )
        scopes.append({"type": "default"})
        for scope in scopes:
            key = json.dumps(scope, sort_keys=True)
            for lang in ([language] if language else []) + [""]:
                found = bot.commands.get((key, lang))
                if found:
                    return web.json_response(found)
        return web.json_response([])

    # ---- callbacks and files ---------------------------------------------------------------
    def _find_query(self, query_id: str) -> CallbackQuery:
        for bot in self.world.bots.values():
            query = bot.callbacks.get(query_id)
            if query is not None:
                return query
        raise SandboxError(404, f"no callback query {query_id}")

    @staticmethod
    def _callback_public(query: CallbackQuery) -> dict[str, Any]:
        answer = query.answer or {}
        return {
            "callback_query_id": query.id,
            "user_id": query.user_id,
            "chat_id": query.chat_id,
            "message_id": query.message_id,
            "callback_data": query.data,
            "answered": query.answered,
            "text": answer.get("text"),
            "show_alert": bool(answer.get("show_alert")),
            "url": answer.get("url"),
        }

    async def callback(self, request: web.Request) -> web.StreamResponse:
        query = self._find_query(request.match_info["query_id"])
        deadline = time.monotonic() + _wait_seconds(request)
        while not query.answered and not self.world.closing:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            await self.world.changed.wait(min(remaining, 5.0))
        return web.json_response(self._callback_public(query))

    async def file(self, request: web.Request) -> web.StreamResponse:
        stored = self.world.files.get(request.match_info["file_id"])
        if stored is None:
            raise SandboxError(404, "no such file")
        data = stored.disk_path.read_bytes()
        mime = image_mime(data)
        headers = {
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        }
        if mime is None:
            name = stored.file_name or stored.file_path.rsplit("/", 1)[-1]
            safe = "".join(ch for ch in name if ch.isalnum() or ch in "._- ") or "file"
            headers["Content-Disposition"] = f'attachment; filename="{safe}"'
        content_type = mime or "application/octet-stream"
        return web.Response(body=data, content_type=content_type, headers=headers)
