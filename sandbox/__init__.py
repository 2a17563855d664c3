"""A local Telegram Bot API sandbox: chat with the bot without Telegram.

``Sandbox`` (``server``) serves, on one aiohttp port, a Bot API that aiogram and
python-telegram-bot use unchanged (``botapi``), a JSON user-side API under
``/sandbox/api/`` (``userapi``) and a web chat page at ``/`` (``static/``), over an
in-memory ``world`` of users, groups, bots, chats and updates; ``formatting`` applies
Telegram's HTML and MarkdownV2 rules, ``ratelimit`` its flood control, ``files`` keeps
uploads, ``client`` is an async client of the user-side API for tests and scripts, and
``python -m sandbox`` runs it alone. A tool of its own (``sandbox/README.md``, tests in
``tests/sandbox``): it imports the standard library and aiohttp, nothing of Majlis; of
Majlis, ``bot.app`` imports it for ``majlis run`` when no token is given, and the
broadcast conversation checks HTML with ``sandbox.formatting``.
"""

from .server import Sandbox

__all__ = ["Sandbox"]
