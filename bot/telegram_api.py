"""A small synchronous Bot API client for the workers, and Telegram's rate limits.

Workers deliver one notification per job from plain threads; a blocking HTTP
client is the simplest correct thing there. The rate limiter lives in Redis so
that every sender (the workers and the bot, on every machine) shares one budget
per chat and per bot, on Redis's clock.
"""

import enum
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import redis
import redis.asyncio

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


#: Telegram's published limits (Bot FAQ): about 30 messages a second in all, one a
#: second in a chat with short bursts tolerated, twenty a minute in a group. Edits
#: count as messages; answering a button press (answerCallbackQuery) does not.
OVERALL_PER_SECOND = 30
PER_CHAT_PER_SECOND = 1
PER_GROUP_PER_MINUTE = 20


class Priority(enum.Enum):
    """Who waits for a message: the person in front of the screen, or nobody in particular."""

    INTERACTIVE = "interactive"
    BULK = "bulk"


@dataclass(frozen=True)
class Pacing:
    """How the shared budget is spent, in milliseconds.

    The overall and per-chat limits are paced (GCRA: each message moves a theoretical
    arrival time on by one interval), not counted in windows: a window admits its
    whole count at once and again the moment it slides, so the smallest delay of a
    request on its way makes two windows' worth arrive within one second, and
    Telegram answers 429. Paced messages leave Telegram's own bucket nearly full,
    whatever the jitter. A burst tolerance says how far ahead of the pace a caller may
    be admitted: bulk senders get little, so that an answer to a person can always
    step in front of them, at once, for a few messages.
    """

    overall_interval: float = 1000 / OVERALL_PER_SECOND
    overall_tolerance: dict[Priority, float] = field(
        default_factory=lambda: {Priority.BULK: 2 * 1000 / 30, Priority.INTERACTIVE: 300.0}
    )
    chat_interval: float = 1000 / PER_CHAT_PER_SECOND
    #: Two messages to a chat at once, then one a second: a reply and its follow-up
    #: are not held apart, and half a second of Telegram's burst is left for jitter.
    chat_tolerance: float = 1500.0
    group_count: int = PER_GROUP_PER_MINUTE
    #: A second beyond the minute, so that a request that travels slower than the one
    #: sent a minute before it still finds that one out of Telegram's window.
    group_window: float = 61_000.0

    def scaled(self, factor: float) -> "Pacing":
        """The same pacing for a Bot API whose limits are ``factor`` times Telegram's,
        as the local sandbox's are under ``MAJLIS_SANDBOX_RATE_FACTOR``: every interval
        and tolerance ``factor`` times shorter, a group's count ``factor`` times larger
        (or, below 1, its window longer), as the sandbox scales its own flood control."""
        if factor == 1:
            return self
        group = (
            {"group_count": max(1, round(self.group_count * factor))}
            if factor >= 1
            else {"group_window": self.group_window / factor}
        )
        return replace(
            self,
            overall_interval=self.overall_interval / factor,
            overall_tolerance={p: t / factor for p, t in self.overall_tolerance.items()},
            chat_interval=self.chat_interval / factor,
            chat_tolerance=self.chat_tolerance / factor,
            **group,
        )


PACING = Pacing()


@dataclass(frozen=True)
class Turn:
    """The limiter's answer: when the message may go, and whether that slot is held."""

    wait_ms: int
    reserved: bool


