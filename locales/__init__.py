"""Gettext catalogs of Majlis: ``messages.pot`` and one ``<lang>/LC_MESSAGES`` per language.

``CATALOG_DIR`` and ``LANGUAGES`` (English and Arabic) say where they are; ``__main__``
maintains them (``python -m locales extract`` and ``python -m locales check``). It imports
Babel and nothing of Majlis; ``bot.i18n`` reads the catalogs.
"""

from pathlib import Path

CATALOG_DIR = Path(__file__).resolve().parent
LANGUAGES = ("en", "ar")
