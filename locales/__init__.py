"""Gettext catalogs of Majlis: ``messages.pot`` and one ``<lang>/LC_MESSAGES`` per language."""

from pathlib import Path

CATALOG_DIR = Path(__file__).resolve().parent
LANGUAGES = ("en", "ar")
