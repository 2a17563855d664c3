"""Arguments of stored messages: JSON that keeps dates, times, amounts and nested
messages typed, so that a notification renders the same whenever it is sent.

Amounts of money are the charter's exact ``Money`` (a ``Decimal`` and an ISO 4217
code); the reader sees them with Babel's currency formatting in their language."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from workflows.charter.money import Money

__all__ = [
    "N_",
    "Country",
    "Markup",
    "Message",
    "Money",
    "Name",
    "Texts",
    "decode",
    "encode",
    "message",
    "n_",
]


def N_(text: str) -> str:
    """Mark ``text`` as a message key for extraction; it is translated when rendered."""
    return text


def n_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a plural pair for extraction: stored as a key and its plural key, rendered
    with the reader's plural rule for ``count`` among the arguments (Arabic has six)."""
    return singular, plural


@dataclass(frozen=True)
class Message:
    """A message key with its arguments, rendered in the reader's language when sent."""

    key: str
    args: dict[str, Any] = field(default_factory=dict)
    plural: str | None = None


@dataclass(frozen=True)
class Country:
    """An ISO 3166 country code, named in the reader's language when rendered."""

    code: str


@dataclass(frozen=True)
class Texts:
    """What staff wrote in both working languages (Art. 3): each reader sees their own,
    or the other while theirs is not written yet."""

    en: str
    ar: str

    def in_(self, language: str) -> str:
        own, other = (self.ar, self.en) if language == "ar" else (self.en, self.ar)
        return own or other


@dataclass(frozen=True)
class Markup:
    """Telegram HTML that staff wrote and Majlis checked before keeping it (a
    broadcast): shown as written, its bold and links kept."""

    html: str


@dataclass(frozen=True)
class Name:
    """A name kept in both working languages (Art. 3): Arabic readers see ``ar`` when
    there is one, everyone else ``en``."""

    en: str
    ar: str = ""

    @classmethod
    def of(cls, thing: Any) -> "Name":
        """The name of anything with ``name_en`` and ``name_ar`` (a member, an application)."""
        return cls(getattr(thing, "name_en", None) or "", getattr(thing, "name_ar", None) or "")

    def for_language(self, language: str) -> str:
        return self.ar if language == "ar" and self.ar else self.en


def message(key: str, plural: str | None = None, /, **args: Any) -> Message:
    return Message(key=key, args=args, plural=plural)


def encode(args: dict[str, Any]) -> dict[str, Any]:
    return {name: _encode(value) for name, value in args.items()}


def decode(args: dict[str, Any]) -> dict[str, Any]:
    return {name: _decode(value) for name, value in args.items()}


def _encode(value: Any) -> Any:
    if isinstance(value, Country):
        return {"$country": value.code}
    if isinstance(value, Texts):
        return {"$texts": {"en": value.en, "ar": value.ar}}
    if isinstance(value, Markup):
        return {"$markup": value.html}
    if isinstance(value, Name):
        return {"$name": {"en": value.en, "ar": value.ar}}
    if isinstance(value, Money):
        return {"$money": {"amount": str(value.amount), "currency": value.currency}}
    if isinstance(value, Message):
        return {"$message": {"key": value.key, "plural": value.plural, "args": encode(value.args)}}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        if tag == "$message":
            return Message(key=raw["key"], args=decode(raw["args"]), plural=raw.get("plural"))
        if tag == "$money":
            return Money(Decimal(raw["amount"]), raw["currency"])
        if tag == "$texts":
            return Texts(raw["en"], raw["ar"])
        if tag == "$country":
            return Country(raw)
        if tag == "$markup":
            return Markup(raw)
        if tag == "$name":
            return Name(raw["en"], raw.get("ar", ""))
        if tag == "$datetime":
            return datetime.fromisoformat(raw)
        if tag == "$date":
            return date.fromisoformat(raw)
        if tag == "$decimal":
            return Decimal(raw)
    return value
