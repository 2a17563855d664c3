"""The sandbox's in-memory world: users, groups, bots, conversations and updates."""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from .files import FileStore, StoredFile
from .formatting import detect_entities, utf16_len
from .ratelimit import FloodControl

DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
FIRST_USER_ID = 100_000_001
FIRST_GROUP_ID = -4_000_000_001
CALLBACK_QUERY_LIFETIME = 15 * 60.0


class Signal:
    """Wakes every coroutine waiting on it when fired."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> bool:
        event = self._event
        if timeout <= 0:
            return False
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True


class SandboxError(Exception):
    """A user-side request that cannot be carried out (HTTP status and message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str = "en"
    blocked_bots: set[int] = field(default_factory=set)

    def api(self) -> dict[str, Any]:
        result: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            result["last_name"] = self.last_name
        if self.username:
            result["username"] = self.username
        if self.language_code:
            result["language_code"] = self.language_code
        return result

    def chat(self) -> dict[str, Any]:
        result: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            result["last_name"] = self.last_name
        if self.username:
            result["username"] = self.username
        return result

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
        }


@dataclass
class Group:
    id: int
    title: str
    member_ids: list[int]
    bot_id: int
    creator_id: int

    def chat(self) -> dict[str, Any]:
        return {"id": self.id, "type": "group", "title": self.title}


@dataclass
class StoredMessage:
    chat_id: int
    sender_id: int
    from_bot: bool
    date: int
    message_id: int = 0
    seq: int = 0
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    document: StoredFile | None = None
    photo: StoredFile | None = None
    reply_to: int | None = None
    edit_date: int | None = None
    deleted: bool = False
    service: dict[str, Any] = field(default_factory=dict)


@dataclass
class CallbackQuery:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float
    chat_instance: str
    answered: bool = False
    answer: dict[str, Any] | None = None


@dataclass
class Webhook:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    task: asyncio.Task[None] | None = None


class Conversation:
    """One chat as one bot sees it."""

    def __init__(self, world: World, chat_id: int) -> None:
        self.world = world
        self.chat_id = chat_id
        self.messages: dict[int, StoredMessage] = {}
        self.next_message_id = 1
        self.reply_keyboard: dict[str, Any] | None = None
        self.action: str | None = None
        self.action_until = 0.0

    @property
    def is_group(self) -> bool:
        return self.chat_id < 0

    def add(self, message: StoredMessage) -> StoredMessage:
        message.message_id = self.next_message_id
        self.next_message_id += 1
        message.seq = self.world.next_seq()
        self.messages[message.message_id] = message
        if message.from_bot:
            self.action = None
        self.world.changed.fire()
        return message

    def touch(self, message: StoredMessage) -> None:
        message.seq = self.world.next_seq()
        self.world.changed.fire()

    def live(self, message_id: int) -> StoredMessage | None:
        message = self.messages.get(message_id)
        if message is None or message.deleted:
            return None
        return message

    def current_action(self) -> str | None:
        if self.action and time.monotonic() < self.action_until:
            return self.action
        return None


