"""Money and what people type for it: Arabic-Indic digits, separators, refusals."""

from decimal import Decimal

import pytest
from babel.numbers import get_currency_precision, list_currencies
from hypothesis import given
from hypothesis import strategies as st

from workflows.charter.errors import AmountProblem, InvalidAmount, MajlisError
from workflows.charter.money import Money, minor_units, parse_amount

D = Decimal


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        ("1500", None, D("1500")),
        ("1,500", None, D("1500")),
        ("1 500", None, D("1500")),
        ("1\u00a0500", None, D("1500")),  # a no-break space from a copied figure
        ("1'500", None, D("1500")),
        ("١٥٠٠", None, D("1500")),  # Arabic-Indic digits
        ("١٬٥٠٠", None, D("1500")),  # with the Arabic thousands separator
        ("\u200f١٬٥٠٠\u200f", None, D("1500")),  # right-to-left marks around it
        ("۱۵۰۰", None, D("1500")),  # Persian digits
        ("١٥٠٠٫٥٠", None, D("1500.50")),  # Arabic decimal separator
        ("١٥٠٠،٥٠", None, D("1500.50")),  # Arabic comma as a decimal point
        ("1500.00", None, D("1500.00")),
        ("1,500.50", None, D("1500.50")),
        ("1.500,50", None, D("1500.50")),
        ("1 500,50", None, D("1500.50")),
        ("1.500", None, D("1500")),
        ("1,500,000", None, D("1500000")),
        ("1.500.000", None, D("1500000")),
        ("15,00,000", None, D("1500000")),  # Indian grouping
        ("15,5", None, D("15.5")),
        ("1500.", None, D("1500")),
        ("+1500", None, D("1500")),
        (" 1500\n", None, D("1500")),
        ("1500", "USD", D("1500.00")),
        ("1500 USD", "USD", D("1500.00")),
        ("usd 1,500", "USD", D("1500.00")),
        ("1500.5", "KWD", D("1500.500")),
        ("1500", "JPY", D("1500")),
        ("1.500", "USD", D("1500.00")),
    ],
)
def test_parse_amount_accepts(text: str, currency: str | None, expected: Decimal) -> None:
    parsed = parse_amount(text, currency=currency)
    assert parsed == expected
    assert str(parsed) == str(expected)  # the currency's decimals, not just the value


@pytest.mark.parametrize(
    ("text", "currency", "problem"),
    [
        ("", None, AmountProblem.NOT_A_NUMBER),
        ("   ", None, AmountProblem.NOT_A_NUMBER),
        ("abc", None, AmountProblem.NOT_A_NUMBER),
        ("abc", "USD", AmountProblem.NOT_A_NUMBER),
        ("$1500", None, AmountProblem.NOT_A_NUMBER),
        ("1e9", None, AmountProblem.NOT_A_NUMBER),
        ("NaN", None, AmountProblem.NOT_A_NUMBER),
        ("Infinity", None, AmountProblem.NOT_A_NUMBER),
        ("1..5", None, AmountProblem.NOT_A_NUMBER),
        ("1,,500", None, AmountProblem.NOT_A_NUMBER),
        ("1,5,00", None, AmountProblem.NOT_A_NUMBER),
        ("1 500.000 0", None, AmountProblem.NOT_A_NUMBER),
        ("1.500 000", None, AmountProblem.NOT_A_NUMBER),  # two kinds of grouping
        ("1500 50", None, AmountProblem.NOT_A_NUMBER),
        ("٫٥", None, AmountProblem.NOT_A_NUMBER),
        ("1500 USD", None, AmountProblem.NOT_A_NUMBER),
        ("1500 EUR", "USD", AmountProblem.CURRENCY_MISMATCH),
        ("USD 1500 EUR", "USD", AmountProblem.CURRENCY_MISMATCH),
        ("-1500", None, AmountProblem.NEGATIVE),
        ("\u22121500", None, AmountProblem.NEGATIVE),
        ("1500-", None, AmountProblem.NEGATIVE),  # minus typed right-to-left
        ("-١٥٠٠", None, AmountProblem.NEGATIVE),
        ("0", None, AmountProblem.ZERO),
        ("0.00", "USD", AmountProblem.ZERO),
        ("٠", None, AmountProblem.ZERO),
        ("-0", None, AmountProblem.ZERO),
        ("1000000000001", None, AmountProblem.ABSURD),
        ("9" * 30, None, AmountProblem.ABSURD),
        ("1" + "0" * 70, None, AmountProblem.NOT_A_NUMBER),  # longer than any amount
        ("1.500", "KWD", AmountProblem.AMBIGUOUS),  # 1500 or one and a half dinars?
        ("1,500", "BHD", AmountProblem.AMBIGUOUS),
        ("1500.505", "USD", AmountProblem.TOO_PRECISE),
        ("1500.5", "JPY", AmountProblem.TOO_PRECISE),
        ("1,5000", None, AmountProblem.TOO_PRECISE),
    ],
)
def test_parse_amount_refuses(text: str, currency: str | None, problem: AmountProblem) -> None:
    with pytest.raises(InvalidAmount) as refused:
        parse_amount(text, currency=currency)
    assert refused.value.problem is problem
    assert refused.value.reason == problem.value
    assert refused.value.text == text
    assert isinstance(refused.value, MajlisError)


