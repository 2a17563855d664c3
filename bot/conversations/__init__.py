"""The conversations, one module per flow, each with its own router."""

from bot.conversations import (
    apply,
    directory,
    meetings,
    motion_form,
    review,
    roles,
    seats_admin,
    session_form,
    start,
    votes,
)
from bot.engine import Router

ROUTERS: list[Router] = [
    start.router,
    apply.router,
    review.router,
    roles.router,
    directory.router,
    meetings.router,
    session_form.router,
    motion_form.router,
    votes.router,
    seats_admin.router,
]
FALLBACK = start.fallback