class BotAccount:
    def __init__(
        self, world: World, bot_id: int, token: str | None, username: str, first_name: str
    ):
        self.world = world
        self.id = bot_id
        self.token = token
        self.username = username
        self.first_name = first_name
        self.updates: list[dict[str, Any]] = []
        # Telegram never hands a bot the same update_id twice; a sandbox restarted
        # on the same data must not either, or the bot takes new updates for repeats.
        self.next_update_id = time.time_ns() // 1_000_000
        self.allowed_updates: list[str] | None = None
        self.signal = Signal()
        self.poll_generation = 0
        self.webhook: Webhook | None = None
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.settings: dict[Any, Any] = {}
        self.conversations: dict[int, Conversation] = {}
        self.callbacks: dict[str, CallbackQuery] = {}
        self.flood = FloodControl(world.rate_factor)

    def user(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def me(self) -> dict[str, Any]:
        return {
            **self.user(),
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def conversation(self, chat_id: int) -> Conversation:
        conversation = self.conversations.get(chat_id)
        if conversation is None:
            conversation = self.conversations[chat_id] = Conversation(self.world, chat_id)
        return conversation

    def accepts(self, kind: str) -> bool:
        if not self.allowed_updates:
            return kind not in DEFAULT_EXCLUDED_UPDATES
        return kind in self.allowed_updates

    def enqueue(self, kind: str, payload: dict[str, Any]) -> int | None:
        if not self.accepts(kind):
            return None
        update_id = self.next_update_id
        self.next_update_id += 1
        self.updates.append({"update_id": update_id, kind: payload})
        self.signal.fire()
        return update_id

    def confirm(self, offset: int) -> None:
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        elif offset < 0:
            self.updates = self.updates[offset:]

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "first_name": self.first_name,
            "connected": self.token is not None,
            "webhook": self.webhook.url if self.webhook else None,
            "pending_updates": len(self.updates),
        }


class World:
    def __init__(self, rate_factor: float, files: FileStore) -> None:
        self.rate_factor = rate_factor
        self.files = files
        self.users: dict[int, User] = {}
        self.groups: dict[int, Group] = {}
        self.bots: dict[int, BotAccount] = {}
        self.tokens: dict[str, BotAccount] = {}
        self.names: dict[str, tuple[str, str]] = {}  # bot names set before the bot connected
        self.changed = Signal()
        self.closing = False
        self._seq = 0
        self._next_user_id = FIRST_USER_ID
        self._next_group_id = FIRST_GROUP_ID

    # ---- sequence and bots -------------------------------------------------------------
    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    @property
    def last_seq(self) -> int:
        return self._seq

    def bot_for_token(self, token: str) -> BotAccount:
        bot = self.tokens.get(token)
        if bot is not None:
            return bot
        bot_id = int(token.split(":", 1)[0])
        username, first_name = self.names.get(token, (f"bot{bot_id}_bot", "Bot"))
        existing = self.bots.get(bot_id)
        placeholder = self.bots.get(0)
        if existing is not None:
            # same bot id with a new token: the token was revoked and reissued
            existing.token = token
            bot = existing
        elif placeholder is not None and len(self.bots) == 1:
            bot = placeholder
            del self.bots[0]
            bot.id, bot.token = bot_id, token
            bot.username, bot.first_name = username, first_name
            for group in self.groups.values():
                if group.bot_id == 0:
                    group.bot_id = bot_id
            for conversation in bot.conversations.values():
                for message in conversation.messages.values():
                    if message.from_bot and message.sender_id == 0:
                        message.sender_id = bot_id
            self.bots[bot_id] = bot
        else:
            bot = BotAccount(self, bot_id, token, username, first_name)
            self.bots[bot_id] = bot
        self.tokens[token] = bot
        return bot

    def register(self, token: str, username: str, first_name: str) -> BotAccount:
        self.names[token] = (username, first_name)
        bot = self.bot_for_token(token)
        bot.username, bot.first_name = username, first_name
        return bot

    def default_bot(self) -> BotAccount:
        """The bot users talk to: the first connected one, or a placeholder until then."""
        for bot in self.bots.values():
            return bot
        placeholder = BotAccount(self, 0, None, "majlis_bot", "Majlis")
        self.bots[0] = placeholder
        return placeholder

    def bot(self, bot_id: int | None) -> BotAccount:
        if bot_id is None:
            return self.default_bot()
        bot = self.bots.get(bot_id)
        if bot is None:
            raise SandboxError(404, f"no bot with id {bot_id}")
        return bot

    # ---- users and groups ----------------------------------------------------------------
    def create_user(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "en",
        user_id: int | None = None,
    ) -> User:
        first_name = (first_name or "").strip()
        if not first_name or len(first_name) > 64:
            raise SandboxError(400, "first_name must have 1-64 characters")
        if user_id is None:
            while self._next_user_id in self.users or self._next_user_id in self.bots:
                self._next_user_id += 1
            user_id = self._next_user_id
            self._next_user_id += 1
        elif user_id <= 0 or user_id in self.users or user_id in self.bots:
            raise SandboxError(409, f"user id {user_id} is taken or invalid")
        if username:
            username = username.lstrip("@")
            if any(
                u.username and u.username.lower() == username.lower() for u in self.users.values()
            ):
                raise SandboxError(409, f"username @{username} is taken")
        user = User(user_id, first_name, last_name or None, username or None, language_code or "en")
        self.users[user_id] = user
        return user

    def user(self, user_id: int) -> User:
        user = self.users.get(user_id)
        if user is None:
            raise SandboxError(404, f"no user with id {user_id}")
        return user

    def create_group(self, title: str, member_ids: list[int], bot: BotAccount) -> Group:
        title = (title or "").strip()
        if not title or len(title) > 128:
            raise SandboxError(400, "title must have 1-128 characters")
        members = [self.user(member_id).id for member_id in dict.fromkeys(member_ids)]
        if not members:
            raise SandboxError(400, "a group needs at least one member")
        group = Group(self._next_group_id, title, members, bot.id, members[0])
        self._next_group_id -= 1
        self.groups[group.id] = group
        creator = self.users[group.creator_id]
        conversation = bot.conversation(group.id)
        now = int(time.time())
        bot.enqueue(
            "my_chat_member",
            {
                "chat": group.chat(),
                "from": creator.api(),
                "date": now,
                "old_chat_member": {"status": "left", "user": bot.user()},
                "new_chat_member": {"status": "member", "user": bot.user()},
            },
        )
        created = conversation.add(
            StoredMessage(
                chat_id=group.id,
                sender_id=creator.id,
                from_bot=False,
                date=now,
                service={"group_chat_created": True},
            )
        )
        bot.enqueue("message", self.api_message(bot, created))
        return group

    def chat_object(self, chat_id: int) -> dict[str, Any]:
        if chat_id < 0:
            return self.groups[chat_id].chat()
        return self.users[chat_id].chat()

    def chat_public(self, chat_id: int, bot: BotAccount) -> dict[str, Any]:
        if chat_id < 0:
            group = self.groups[chat_id]
            return {
                **group.chat(),
                "members": [self.users[m].public() for m in group.member_ids if m in self.users],
                "bot_id": group.bot_id,
            }
        return {**self.users[chat_id].chat(), "bot_id": bot.id}

    # ---- conversations seen from the user side ---------------------------------------------
    def user_conversation(
        self, chat_id: int, bot_id: int | None = None
    ) -> tuple[BotAccount, Conversation]:
        if chat_id < 0:
            group = self.groups.get(chat_id)
            if group is None:
                raise SandboxError(404, f"no chat with id {chat_id}")
            group_bot = self.bots.get(group.bot_id)
            if group_bot is None:
                raise SandboxError(409, f"the bot has left chat {chat_id}")
            return group_bot, group_bot.conversation(chat_id)
        self.user(chat_id)
        bot = self.bot(bot_id)
        return bot, bot.conversation(chat_id)

    def check_member(self, user: User, chat_id: int) -> None:
        if chat_id < 0:
            if user.id not in self.groups[chat_id].member_ids:
                raise SandboxError(403, f"user {user.id} is not a member of chat {chat_id}")
        elif chat_id != user.id:
            raise SandboxError(403, "a private chat can only be written to by its user")

    def user_send(
        self,
        user: User,
        chat_id: int,
        *,
        text: str | None = None,
        document: StoredFile | None = None,
        photo: StoredFile | None = None,
        caption: str | None = None,
        reply_to: int | None = None,
        bot_id: int | None = None,
    ) -> tuple[StoredMessage, int | None]:
        bot, conversation = self.user_conversation(chat_id, bot_id)
        self.check_member(user, chat_id)
        if document is None and photo is None:
            text = (text or "").strip()
            if not text:
                raise SandboxError(400, "text must not be empty")
            if len(text) > 4096:
                raise SandboxError(400, "text is longer than 4096 characters")
        if reply_to is not None and conversation.live(reply_to) is None:
            raise SandboxError(400, f"no message {reply_to} to reply to")
        message = StoredMessage(
            chat_id=chat_id,
            sender_id=user.id,
            from_bot=False,
            date=int(time.time()),
            reply_to=reply_to,
            document=document,
            photo=photo,
        )
        if text is not None and document is None and photo is None:
            message.text = text
            message.entities = detect_entities(text)
        elif caption:
            caption = caption.strip()[:1024]
            message.caption = caption
            message.caption_entities = detect_entities(caption)
        if chat_id > 0:
            user.blocked_bots.discard(bot.id)
        conversation.add(message)
        update_id = bot.enqueue("message", self.api_message(bot, message))
        return message, update_id

    def press(
        self,
        user: User,
        chat_id: int,
        message_id: int,
        callback_data: str,
        bot_id: int | None = None,
        *,
        forged: bool = False,
    ) -> CallbackQuery:
        """A press of a button under a bot message. ``forged`` sends data no button
        carries, as a modified client can: bots must not trust callback data."""
        bot, conversation = self.user_conversation(chat_id, bot_id)
        self.check_member(user, chat_id)
        message = conversation.live(message_id)
        if message is None or not message.from_bot:
            raise SandboxError(404, f"no bot message {message_id} in chat {chat_id}")
        buttons = [
            button
            for row in (message.reply_markup or {}).get("inline_keyboard", [])
            for button in row
        ]
        if not forged and not any(
            button.get("callback_data") == callback_data for button in buttons
        ):
            raise SandboxError(400, "the message has no button with this callback_data")
        query = CallbackQuery(
            id=str(secrets.randbits(62)),
            user_id=user.id,
            chat_id=chat_id,
            message_id=message_id,
            data=callback_data,
            created=time.monotonic(),
            chat_instance=str(abs(hash((bot.id, chat_id))) % 10**19),
        )
        bot.callbacks[query.id] = query
        bot.enqueue(
            "callback_query",
            {
                "id": query.id,
                "from": user.api(),
                "message": self.api_message(bot, message),
                "chat_instance": query.chat_instance,
                "data": callback_data,
            },
        )
        return query

    # ---- Bot API views ---------------------------------------------------------------------
    def sender(self, bot: BotAccount, message: StoredMessage) -> dict[str, Any]:
        if message.from_bot:
            return bot.user()
        user = self.users.get(message.sender_id)
        if user is None:
            return {"id": message.sender_id, "is_bot": False, "first_name": "Deleted Account"}
        return user.api()

    def api_message(
        self, bot: BotAccount, message: StoredMessage, *, with_reply: bool = True
    ) -> dict[str, Any]:
        result: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self.sender(bot, message),
            "chat": self.chat_object(message.chat_id),
            "date": message.date,
        }
        if message.edit_date is not None:
            result["edit_date"] = message.edit_date
        if with_reply and message.reply_to is not None:
            target = bot.conversation(message.chat_id).live(message.reply_to)
            if target is not None:
                result["reply_to_message"] = self.api_message(bot, target, with_reply=False)
        if message.text is not None:
            result["text"] = message.text
            if message.entities:
                result["entities"] = message.entities
        if message.document is not None:
            result["document"] = message.document.document()
        if message.photo is not None:
            result["photo"] = message.photo.photo_sizes()
        if message.caption:
            result["caption"] = message.caption
            if message.caption_entities:
                result["caption_entities"] = message.caption_entities
        if message.reply_markup is not None:
            result["reply_markup"] = message.reply_markup
        result.update(message.service)
        return result

    # ---- user API views --------------------------------------------------------------------
    def public_message(self, bot: BotAccount, message: StoredMessage) -> dict[str, Any]:
        sender = self.sender(bot, message)
        result: dict[str, Any] = {
            "seq": message.seq,
            "message_id": message.message_id,
            "chat_id": message.chat_id,
            "from": {k: sender.get(k) for k in ("id", "is_bot", "first_name", "username")},
            "from_bot": message.from_bot,
            "date": message.date,
            "edit_date": message.edit_date,
            "deleted": message.deleted,
            "text": message.text,
            "entities": message.entities,
            "caption": message.caption,
            "caption_entities": message.caption_entities,
            "reply_markup": message.reply_markup,
            "reply_to_message_id": message.reply_to,
            "document": None,
            "photo": None,
            "service": message.service or None,
        }
        if message.document is not None:
            result["document"] = {
                **message.document.document(),
                "url": f"/sandbox/api/files/{message.document.file_id}",
            }
        if message.photo is not None:
            result["photo"] = {
                **message.photo.photo_sizes()[0],
                "url": f"/sandbox/api/files/{message.photo.file_id}",
            }
        return result

    # ---- reset -----------------------------------------------------------------------------
    def reset(self) -> None:
        self.users.clear()
        self.groups.clear()
        self.files.clear()
        self._next_user_id = FIRST_USER_ID
        self._next_group_id = FIRST_GROUP_ID
        self.bots.pop(0, None)
        for bot in self.bots.values():
            bot.updates.clear()
            bot.conversations.clear()
            bot.callbacks.clear()
            bot.flood.reset()
            bot.signal.fire()
        self.changed.fire()

    def close(self) -> None:
        self.closing = True
        for bot in self.bots.values():
            bot.signal.fire()
            if bot.webhook and bot.webhook.task:
                bot.webhook.task.cancel()
        self.changed.fire()


def text_length(text: str) -> int:
    """Telegram's message length: Unicode code points."""
    return len(text)


__all__ = [
    "BotAccount",
    "CallbackQuery",
    "Conversation",
    "Group",
    "SandboxError",
    "Signal",
    "StoredMessage",
    "User",
    "Webhook",
    "World",
    "text_length",
    "utf16_len",
]
