"""A local Telegram Bot API sandbox: chat with the bot without Telegram.

``Sandbox`` serves, on one port, a Bot API that aiogram and python-telegram-bot use
unchanged, a JSON user-side API under ``/sandbox/api/`` and a web chat page at ``/``.
"""

from .server import Sandbox

__all__ = ["Sandbox"]
