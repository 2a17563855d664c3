"""The bot side: Telegram Bot API methods over the sandbox's world."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from .files import MAX_DOWNLOAD, MAX_UPLOAD, StoredFile
from .formatting import EntityParseError, parse_text
from .world import (
    CALLBACK_QUERY_LIFETIME,
    BotAccount,
    Conversation,
    StoredMessage,
    Webhook,
    World,
)

if TYPE_CHECKING:
    from .server import Sandbox

TOKEN_RE = re.compile(r"^(\d{1,20}):[A-Za-z0-9_-]{35}$")
MAX_TEXT = 4096
MAX_CAPTION = 1024
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_OTHER_BUTTON_KINDS = (
    "url",
    "login_url",
    "web_app",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_COMMAND_NAME_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class BotApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def response(self) -> web.Response:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return web.json_response(body, status=self.code)


def bad_request(description: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {description}")


def forbidden(description: str) -> BotApiError:
    return BotApiError(403, f"Forbidden: {description}")


def conflict(description: str) -> BotApiError:
    return BotApiError(409, f"Conflict: {description}")


@dataclass
class Upload:
    filename: str
    content_type: str | None
    data: bytes


@dataclass
class Answer:
    """A result with Telegram's optional human-readable description."""

    result: Any
    description: str | None = None


