"""The conversations: one router per flow, grouped by feature, and what the forms share.

The features: ``membership/`` (applications, review, roles, the directory and its
import, honorary nominations, withdrawal, suspension), ``fees/`` (dues, payments, fee
periods, the Secretariat's fees), ``meetings/`` (sessions, motions, ballots, seats,
minutes) and ``outreach/`` (broadcasts). Shared here: ``start`` (/start, the language,
/help, the main menu and the fallback), ``forms`` (Back and Cancel, typed-input and file
checks), ``steps`` (what the nomination, withdrawal and suspension forms share), ``dates``
(one grammar for typed dates and times), ``countries`` (choosing a country with
buttons), ``pages`` (long lists paged within a message) and ``refusals`` (telling a
refusal: ``tell``, ``sentence``, ``explained``). ``ROUTERS`` lists every router the
engine takes (one command, button or step registered twice stops it at start) and
``FALLBACK`` answers what none handles. A conversation may import the bot's core modules
(``engine``, ``chat``, ``callbacks``, ``i18n``, ``reasons``, ``lengths``), the shared
modules here, its feature's workflows, ``workflows.platform``, ``workflows.charter`` and
``models``; never the runtimes, ``bot.app``, ``bot.cli`` or ``bot.platform``.
"""

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
