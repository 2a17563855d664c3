"""Amounts of money: exact decimals in an ISO 4217 currency, and reading what people type.

Fees (Art. 18) are fixed by the Council in a currency; members report what
they paid by typing it, in Latin or Arabic-Indic digits, with whatever
separators their language uses. ``parse_amount`` accepts all the common ways
of writing a number and refuses, with ``InvalidAmount`` and a reason key,
anything it would have to guess.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from workflows.charter.errors import AmountProblem, InvalidAmount

# How many digits a currency has after the point is CLDR's data, which the
# charter's rules do not carry (they import the standard library only): the
# workflows register Babel's lookup at import (``workflows.fees.currencies``).
_precision: Callable[[str], int] | None = None


def use_currency_precision(lookup: Callable[[str], int]) -> None:
    """Register where the digits of a currency come from (CLDR, through Babel)."""
    global _precision
    _precision = lookup


_CURRENCY_CODE = re.compile(r"[A-Z]{3}")

# Far above any fee, low enough to catch a pasted phone number. Rials and
# similar currencies run to billions, so the default is generous; callers set
# a tighter ``maximum`` per currency.
DEFAULT_MAXIMUM_AMOUNT = Decimal(10) ** 12

# More digits than this before the point is not a fee, whatever the maximum.
_MAX_INTEGER_DIGITS = 18
_MAX_TEXT_LENGTH = 64


def currency_code(code: str) -> str:
    """An ISO 4217 code, upper case; ``ValueError`` for anything else."""
    normal = code.strip().upper()
    if not _CURRENCY_CODE.fullmatch(normal):
        raise ValueError(f"not an ISO 4217 currency code: {code!r}")
    return normal


def minor_units(currency: str) -> int:
    """How many digits follow the decimal point in ``currency``, as CLDR says."""
    if _precision is None:
        raise RuntimeError("no currency data registered; import workflows.fees.currencies")
    return _precision(currency_code(currency))


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency; never a float."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        code = currency_code(self.currency)
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise ValueError(f"amount must be a finite Decimal, got {self.amount!r}")
        unit = Decimal(1).scaleb(-minor_units(code))
        if self.amount != self.amount.quantize(unit):
            raise ValueError(f"{self.amount} has more decimals than {code} allows")
        object.__setattr__(self, "currency", code)
        object.__setattr__(self, "amount", self.amount.quantize(unit))

    @classmethod
    def zero(cls, currency: str) -> "Money":
        return cls(Decimal(0), currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> "Money":
        """From integer minor units (cents, fils), as stored in a column."""
        return cls(Decimal(minor).scaleb(-minor_units(currency)), currency)

    @property
    def minor(self) -> int:
        """In integer minor units, for storage: exact, and sortable by the database."""
        return int(self.amount.scaleb(minor_units(self.currency)))

    def _same_currency(self, other: "Money") -> None:
        if other.currency != self.currency:
            raise InvalidAmount(
                reason=AmountProblem.CURRENCY_MISMATCH, text=f"{self.currency}/{other.currency}"
            )

    def __add__(self, other: "Money") -> "Money":
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


# Marks a right-to-left keyboard or a copy from a web page slips in.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200e\u200f\u061c\u200b\u200c\u200d\u2066\u2067\u2068\u2069\ufeff"), None
) | dict.fromkeys(range(0x202A, 0x202F), None)
_MINUS = "-\u2212\u2012\u2013\u2010\ufe63\uff0d"
_DECIMAL = "D"  # U+066B ARABIC DECIMAL SEPARATOR: never anything else
_GROUP = "G"  # U+066C ARABIC THOUSANDS SEPARATOR: never anything else
_SPACE = "S"  # any space or apostrophe: only ever grouping (1 500, 1'500)


def _refuse(problem: AmountProblem, text: str) -> InvalidAmount:
    return InvalidAmount(reason=problem, text=text)


def _tokens(body: str, text: str) -> str:
    """Digits as ASCII and each separator as one symbol: 0-9 , . D G S."""
    out = []
    for char in body:
        if unicodedata.category(char) == "Nd":
            out.append(str(unicodedata.digit(char)))
        elif char in ",\u060c":  # Latin and Arabic comma read alike
            out.append(",")
        elif char == ".":
            out.append(".")
        elif char == "\u066b":
            out.append(_DECIMAL)
        elif char == "\u066c":
            out.append(_GROUP)
        elif char.isspace() or char in "'\u2019":
            out.append(_SPACE)
        else:
            raise _refuse(AmountProblem.NOT_A_NUMBER, text)
    return "".join(out)


def _decimal_mark(tokens: str, *, three_decimals: bool, text: str) -> str | None:
    """Which separator, if any, is the decimal point."""
    if _DECIMAL in tokens:
        return _DECIMAL
    marks = [mark for mark in ",." if mark in tokens]
    if len(marks) == 2:  # 1.500,50 or 1,500.50: the later one is the decimal point
        return max(marks, key=tokens.rindex)
    if not marks:
        return None
    mark = marks[0]
    if tokens.count(mark) > 1:  # 1,500,000: only grouping repeats
        return None
    if _GROUP in tokens or _SPACE in tokens:  # 1 500,5: grouping is already taken
        return mark
    whole, fraction = tokens.split(mark)
    if len(fraction) == 3 and len(whole) <= 3:
        # 1,500 is fifteen hundred; in a three-decimal currency 1.500 may
        # equally be one and a half dinars, and guessing would be wrong half the time.
        if three_decimals:
            raise _refuse(AmountProblem.AMBIGUOUS, text)
        return None
    return mark


def _valid_grouping(groups: list[str]) -> bool:
    """1,500,000 (threes) or 15,00,000 (Indian lakhs): the last group has three digits."""
    if len(groups) == 1:
        return bool(groups[0])
    first, *middle, last = groups
    return 1 <= len(first) <= 3 and all(len(g) in (2, 3) for g in middle) and len(last) == 3


def parse_amount(
    text: str,
    *,
    currency: str | None = None,
    maximum: Decimal | int = DEFAULT_MAXIMUM_AMOUNT,
) -> Decimal:
    """A positive amount of money from what a person typed (Art. 18 payments).

    Accepts Latin, Arabic-Indic (١٥٠٠) and Persian (۱۵۰۰) digits; the Arabic
    separators ٬ and ٫; grouping by commas, dots, spaces or apostrophes, in
    threes or Indian style; "1,500.50" and "1.500,50"; a leading or trailing
    minus (right-to-left typing); and the expected currency code ("1500 USD").
    With ``currency``, the result has that currency's decimals.

    Raises ``InvalidAmount`` with: ``not_a_number``, ``negative``, ``zero``,
    ``absurd`` (above ``maximum``), ``ambiguous`` (see ``_decimal_mark``),
    ``too_precise`` (more decimals than the currency has),
    ``currency_mismatch`` (another currency's code).
    """
    code = currency_code(currency) if currency is not None else None
    body = text.translate(_INVISIBLE).strip()
    if not body or len(body) > _MAX_TEXT_LENGTH:
        raise _refuse(AmountProblem.NOT_A_NUMBER, text)

    written_code = re.fullmatch(r"([A-Za-z]{3})?\s*(.*?)\s*([A-Za-z]{3})?", body, re.DOTALL)
    assert written_code is not None  # the pattern matches any string
    codes = {c.upper() for c in written_code.group(1, 3) if c}
    if codes and not written_code.group(2):  # "abc" is a word, not a currency
        raise _refuse(AmountProblem.NOT_A_NUMBER, text)
    if codes:
        if code is None or len(codes) > 1 or codes != {code}:
            problem = AmountProblem.CURRENCY_MISMATCH if code else AmountProblem.NOT_A_NUMBER
            raise _refuse(problem, text)
        body = written_code.group(2)

    negative = False
    if body[:1] in _MINUS or body[-1:] in _MINUS:
        negative = True
        body = body[1:] if body[:1] in _MINUS else body[:-1]
    elif body[:1] == "+":
        body = body[1:]
    body = body.strip()

    tokens = _tokens(body, text)
    if tokens[-1:] in (".", ",", _DECIMAL):  # "1500." is just 1500
        tokens = tokens[:-1]
    if not tokens or not tokens[0].isdigit() or not tokens[-1].isdigit():
        raise _refuse(AmountProblem.NOT_A_NUMBER, text)
    if re.search(r"[^0-9][^0-9]", tokens):
        raise _refuse(AmountProblem.NOT_A_NUMBER, text)

    # Without a currency, allow up to three decimals (the most any fee
    # currency has) and read a lone separator before three digits as grouping.
    decimals = minor_units(code) if code else 3
    mark = _decimal_mark(tokens, three_decimals=code is not None and decimals == 3, text=text)
    whole, _, fraction = tokens.partition(mark) if mark else (tokens, "", "")
    if mark and not fraction.isdigit():
        raise _refuse(AmountProblem.NOT_A_NUMBER, text)
    group_marks = set(re.sub(r"[0-9]", "", whole))
    if len(group_marks) > 1:
        raise _refuse(AmountProblem.NOT_A_NUMBER, text)
    groups = re.split(r"[^0-9]", whole)
    if not _valid_grouping(groups):
        raise _refuse(AmountProblem.NOT_A_NUMBER, text)
    digits = "".join(groups)
    if len(digits.lstrip("0")) > _MAX_INTEGER_DIGITS:
        raise _refuse(AmountProblem.ABSURD, text)

    try:
        value = Decimal(f"{digits}.{fraction}" if fraction else digits)
    except InvalidOperation:  # pragma: no cover - the tokens are digits by now
        raise _refuse(AmountProblem.NOT_A_NUMBER, text) from None
    if negative and value:
        raise _refuse(AmountProblem.NEGATIVE, text)
    if not value:
        raise _refuse(AmountProblem.ZERO, text)
    if value > Decimal(maximum):
        raise _refuse(AmountProblem.ABSURD, text)
    if len(fraction) > decimals:
        raise _refuse(AmountProblem.TOO_PRECISE, text)
    return value.quantize(Decimal(1).scaleb(-decimals)) if code else value