class Params:
    """Method parameters however they were sent: query, JSON, form or multipart."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None or isinstance(value, Upload):
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dict | list):
            return json.dumps(value)
        return str(value)

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise bad_request(f'invalid value "{value}" for parameter "{name}"') from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, bool):
            return value
        if value is None:
            return False
        return str(value).strip().lower() in ("true", "1", "yes", "on")

    def json(self, name: str, what: str | None = None) -> Any:
        value = self.values.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {what or name} JSON object") from None
        return value

    def file(self, name: str) -> Upload | str | None:
        value = self.values.get(name)
        if isinstance(value, Upload) or value is None:
            return value
        text = str(value)
        if text.startswith("attach://"):
            attached = self.values.get(text[len("attach://") :])
            if not isinstance(attached, Upload):
                raise bad_request(f"file {text} not found in the request")
            return attached
        return text


async def read_params(request: web.Request) -> dict[str, Any]:
    values: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return values
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON encoded request body") from None
        if isinstance(body, dict):
            values.update(body)
    elif content_type.startswith("multipart/"):
        reader = await request.multipart()
        total = 0
        async for part in reader:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                data = await part.read(decode=False)
                total += len(data)
                if total > MAX_UPLOAD:
                    raise BotApiError(413, "Request Entity Too Large")
                values[part.name] = Upload(
                    part.filename, part.headers.get("Content-Type"), bytes(data)
                )
            else:
                values[part.name] = await part.text()
    else:
        form = await request.post()
        for key, value in form.items():
            values[key] = value if isinstance(value, str) else str(value)
    return values


Handler = Callable[["Context", Params], Awaitable[Any]]
HANDLERS: dict[str, Handler] = {}


def method(*names: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for name in names:
            HANDLERS[name.lower()] = handler
        return handler

    return register


@dataclass
class Context:
    sandbox: Sandbox
    world: World
    bot: BotAccount
    method: str


async def call(ctx: Context, params: Params) -> Any:
    handler = HANDLERS.get(ctx.method.lower())
    if handler is None:
        raise BotApiError(404, "Not Found")
    return await handler(ctx, params)


# ---- helpers ---------------------------------------------------------------------------------


def resolve_chat(ctx: Context, params: Params, *, for_sending: bool = True) -> Conversation:
    raw = params.text("chat_id")
    if raw is None or raw.strip() == "":
        raise bad_request("chat_id is empty")
    try:
        chat_id = int(raw.strip())
    except ValueError:
        raise bad_request("chat not found") from None
    world, bot = ctx.world, ctx.bot
    if chat_id < 0:
        group = world.groups.get(chat_id)
        if group is None:
            raise bad_request("chat not found")
        if group.bot_id != bot.id:
            raise forbidden("bot is not a member of the group chat")
        return bot.conversation(chat_id)
    if chat_id == bot.id or chat_id in world.bots:
        raise forbidden("bots can't send messages to bots")
    user = world.users.get(chat_id)
    if user is None:
        raise bad_request("chat not found")
    conversation = bot.conversations.get(chat_id)
    if conversation is None:
        if for_sending:
            raise forbidden("bot can't initiate conversation with a user")
        return bot.conversation(chat_id)
    if for_sending and bot.id in user.blocked_bots:
        raise forbidden("bot was blocked by the user")
    return conversation


def formatted(
    params: Params, text_name: str, mode_name: str, entities_name: str
) -> tuple[str, list[dict[str, Any]]]:
    text = params.text(text_name) or ""
    explicit = params.json(entities_name)
    if explicit is not None and not isinstance(explicit, list):
        raise bad_request(f'field "{entities_name}" must be an Array')
    try:
        return parse_text(text, params.text(mode_name), explicit)
    except EntityParseError as error:
        raise bad_request(f"can't parse entities: {error}") from None
    except ValueError:
        raise bad_request("unsupported parse_mode") from None


def _valid_url(url: str) -> bool:
    return re.match(r"^(https?|tg)://[^\s]+$", url) is not None


def validate_markup(params: Params) -> tuple[bool, dict[str, Any] | None]:
    """(given, markup): whether reply_markup was sent, and its normalized value."""
    raw = params.json("reply_markup", "reply keyboard markup")
    if raw is None:
        return False, None
    if not isinstance(raw, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        rows = raw["inline_keyboard"]
        if not isinstance(rows, list):
            raise bad_request('field "inline_keyboard" must be an Array')
        clean_rows: list[list[dict[str, Any]]] = []
        for row in rows:
            if not isinstance(row, list):
                raise bad_request('field "inline_keyboard" must be an Array of Arrays')
            clean_row: list[dict[str, Any]] = []
            for button in row:
                if not isinstance(button, dict):
                    raise bad_request(
                        "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
                    )
                text = button.get("text")
                if not isinstance(text, str):
                    raise bad_request(
                        'can\'t parse inline keyboard button: Field "text" must be of type String'
                    )
                if "callback_data" in button:
                    data = button["callback_data"]
                    if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                        raise bad_request("BUTTON_DATA_INVALID")
                elif isinstance(button.get("url"), str):
                    if not _valid_url(button["url"]):
                        raise bad_request(
                            f"inline keyboard button URL '{button['url']}' is invalid: "
                            "Wrong HTTP URL"
                        )
                elif not any(kind in button for kind in _OTHER_BUTTON_KINDS):
                    raise bad_request(
                        "can't parse inline keyboard button: Text buttons are unallowed in the "
                        "inline keyboard"
                    )
                if not text:
                    raise bad_request("text buttons are unallowed in the inline keyboard")
                clean_row.append(button)
            if clean_row:
                clean_rows.append(clean_row)
        return True, {"inline_keyboard": clean_rows}
    if "keyboard" in raw:
        rows = raw["keyboard"]
        if not isinstance(rows, list):
            raise bad_request('field "keyboard" must be an Array')
        keyboard: list[list[dict[str, Any]]] = []
        for row in rows:
            if not isinstance(row, list):
                raise bad_request('field "keyboard" must be an Array of Arrays')
            keyboard.append(
                [
                    {"text": button} if isinstance(button, str) else dict(button)
                    for button in row
                    if isinstance(button, str | dict)
                ]
            )
        return True, {**raw, "keyboard": keyboard}
    if raw.get("remove_keyboard") or raw.get("force_reply"):
        return True, raw
    raise bad_request("can't parse reply keyboard markup JSON object")


def apply_reply_keyboard(conversation: Conversation, markup: dict[str, Any] | None) -> None:
    if markup is None:
        return
    if "keyboard" in markup:
        conversation.reply_keyboard = markup
    elif markup.get("remove_keyboard"):
        conversation.reply_keyboard = None


def reply_target(params: Params, conversation: Conversation) -> int | None:
    reply = params.json("reply_parameters")
    message_id: int | None
    allow_missing = params.flag("allow_sending_without_reply")
    if isinstance(reply, dict):
        message_id = reply.get("message_id")
        allow_missing = allow_missing or bool(reply.get("allow_sending_without_reply"))
    else:
        message_id = params.integer("reply_to_message_id")
    if not message_id:
        return None
    if conversation.live(int(message_id)) is None:
        if allow_missing:
            return None
        raise bad_request("message to be replied not found")
    return int(message_id)


def flood_check(ctx: Context, conversation: Conversation) -> None:
    wait = ctx.bot.flood.check(conversation.chat_id, conversation.is_group)
    if wait:
        raise BotApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)


def inline_only(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    if markup is not None and "inline_keyboard" in markup:
        return markup
    return None


def message_for_edit(ctx: Context, params: Params) -> tuple[Conversation, StoredMessage]:
    if params.has("inline_message_id"):
        raise bad_request("message to edit not found")
    conversation = resolve_chat(ctx, params, for_sending=False)
    message_id = params.integer("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = conversation.live(message_id)
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return conversation, message


def not_modified() -> BotApiError:
    return bad_request(
        "message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message"
    )


def stored_input_file(ctx: Context, params: Params, kind: str) -> StoredFile:
    value = params.file(kind)
    if value is None or value == "":
        raise bad_request(f"there is no {kind} in the request")
    if isinstance(value, Upload):
        if not value.data:
            raise bad_request("file must be non-empty")
        try:
            return ctx.world.files.add(
                kind, value.data, file_name=value.filename, mime_type=value.content_type
            )
        except ValueError:
            raise bad_request("IMAGE_PROCESS_FAILED") from None
    if re.match(r"^https?://", value):
        raise bad_request("failed to get HTTP URL content")
    stored = ctx.world.files.get(value.strip())
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if stored.kind != kind:
        raise bad_request("type of file mismatch")
    return stored


# ---- getting updates -------------------------------------------------------------------------


@method("getMe")
async def get_me(ctx: Context, params: Params) -> Any:
    return ctx.bot.me()


@method("getUpdates")
async def get_updates(ctx: Context, params: Params) -> Any:
    bot = ctx.bot
    if bot.webhook is not None:
        raise conflict(
            "can't use getUpdates method while webhook is active; use deleteWebhook to delete "
            "the webhook first"
        )
    offset = params.integer("offset")
    limit = min(max(params.integer("limit", 100) or 100, 1), 100)
    timeout = min(max(params.integer("timeout", 0) or 0, 0), 60)
    allowed = params.json("allowed_updates")
    if isinstance(allowed, list):
        bot.allowed_updates = [str(kind) for kind in allowed] or None
    if offset is not None:
        bot.confirm(offset)
    bot.poll_generation += 1
    generation = bot.poll_generation
    bot.signal.fire()
    deadline = time.monotonic() + timeout
    while True:
        if bot.poll_generation != generation:
            raise conflict(
                "terminated by other getUpdates request; make sure that only one bot instance "
                "is running"
            )
        if bot.webhook is not None:
            raise conflict(
                "can't use getUpdates method while webhook is active; use deleteWebhook to "
                "delete the webhook first"
            )
        if bot.updates or ctx.world.closing:
            return bot.updates[:limit]
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return []
        await bot.signal.wait(remaining)


@method("setWebhook")
async def set_webhook(ctx: Context, params: Params) -> Any:
    bot = ctx.bot
    url = (params.text("url") or "").strip()
    if not url:
        return await delete_webhook(ctx, params)
    if not re.match(r"^https?://[^\s/?#]+", url):
        raise bad_request("bad webhook: invalid webhook URL specified")
    secret = params.text("secret_token")
    if secret is not None and secret != "" and not _SECRET_RE.match(secret):
        raise bad_request("secret token contains unallowed characters")
    allowed = params.json("allowed_updates")
    if isinstance(allowed, list):
        bot.allowed_updates = [str(kind) for kind in allowed] or None
    if params.flag("drop_pending_updates"):
        bot.updates.clear()
    same = bot.webhook is not None and bot.webhook.url == url
    hook = Webhook(
        url=url,
        secret_token=secret or None,
        max_connections=params.integer("max_connections", 40) or 40,
        ip_address=params.text("ip_address"),
    )
    ctx.sandbox.start_webhook(bot, hook)
    return Answer(True, "Webhook is already set" if same else "Webhook was set")


@method("deleteWebhook")
async def delete_webhook(ctx: Context, params: Params) -> Any:
    bot = ctx.bot
    if params.flag("drop_pending_updates"):
        bot.updates.clear()
    if bot.webhook is None:
        return Answer(True, "Webhook is already deleted")
    ctx.sandbox.stop_webhook(bot)
    return Answer(True, "Webhook was deleted")


@method("getWebhookInfo")
async def get_webhook_info(ctx: Context, params: Params) -> Any:
    bot = ctx.bot
    hook = bot.webhook
    info: dict[str, Any] = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(bot.updates),
    }
    if hook is not None:
        info["max_connections"] = hook.max_connections
        if hook.ip_address:
            info["ip_address"] = hook.ip_address
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
        if bot.allowed_updates:
            info["allowed_updates"] = bot.allowed_updates
    return info


# ---- sending and editing ---------------------------------------------------------------------


@method("sendMessage")
async def send_message(ctx: Context, params: Params) -> Any:
    conversation = resolve_chat(ctx, params)
    text, entities = formatted(params, "text", "parse_mode", "entities")
    if not text:
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    _, markup = validate_markup(params)
    reply_to = reply_target(params, conversation)
    flood_check(ctx, conversation)
    message = StoredMessage(
        chat_id=conversation.chat_id,
        sender_id=ctx.bot.id,
        from_bot=True,
        date=int(time.time()),
        text=text,
        entities=entities,
        reply_markup=inline_only(markup),
        reply_to=reply_to,
    )
    apply_reply_keyboard(conversation, markup)
    conversation.add(message)
    return ctx.world.api_message(ctx.bot, message)


async def _send_file(ctx: Context, params: Params, kind: str) -> Any:
    conversation = resolve_chat(ctx, params)
    caption, caption_entities = formatted(params, "caption", "parse_mode", "caption_entities")
    if len(caption) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    _, markup = validate_markup(params)
    reply_to = reply_target(params, conversation)
    stored = stored_input_file(ctx, params, kind)
    flood_check(ctx, conversation)
    message = StoredMessage(
        chat_id=conversation.chat_id,
        sender_id=ctx.bot.id,
        from_bot=True,
        date=int(time.time()),
        caption=caption or None,
        caption_entities=caption_entities,
        reply_markup=inline_only(markup),
        reply_to=reply_to,
    )
    if kind == "photo":
        message.photo = stored
    else:
        message.document = stored
    apply_reply_keyboard(conversation, markup)
    conversation.add(message)
    return ctx.world.api_message(ctx.bot, message)


@method("sendDocument")
async def send_document(ctx: Context, params: Params) -> Any:
    return await _send_file(ctx, params, "document")


@method("sendPhoto")
async def send_photo(ctx: Context, params: Params) -> Any:
    return await _send_file(ctx, params, "photo")


@method("editMessageText")
async def edit_message_text(ctx: Context, params: Params) -> Any:
    conversation, message = message_for_edit(ctx, params)
    text, entities = formatted(params, "text", "parse_mode", "entities")
    if not text:
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    _, markup = validate_markup(params)
    markup = inline_only(markup)
    if text == message.text and entities == message.entities and markup == message.reply_markup:
        raise not_modified()
    flood_check(ctx, conversation)
    message.text, message.entities, message.reply_markup = text, entities, markup
    message.edit_date = int(time.time())
    conversation.touch(message)
    return ctx.world.api_message(ctx.bot, message)


@method("editMessageCaption")
async def edit_message_caption(ctx: Context, params: Params) -> Any:
    conversation, message = message_for_edit(ctx, params)
    if message.document is None and message.photo is None:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = formatted(params, "caption", "parse_mode", "caption_entities")
    if len(caption) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    _, markup = validate_markup(params)
    markup = inline_only(markup)
    if (
        (caption or None) == message.caption
        and entities == message.caption_entities
        and markup == message.reply_markup
    ):
        raise not_modified()
    flood_check(ctx, conversation)
    message.caption, message.caption_entities, message.reply_markup = (
        caption or None,
        entities,
        markup,
    )
    message.edit_date = int(time.time())
    conversation.touch(message)
    return ctx.world.api_message(ctx.bot, message)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(ctx: Context, params: Params) -> Any:
    conversation, message = message_for_edit(ctx, params)
    _, markup = validate_markup(params)
    markup = inline_only(markup)
    if markup == message.reply_markup:
        raise not_modified()
    flood_check(ctx, conversation)
    message.reply_markup = markup
    message.edit_date = int(time.time())
    conversation.touch(message)
    return ctx.world.api_message(ctx.bot, message)


def _delete(ctx: Context, conversation: Conversation, message_id: int) -> None:
    message = conversation.live(message_id)
    if message is None:
        raise bad_request("message to delete not found")
    if conversation.is_group and not message.from_bot:
        raise bad_request("message can't be deleted")
    message.deleted = True
    conversation.touch(message)


@method("deleteMessage")
async def delete_message(ctx: Context, params: Params) -> Any:
    conversation = resolve_chat(ctx, params, for_sending=False)
    message_id = params.integer("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    _delete(ctx, conversation, message_id)
    return True


@method("deleteMessages")
async def delete_messages(ctx: Context, params: Params) -> Any:
    conversation = resolve_chat(ctx, params, for_sending=False)
    ids = params.json("message_ids")
    if not isinstance(ids, list) or not ids:
        raise bad_request("message identifiers are not specified")
    for message_id in ids:
        if conversation.live(int(message_id)) is not None:
            _delete(ctx, conversation, int(message_id))
    return True


@method("answerCallbackQuery")
async def answer_callback_query(ctx: Context, params: Params) -> Any:
    query_id = params.text("callback_query_id") or ""
    query = ctx.bot.callbacks.get(query_id)
    too_old = bad_request("query is too old and response timeout expired or query ID is invalid")
    if query is None or query.answered:
        raise too_old
    if time.monotonic() - query.created > CALLBACK_QUERY_LIFETIME:
        raise too_old
    text = params.text("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answered = True
    query.answer = {
        "text": text or None,
        "show_alert": params.flag("show_alert"),
        "url": params.text("url"),
        "cache_time": params.integer("cache_time", 0),
    }
    ctx.world.changed.fire()
    return True


@method("sendChatAction")
async def send_chat_action(ctx: Context, params: Params) -> Any:
    conversation = resolve_chat(ctx, params)
    action = params.text("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    conversation.action = action
    conversation.action_until = time.monotonic() + 5.0
    ctx.world.changed.fire()
    return True


# ---- files -----------------------------------------------------------------------------------


@method("getFile")
async def get_file(ctx: Context, params: Params) -> Any:
    file_id = (params.text("file_id") or "").strip()
    if not file_id:
        raise bad_request("file_id is empty")
    stored = ctx.world.files.get(file_id)
    if stored is None:
        raise bad_request("wrong file_id or the file is temporarily unavailable")
    if stored.size > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return stored.file()


# ---- commands and bot settings ---------------------------------------------------------------


def _scope_key(params: Params) -> tuple[str, str]:
    scope = params.json("scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    language = params.text("language_code") or ""
    if language and not re.match(r"^[a-z]{2}$", language):
        raise bad_request("invalid language code specified")
    return json.dumps(scope, sort_keys=True), language


@method("setMyCommands")
async def set_my_commands(ctx: Context, params: Params) -> Any:
    commands = params.json("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    clean: list[dict[str, Any]] = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand JSON object")
        name = str(command.get("command", "")).lstrip("/")
        description = str(command.get("description", ""))
        if not _COMMAND_NAME_RE.match(name.lower()):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("command description must be 1-256 characters long")
        clean.append({"command": name.lower(), "description": description})
    ctx.bot.commands[_scope_key(params)] = clean
    ctx.world.changed.fire()
    return True


@method("getMyCommands")
async def get_my_commands(ctx: Context, params: Params) -> Any:
    return ctx.bot.commands.get(_scope_key(params), [])


@method("deleteMyCommands")
async def delete_my_commands(ctx: Context, params: Params) -> Any:
    ctx.bot.commands.pop(_scope_key(params), None)
    return True


@method("setChatMenuButton")
async def set_chat_menu_button(ctx: Context, params: Params) -> Any:
    button = params.json("menu_button") or {"type": "default"}
    ctx.bot.settings["menu_button"] = button
    return True


@method("getChatMenuButton")
async def get_chat_menu_button(ctx: Context, params: Params) -> Any:
    return ctx.bot.settings.get("menu_button", {"type": "default"})


def _setting(name: str, field: str) -> tuple[Handler, Handler]:
    async def setter(ctx: Context, params: Params) -> Any:
        language = params.text("language_code") or ""
        ctx.bot.settings[(name, language)] = params.text(field) or ""
        return True

    async def getter(ctx: Context, params: Params) -> Any:
        language = params.text("language_code") or ""
        value = ctx.bot.settings.get((name, language))
        if value is None and name == "name":
            value = ctx.bot.first_name
        return {field: value or ""}

    return setter, getter


for _name, _field in (
    ("name", "name"),
    ("description", "description"),
    ("short_description", "short_description"),
):
    _set, _get = _setting(_name, _field)
    pascal = "".join(part.capitalize() for part in _name.split("_"))
    method(f"setMy{pascal}")(_set)
    method(f"getMy{pascal}")(_get)


@method(
    "close",
    "logOut",
    "pinChatMessage",
    "unpinChatMessage",
    "unpinAllChatMessages",
    "setMessageReaction",
    "setMyDefaultAdministratorRights",
)
async def harmless(ctx: Context, params: Params) -> Any:
    return True


# ---- chats -----------------------------------------------------------------------------------


@method("getChat")
async def get_chat(ctx: Context, params: Params) -> Any:
    conversation = resolve_chat(ctx, params, for_sending=False)
    chat = ctx.world.chat_object(conversation.chat_id)
    return {
        **chat,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


def _member(ctx: Context, chat_id: int, user_id: int) -> dict[str, Any]:
    world, bot = ctx.world, ctx.bot
    if user_id == bot.id:
        return {"status": "member", "user": bot.user()}
    user = world.users.get(user_id)
    if user is None:
        raise bad_request("user not found")
    if chat_id > 0:
        if user_id != chat_id:
            raise bad_request("user not found")
        return {"status": "member", "user": user.api()}
    group = world.groups[chat_id]
    if user_id == group.creator_id:
        return {"status": "creator", "user": user.api(), "is_anonymous": False}
    if user_id in group.member_ids:
        return {"status": "member", "user": user.api()}
    return {"status": "left", "user": user.api()}


@method("getChatMember")
async def get_chat_member(ctx: Context, params: Params) -> Any:
    conversation = resolve_chat(ctx, params, for_sending=False)
    user_id = params.integer("user_id")
    if user_id is None:
        raise bad_request("user_id is empty")
    return _member(ctx, conversation.chat_id, user_id)


@method("getChatMemberCount", "getChatMembersCount")
async def get_chat_member_count(ctx: Context, params: Params) -> Any:
    conversation = resolve_chat(ctx, params, for_sending=False)
    if conversation.is_group:
        return len(ctx.world.groups[conversation.chat_id].member_ids) + 1
    return 2


@method("getChatAdministrators")
async def get_chat_administrators(ctx: Context, params: Params) -> Any:
    conversation = resolve_chat(ctx, params, for_sending=False)
    if not conversation.is_group:
        raise bad_request("there are no administrators in the private chat")
    group = ctx.world.groups[conversation.chat_id]
    return [_member(ctx, group.id, group.creator_id)] if group.creator_id in ctx.world.users else []


@method("leaveChat")
async def leave_chat(ctx: Context, params: Params) -> Any:
    conversation = resolve_chat(ctx, params, for_sending=False)
    if not conversation.is_group:
        raise bad_request("chat member status can't be changed in private chats")
    group = ctx.world.groups[conversation.chat_id]
    group.bot_id = -1
    ctx.world.changed.fire()
    return True
