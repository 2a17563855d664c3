"""Catalog maintenance: ``python -m locales extract`` and ``python -m locales check``.

``extract`` collects the marked messages from the code into ``messages.pot``
and merges them into each language's ``messages.po`` (English repeats the
source text; Arabic keeps its translations and lists new entries empty).
``check`` fails when a message lacks its Arabic translation, is fuzzy, or has
placeholders that differ from the source. Both are plain Babel underneath.
"""

import io
import re
import sys
from datetime import datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from locales import CATALOG_DIR, LANGUAGES

ROOT = CATALOG_DIR.parent
KEYWORDS = {"_": None, "N_": None, "n_": (1, 2), "gettext": None, "ngettext": (1, 2)}
SOURCES = ["bot/*.py", "bot/conversations/**.py", "bot/runtimes/**.py", "workflows/**.py"]
# Babel's built-in Arabic rule swaps CLDR's "many" (11-99) and "other" (100-102);
# this is the GNU/CLDR expression, with six forms.
ARABIC_PLURALS = "nplurals=6; plural=(n==0?0:n==1?1:n==2?2:n%100>=3&&n%100<=10?3:n%100>=11?4:5);"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def template() -> Catalog:
    catalog = Catalog(project="Majlis", copyright_holder="Majlis", fuzzy=False)
    method_map = [(pattern, "python") for pattern in SOURCES]
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS, comment_tags=("Translators:",)
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(language: str) -> Path:
    return CATALOG_DIR / language / "LC_MESSAGES" / "messages.po"


def load(language: str) -> Catalog:
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language, project="Majlis", fuzzy=False)
    with path.open("rb") as po_file:
        return read_po(po_file, locale=language)


def save(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, sort_by_file=True, ignore_obsolete=True)
    text = buffer.getvalue().decode()
    if catalog.locale and str(catalog.locale) == "ar":
        text = re.sub(r'"Plural-Forms: [^"]*"', f'"Plural-Forms: {ARABIC_PLURALS}\\\\n"', text)
    path.write_text(text, encoding="utf-8")


def extract() -> None:
    pot = template()
    save(pot, CATALOG_DIR / "messages.pot")
    for language in LANGUAGES:
        catalog = load(language)
        catalog.update(template(), no_fuzzy_matching=True)
        catalog.revision_date = datetime(2026, 1, 1)
        if language == "en":
            for message in catalog:
                if message.id and not message.string:
                    message.string = message.id
        save(catalog, po_path(language))


def problems(language: str = "ar") -> list[str]:
    """What keeps ``language`` from being complete, one line per message."""
    pot = template()
    catalog = load(language)
    found = []
    for message in pot:
        if not message.id:
            continue
        entry = catalog.get(message.id)
        source = message.id if isinstance(message.id, tuple) else (message.id,)
        if (
            entry is None
            or not entry.string
            or not all(entry.string if isinstance(entry.string, tuple) else (entry.string,))
        ):
            found.append(f"untranslated: {source[0]!r}")
            continue
        if entry.fuzzy:
            found.append(f"fuzzy: {source[0]!r}")
            continue
        wanted = set(PLACEHOLDER.findall(" ".join(source))) - {"count"}
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for string in strings:
            if set(PLACEHOLDER.findall(string)) - {"count"} != wanted:
                found.append(f"placeholders differ: {source[0]!r}")
                break
    return found


def main(argv: list[str]) -> int:
    if argv[:1] == ["extract"]:
        extract()
        print(f"catalogs updated under {CATALOG_DIR}")
        return 0
    if argv[:1] == ["check"]:
        missing = problems("ar")
        for line in missing:
            print(f"ar: {line}")
        print(f"{len(missing)} Arabic problems" if missing else "Arabic catalog complete")
        return 1 if missing else 0
    print("usage: python -m locales extract|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
