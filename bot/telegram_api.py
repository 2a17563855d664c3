"""A small synchronous Bot API client for the workers, and Telegram's rate limits.

Workers deliver one notification per job from plain threads; a blocking HTTP
client is the simplest correct thing there. The rate limiter lives in Redis so
that every worker, on every machine, shares one budget per chat and per bot.
"""

import time
from dataclasses import dataclass
from typing import Any

import httpx
import redis

from bot.chat import Keyboard


class ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description

    @property
    def permanent(self) -> bool:
        """Errors that no retry will mend: the chat is gone or the bot was blocked."""
        text = self.description.lower()
        return self.code in (403,) or "chat not found" in text or "user is deactivated" in text


class TooLarge(Exception):
    """A file is larger than the caller is willing to fetch."""


class FloodWait(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class BotApi:
    def __init__(self, token: str, api_url: str, *, timeout: float = 30.0) -> None:
        self.base = f"{api_url.rstrip('/')}/bot{token}"
        self.files = f"{api_url.rstrip('/')}/file/bot{token}"
        self.client = httpx.Client(timeout=timeout)

    def call(self, method: str, **params: Any) -> Any:
        payload = {name: value for name, value in params.items() if value is not None}
        response = self.client.post(f"{self.base}/{method}", json=payload)
        try:
            body = response.json()
        except ValueError:
            raise ApiError(response.status_code, response.text[:200]) from None
        if body.get("ok"):
            return body["result"]
        code = int(body.get("error_code", response.status_code))
        if code == 429:
            retry_after = (body.get("parameters") or {}).get("retry_after", 1)
            raise FloodWait(float(retry_after))
        raise ApiError(code, str(body.get("description", "")))

    def send_message(self, chat_id: int, text: str, buttons: Keyboard | None = None) -> int:
        result = self.call(
            "sendMessage",
            chat_id=chat_id,
            text=text,
            parse_mode="HTML",
            reply_markup=_markup(buttons),
        )
        return int(result["message_id"])

    def edit_message(
        self, chat_id: int, message_id: int, text: str, buttons: Keyboard | None = None
    ) -> int:
        """Replace a message's text and buttons; an unchanged edit counts as done."""
        try:
            self.call(
                "editMessageText",
                chat_id=chat_id,
                message_id=message_id,
                text=text,
                parse_mode="HTML",
                reply_markup=_markup(buttons) or {"inline_keyboard": []},
            )
        except ApiError as error:
            if "message is not modified" not in error.description:
                raise
        return message_id

    def send_file(self, chat_id: int, file_id: str, kind: str, caption: str) -> int:
        """Send a document or photo Telegram already holds, by its file_id."""
        method, field = ("sendPhoto", "photo") if kind == "photo" else ("sendDocument", "document")
        result = self.call(
            method, chat_id=chat_id, caption=caption[:1024], parse_mode="HTML", **{field: file_id}
        )
        return int(result["message_id"])

    def send_upload(
        self, chat_id: int, file_name: str, content: bytes, mime_type: str, caption: str
    ) -> int:
        """Send bytes as a new document."""
        response = self.client.post(
            f"{self.base}/sendDocument",
            data={"chat_id": str(chat_id), "caption": caption[:1024], "parse_mode": "HTML"},
            files={"document": (file_name, content, mime_type)},
        )
        body = response.json()
        if not body.get("ok"):
            raise ApiError(
                int(body.get("error_code", response.status_code)), body.get("description", "")
            )
        return int(body["result"]["message_id"])

    def download(self, file_id: str, *, max_bytes: int) -> bytes:
        """A file someone sent, fetched by ``getFile``; stops past ``max_bytes``."""
        found = self.call("getFile", file_id=file_id)
        if int(found.get("file_size") or 0) > max_bytes:
            raise TooLarge(file_id)
        path = found.get("file_path")
        if not path:
            raise ApiError(400, "the file has no download path")
        content = bytearray()
        with self.client.stream("GET", f"{self.files}/{path}") as response:
            if response.status_code != 200:
                raise ApiError(response.status_code, "the file cannot be downloaded")
            for chunk in response.iter_bytes():
                content += chunk
                if len(content) > max_bytes:
                    raise TooLarge(file_id)
        return bytes(content)

    def close(self) -> None:
        self.client.close()


def _markup(buttons: Keyboard | None) -> dict[str, Any] | None:
    if not buttons:
        return None
    return {
        "inline_keyboard": [
            [{"text": b.text, "callback_data": b.data} for b in row] for row in buttons
        ]
    }


@dataclass(frozen=True)
class Limit:
    count: int
    window_ms: int


#: Telegram's published limits: about 30 messages a second in all, one a second
#: in a chat, twenty a minute in a group.
OVERALL = Limit(30, 1000)
PER_CHAT = Limit(1, 1000)
PER_GROUP = Limit(20, 60_000)

# Sliding windows in sorted sets: all keys admit the message, or none records it
# and the answer is how many milliseconds until the fullest one has room.
_ACQUIRE = """
local now = tonumber(ARGV[1])
local member = ARGV[2]
local wait = 0
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[1 + 2 * i])
  local window = tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    local until_free = tonumber(oldest[2]) + window - now
    if until_free > wait then wait = until_free end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, tonumber(ARGV[2 + 2 * i]))
end
return 0
"""


class RateLimiter:
    def __init__(self, client: redis.Redis, *, namespace: str = "majlis:rate") -> None:
        self.client = client
        self.namespace = namespace
        self.script = client.register_script(_ACQUIRE)

    def acquire(self, chat_id: int) -> int:
        """0 when a message to ``chat_id`` may go now, else milliseconds to wait."""
        limits = [("all", OVERALL), (f"chat:{chat_id}", PER_CHAT)]
        if chat_id < 0:
            limits.append((f"group:{chat_id}", PER_GROUP))
        keys = [f"{self.namespace}:{name}" for name, _ in limits]
        argv: list[Any] = [int(time.time() * 1000), f"{time.time_ns()}"]
        for _, limit in limits:
            argv += [limit.count, limit.window_ms]
        return int(self.script(keys=keys, args=argv))
