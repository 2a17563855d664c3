"""Flood control at Telegram's published rates.

Telegram lets a bot send about 30 messages per second overall, about one message
per second to one chat (tolerating short bursts) and 20 messages per minute to one
group. The first two are token buckets, the group limit a sliding minute; ``rate_factor`` multiplies every rate (and, when
it is above 1, every burst), 0 or infinity turns flood control off.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

GLOBAL_RATE = 30.0  # messages per second per bot
GLOBAL_BURST = 30.0
CHAT_RATE = 1.0  # messages per second per chat
CHAT_BURST = 3.0
GROUP_LIMIT = 20  # messages per group...
GROUP_WINDOW = 60.0  # ...in any minute


@dataclass
class TokenBucket:
    rate: float
    capacity: float
    tokens: float
    updated: float

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 when one is available now)."""
        self._refill(now)
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1.0


@dataclass
class SlidingWindow:
    """At most ``limit`` events in any ``window`` seconds."""

    limit: int
    window: float
    events: deque[float] = field(default_factory=deque)

    def wait_time(self, now: float) -> float:
        while self.events and self.events[0] <= now - self.window:
            self.events.popleft()
        if len(self.events) < self.limit:
            return 0.0
        return self.events[0] + self.window - now

    def take(self, now: float) -> None:
        self.events.append(now)


@dataclass
class FloodControl:
    rate_factor: float = 1.0
    clock: Callable[[], float] = time.monotonic
    _global: TokenBucket | None = None
    _chats: dict[int, TokenBucket] = field(default_factory=dict)
    _groups: dict[int, SlidingWindow] = field(default_factory=dict)
    #: Messages refused with 429 so far: what a bot that keeps to the limits never sees.
    refused: int = 0

    @property
    def enabled(self) -> bool:
        return self.rate_factor > 0 and math.isfinite(self.rate_factor)

    def _bucket(self, rate: float, burst: float, now: float) -> TokenBucket:
        capacity = burst * max(1.0, self.rate_factor)
        return TokenBucket(rate * self.rate_factor, capacity, capacity, now)

    def _group_window(self) -> SlidingWindow:
        if self.rate_factor >= 1:
            return SlidingWindow(round(GROUP_LIMIT * self.rate_factor), GROUP_WINDOW)
        return SlidingWindow(GROUP_LIMIT, GROUP_WINDOW / self.rate_factor)

    def check(self, chat_id: int, is_group: bool) -> int:
        """Count one message to ``chat_id``; 0 if allowed, else the seconds to wait."""
        if not self.enabled:
            return 0
        now = self.clock()
        if self._global is None:
            self._global = self._bucket(GLOBAL_RATE, GLOBAL_BURST, now)
        buckets: list[TokenBucket | SlidingWindow] = [self._global]
        if chat_id not in self._chats:
            self._chats[chat_id] = self._bucket(CHAT_RATE, CHAT_BURST, now)
        buckets.append(self._chats[chat_id])
        if is_group:
            if chat_id not in self._groups:
                self._groups[chat_id] = self._group_window()
            buckets.append(self._groups[chat_id])
        wait = max(bucket.wait_time(now) for bucket in buckets)
        if wait > 0:
            self.refused += 1
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.take(now)
        return 0

    def reset(self) -> None:
        self.refused = 0
        self._global = None
        self._chats.clear()
        self._groups.clear()
