"""The conversations, one module per flow, each with its own router."""

from bot.conversations import (
    apply,
    broadcast,
    directory,
    fee_periods,
    fees,
    fees_admin,
    honorary,
    meetings,
    motion_form,
    payment_form,
    register_import,
    review,
    roles,
    seats_admin,
    session_form,
    start,
    steps,
    suspend,
    votes,
    withdraw,
)
from bot.engine import Router

ROUTERS: list[Router] = [
    start.router,
    apply.router,
    review.router,
    roles.router,
    directory.router,
    register_import.router,
    steps.router,
    honorary.router,
    withdraw.router,
    suspend.router,
    fees.router,
    fees_admin.router,
    fee_periods.router,
    payment_form.router,
    meetings.router,
    session_form.router,
    motion_form.router,
    votes.router,
    seats_admin.router,
    broadcast.router,
]
FALLBACK = start.fallback
