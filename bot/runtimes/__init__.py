"""The Telegram runtimes: aiogram (the default) and python-telegram-bot, by long polling or
by webhook.

``aiogram_runtime`` and ``ptb_runtime`` turn a library's updates into neutral
``ChatEvent`` values for the engine and send its replies; ``common`` is what both share
(sending replies through the shared rate limiter, polling that confirms a batch only once
handled); ``startup`` says in one line why the Bot API turned them away at start. They are
the only modules that import aiogram or python-telegram-bot; they may import the bot's
core (``engine``, ``chat``, ``telegram_api``) and ``workflows.platform.settings``, and
only ``bot.app`` imports them.
"""
