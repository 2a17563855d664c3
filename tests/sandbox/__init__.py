"""The sandbox's own tests: the Bot API as aiogram (``test_aiogram``) and python-telegram-bot
(``test_ptb``) see it, webhooks, flood control, formatting, the user-side API and the web
chat page in headless Chromium (``test_page``). They import ``sandbox`` only (and the
Telegram libraries it stands in for); ``python -m pytest tests/sandbox``.
"""
