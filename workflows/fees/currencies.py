"""The digits of each currency after the decimal point, from CLDR through Babel.

ISO 4217's table and CLDR's disagree on some currencies (the Iraqi dinar's
fils, the Iranian rial's dinars are no longer used); CLDR is what every
formatter shows, so amounts are kept and refused by the same count.
"""

from babel.numbers import get_currency_precision

from workflows.charter.money import use_currency_precision


def precision(code: str) -> int:
    return int(get_currency_precision(code))


use_currency_precision(precision)
