"""The conversations, one module per flow, each with its own router."""

from bot.conversations import apply, directory, review, roles, start
from bot.engine import Router

ROUTERS: list[Router] = [
    start.router,
    apply.router,
    review.router,
    roles.router,
    directory.router,
]
FALLBACK = start.fallback
