"""The Telegram runtimes: aiogram (the default) and python-telegram-bot."""
