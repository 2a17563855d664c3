"""Choosing a country with buttons: typed text searches, pages list the rest."""

import unicodedata
from dataclasses import dataclass
from functools import cache

from babel import Locale

from bot.callbacks import Callback
from bot.chat import Button, Keyboard

PAGE = 8
#: CLDR territory codes that are not countries.
NOT_COUNTRIES = {
    "EU",
    "EZ",
    "UN",
    "ZZ",
    "QO",
    "XA",
    "XB",
    "AQ",
    "BV",
    "HM",
    "UM",
    "CP",
    "DG",
    "EA",
    "IC",
    "TA",
    "AC",
}


@dataclass(frozen=True)
class PickCountry(Callback, prefix="ctry"):
    code: str


@dataclass(frozen=True)
class CountryPage(Callback, prefix="ctryp"):
    page: int


@cache
def names(language: str) -> dict[str, str]:
    territories = Locale.parse(language).territories
    return {
        code: str(name)
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    }


def fold(text: str) -> str:
    """Case, accents and Arabic diacritics folded away for matching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ـ", "")


def sort_key(name: str) -> str:
    """Arabic names are alphabetised without the article, as dictionaries do."""
    folded = fold(name)
    return folded[2:] if folded.startswith("ال") else folded


def search(query: str, language: str) -> list[str]:
    """Codes whose English or Arabic name contains ``query``, the reader's order."""
    needle = fold(query.strip())
    if not needle:
        return []
    found = [
        code
        for code in names("en")
        if needle in fold(names("en")[code])
        or needle in fold(names("ar").get(code, ""))
        or needle == code.casefold()
    ]
    return sorted(found, key=lambda code: sort_key(names(language)[code]))


def ordered(language: str) -> list[str]:
    return sorted(names(language), key=lambda code: sort_key(names(language)[code]))


def keyboard(codes: list[str], language: str) -> Keyboard:
    buttons = [Button(names(language)[code], PickCountry(code).pack()) for code in codes[:PAGE]]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def page(number: int, language: str) -> tuple[Keyboard, int]:
    """One page of the alphabetical list, with arrows; returns (rows, page count)."""
    codes = ordered(language)
    pages = (len(codes) + PAGE - 1) // PAGE
    number = max(0, min(number, pages - 1))
    rows = keyboard(codes[number * PAGE : (number + 1) * PAGE], language)
    arrows = []
    if number > 0:
        arrows.append(Button("‹", CountryPage(number - 1).pack()))
    arrows.append(Button(f"{number + 1}/{pages}", CountryPage(number).pack()))
    if number < pages - 1:
        arrows.append(Button("›", CountryPage(number + 1).pack()))
    return [*rows, arrows], pages


def is_country(code: str) -> bool:
    return code in names("en")