# One script for every key, so that all limits hold or none is charged. Time comes
# from Redis (or the caller, in tests), never from the calling machine, whose clock
# may be off from the other senders'. When the chat (and group) is free, a request
# whose overall turn comes within ``patience`` holds that turn (the caller sleeps
# until it, then sends); otherwise nothing is charged and the answer says how long
# to wait before asking again.
_RESERVE = """
local now = tonumber(ARGV[1])
if ARGV[1] == '' then
  local clock = redis.call('TIME')
  now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
end
local all_interval, all_tolerance = tonumber(ARGV[2]), tonumber(ARGV[3])
local chat_interval, chat_tolerance = tonumber(ARGV[4]), tonumber(ARGV[5])
local group_count, group_window = tonumber(ARGV[6]), tonumber(ARGV[7])
local patience, member = tonumber(ARGV[8]), ARGV[9]
local all_tat = tonumber(redis.call('GET', KEYS[1]) or now)
local chat_tat = tonumber(redis.call('GET', KEYS[2]) or now)
-- A chat or group that is not free now is waited for, not booked ahead: a turn held
-- far ahead in the overall pace would leave the turns before it unused.
local chat_at = chat_tat - chat_tolerance
if KEYS[3] then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - group_window)
  local recent = redis.call('ZCOUNT', KEYS[3], '(' .. (now - group_window), '+inf')
  if recent >= group_count then
    local nth = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. (now - group_window), '+inf',
      'WITHSCORES', 'LIMIT', recent - group_count, 1)
    chat_at = math.max(chat_at, tonumber(nth[2]) + group_window)
  end
end
if chat_at > now then
  return {0, tostring(chat_at - now)}
end
local at = math.max(now, all_tat - all_tolerance)
local wait = at - now
if wait > patience then
  return {0, tostring(wait)}
end
all_tat = math.max(all_tat, at) + all_interval
chat_tat = math.max(chat_tat, at) + chat_interval
redis.call('SET', KEYS[1], string.format('%.3f', all_tat), 'PX',
  math.ceil(all_tat - now + all_tolerance) + 1000)
redis.call('SET', KEYS[2], string.format('%.3f', chat_tat), 'PX',
  math.ceil(chat_tat - now + chat_tolerance) + 1000)
if KEYS[3] then
  redis.call('ZADD', KEYS[3], string.format('%.3f', at), member)
  redis.call('PEXPIRE', KEYS[3], math.ceil(at - now + group_window) + 1000)
end
return {1, tostring(wait)}
"""


class _Limits:
    """What both limiters share: the keys and arguments of one request."""

    def __init__(
        self,
        *,
        namespace: str,
        pacing: Pacing,
        clock: Callable[[], float] | None,
    ) -> None:
        self.namespace = namespace
        self.pacing = pacing
        #: Milliseconds, for tests only; otherwise Redis's clock decides.
        self.clock = clock

    def request(
        self, chat_id: int, priority: Priority, patience_ms: float
    ) -> tuple[list[str], list[Any]]:
        pacing = self.pacing
        keys = [f"{self.namespace}:all", f"{self.namespace}:chat:{chat_id}"]
        if chat_id < 0:
            keys.append(f"{self.namespace}:group:{chat_id}")
        args: list[Any] = [
            "" if self.clock is None else repr(float(self.clock())),
            repr(pacing.overall_interval),
            repr(pacing.overall_tolerance[priority]),
            repr(pacing.chat_interval),
            repr(pacing.chat_tolerance),
            pacing.group_count,
            repr(pacing.group_window),
            repr(float(patience_ms)),
            uuid.uuid4().hex,
        ]
        return keys, args

    @staticmethod
    def turn(answer: Any) -> Turn:
        reserved, wait = answer
        return Turn(wait_ms=max(0, math.ceil(float(wait))), reserved=bool(int(reserved)))


class RateLimiter(_Limits):
    """Telegram's limits, shared in Redis by every process that sends (blocking client).

    Every ``sendMessage``, ``sendDocument``, ``sendPhoto`` and ``editMessage*`` of
    Majlis, from the workers and from the bot, asks it first: Telegram counts them
    all against one budget per bot.
    """

    def __init__(
        self,
        client: redis.Redis,
        *,
        namespace: str = "majlis:rate",
        pacing: Pacing = PACING,
        clock: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(namespace=namespace, pacing=pacing, clock=clock)
        self.client = client
        self.script = client.register_script(_RESERVE)

    def reserve(
        self, chat_id: int, *, priority: Priority = Priority.BULK, patience_ms: float = 0
    ) -> Turn:
        """A turn to send to ``chat_id``: held when it comes within ``patience_ms``."""
        keys, args = self.request(chat_id, priority, patience_ms)
        return self.turn(self.script(keys=keys, args=args))


class AsyncRateLimiter(_Limits):
    """The same limiter for the bot's event loop."""

    def __init__(
        self,
        client: redis.asyncio.Redis,
        *,
        namespace: str = "majlis:rate",
        pacing: Pacing = PACING,
        clock: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(namespace=namespace, pacing=pacing, clock=clock)
        self.client = client
        self.script = client.register_script(_RESERVE)

    async def reserve(
        self, chat_id: int, *, priority: Priority = Priority.INTERACTIVE, patience_ms: float = 0
    ) -> Turn:
        keys, args = self.request(chat_id, priority, patience_ms)
        return self.turn(await self.script(keys=keys, args=args))
