"""The conversations, one module per flow, each with its own router."""

from bot.conversations import start
from bot.engine import Router

ROUTERS: list[Router] = [start.router]
FALLBACK = start.fallback
