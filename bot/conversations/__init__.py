"""The conversations, one module per flow, each with its own router."""

from bot.conversations import start, steps
from bot.conversations.fees import dues, fee_periods, fees_admin, payment_form
from bot.conversations.meetings import (
    choices,
    home,
    motion_form,
    seats_admin,
    session_form,
    votes,
)
from bot.conversations.membership import (
    apply,
    directory,
    honorary,
    register_import,
    review,
    roles,
    suspend,
    withdraw,
)
from bot.conversations.outreach import broadcast
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
    dues.router,
    fees_admin.router,
    fee_periods.router,
    payment_form.router,
    home.router,
    session_form.router,
    motion_form.router,
    votes.router,
    choices.router,
    seats_admin.router,
    broadcast.router,
]
FALLBACK = start.fallback