def test_the_maximum_is_configurable() -> None:
    assert parse_amount("50,000", maximum=50_000) == 50_000
    with pytest.raises(InvalidAmount) as refused:
        parse_amount("50,001", maximum=50_000)
    assert refused.value.problem is AmountProblem.ABSURD


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def group(digits: str, separator: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return separator.join(parts)


@given(
    whole=st.integers(min_value=1, max_value=10**11),
    cents=st.integers(min_value=0, max_value=99),
    style=st.sampled_from(
        [
            (",", "."),  # 1,234,567.89
            (".", ","),  # 1.234.567,89
            (" ", ","),  # 1 234 567,89
            ("\u066c", "\u066b"),  # ١٬٢٣٤٬٥٦٧٫٨٩
            ("", "."),
        ]
    ),
    arabic_digits=st.booleans(),
)
def test_written_amounts_read_back_exactly(
    whole: int, cents: int, style: tuple[str, str], arabic_digits: bool
) -> None:
    grouping, point = style
    text = f"{group(str(whole), grouping)}{point}{cents:02d}"
    if arabic_digits:
        text = text.translate(ARABIC_INDIC)
    assert parse_amount(text, currency="USD") == Decimal(whole) + Decimal(cents) / 100


@given(st.text(max_size=20))
def test_anything_typed_is_a_positive_amount_or_a_named_refusal(text: str) -> None:
    try:
        value = parse_amount(text, currency="USD")
    except InvalidAmount as refused:
        assert refused.problem in AmountProblem
    else:
        assert value > 0 and value.is_finite()
        assert value == value.quantize(Decimal("0.01"))


# --- Money ------------------------------------------------------------------


def test_minor_units_are_cldrs() -> None:
    # CLDR (supplementalData.xml, <currencyData><fractions>): the Iraqi dinar,
    # Iranian rial, Syrian and Lebanese pounds and Afghan afghani are shown and
    # counted without decimals; the Kuwaiti and Bahraini dinars with three.
    examples = {"USD": 2, "SAR": 2, "KWD": 3, "BHD": 3, "IQD": 0, "IRR": 0, "SYP": 0}
    examples |= {"LBP": 0, "AFN": 0, "JPY": 0, "XOF": 0, "YER": 0}
    assert {code: minor_units(code) for code in examples} == examples
    for code in list_currencies():
        assert minor_units(code) == get_currency_precision(code), code
    with pytest.raises(ValueError):
        minor_units("dollars")


def test_an_amount_finer_than_the_currency_is_refused() -> None:
    with pytest.raises(ValueError):
        Money(Decimal("1500.505"), "IQD")
    assert Money(Decimal("1500"), "IQD").minor == 1500
    assert Money(Decimal("1500.505"), "KWD").minor == 1500505


def test_money_is_exact_and_stores_as_minor_units() -> None:
    fee = Money(D("1500.5"), "usd")
    assert (fee.currency, str(fee.amount), fee.minor) == ("USD", "1500.50", 150050)
    assert Money.from_minor(150050, "USD") == fee
    assert Money.from_minor(1500500, "KWD").amount == D("1500.500")
    assert Money(D("0.1"), "USD") + Money(D("0.2"), "USD") == Money(D("0.3"), "USD")
    assert str(-Money(D(5), "JOD")) == "-5.000 JOD"


def test_money_refuses_floats_extra_decimals_and_mixed_currencies() -> None:
    with pytest.raises(ValueError):
        Money(1500.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Money(D("1.001"), "USD")
    with pytest.raises(ValueError):
        Money(D("NaN"), "USD")
    with pytest.raises(ValueError):
        Money(D(1), "US")
    with pytest.raises(InvalidAmount) as refused:
        Money(D(1), "USD") + Money(D(1), "EUR")
    assert refused.value.problem is AmountProblem.CURRENCY_MISMATCH
