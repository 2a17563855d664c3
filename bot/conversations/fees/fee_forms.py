"""What the fee conversations share: how voting rights are suspended, typed dates and
amounts, receipts, and asking for typed text in the private chat.

Typed input is read forgivingly (Arabic-Indic digits, thousands separators,
day/month/year or ISO dates) and refused with a sentence that says what to type.
"""

from datetime import date
from decimal import Decimal
from enum import StrEnum

from bot.conversations import steps
from bot.conversations.forms import refuse_file
from bot.engine import FlowState, Turn
from workflows.charter.errors import AmountProblem, InvalidAmount
from workflows.charter.money import Money, minor_units, parse_amount
from workflows.platform.values import N_


def policy_text(turn: Turn) -> str:
    """How voting rights are suspended for unpaid fees, as the overview and a new
    period's review say it."""
    if turn.uow.settings.fees_suspend_automatically:
        return turn.t._("automatic after the grace period")
    return turn.t._("only by a decision of the Council, recorded here")


# --- Dates -----------------------------------------------------------------------------


def date_hint(turn: Turn, example: date) -> str:
    """How to type a date, with an example in both forms the forms read."""
    return turn.t._(DATE_FORMAT, example=example.strftime("%d/%m/%Y"), iso=example.isoformat())


def next_new_year(today: date) -> date:
    """The first 1 January not before ``today``: a biennium's usual first day."""
    return today if (today.month, today.day) == (1, 1) else date(today.year + 1, 1, 1)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


DATE_FORMAT = N_(
    "Please type the date as day/month/year, for example {example} (or {iso}), or use the buttons."
)


# --- Amounts -------------------------------------------------------------------------------


def read_amount(turn: Turn, text: str | None, currency: str, maximum: Decimal) -> Decimal | None:
    """The amount typed, in ``currency``; otherwise a clear refusal is said and None."""
    try:
        return parse_amount(text or "", currency=currency, maximum=maximum)
    except InvalidAmount as refusal:
        turn.say(amount_refusal(turn, refusal, currency, maximum))
        return None


def amount_refusal(turn: Turn, refusal: InvalidAmount, currency: str, maximum: Decimal) -> str:
    t = turn.t
    problem = refusal.problem
    if problem is AmountProblem.NEGATIVE:
        return t._("An amount cannot be negative. Please type what was paid, for example 1500.")
    if problem is AmountProblem.ZERO:
        return t._("The amount must be more than zero. Please type it again.")
    if problem is AmountProblem.ABSURD:
        return t._(
            "This amount is larger than {maximum}, which cannot be right. Please check it and "
            "type it again.",
            maximum=t.show(_money(maximum, currency)),
        )
    if problem is AmountProblem.AMBIGUOUS:
        return t._(
            "“{text}” could be read two ways, because {currency} has three decimals. Please "
            "type 1500 for fifteen hundred, or 1.5 for one and a half.",
            text=refusal.text,
            currency=currency,
        )
    if problem is AmountProblem.TOO_PRECISE:
        digits = minor_units(currency)
        if digits == 0:
            return t._("{currency} has no decimals: please type a whole number.", currency=currency)
        return t.n_(
            "{currency} has {count} decimal: please type at most {count} digit after the "
            "decimal point.",
            "{currency} has {count} decimals: please type at most {count} digits after the "
            "decimal point.",
            digits,
            currency=currency,
        )
    if problem is AmountProblem.CURRENCY_MISMATCH:
        return t._(
            "This amount is in another currency. Please type the amount in {currency}.",
            currency=currency,
        )
    return t._(
        "I could not read “{text}” as an amount. Please type digits, for example 1500 or 1,500.00.",
        text=refusal.text,
    )


def _money(amount: Decimal, currency: str) -> Money:
    return Money(amount.quantize(Decimal(1).scaleb(-minor_units(currency))), currency)


# --- Receipts ---------------------------------------------------------------------------------


def receipt_problem(turn: Turn) -> str | None:
    """Why a file is not acceptable as a receipt (said in the user's language), or None."""
    return refuse_file(
        turn,
        missing=turn.t._("Please send the receipt as a document or a photo (PDF, JPEG or PNG)."),
    )


# --- Typed text in the private chat --------------------------------------------------------


class Typing(StrEnum):
    """The one step of a flow that waits for a typed reason."""

    TEXT = "text"


def privately(turn: Turn, state: FlowState, question: str) -> None:
    """Ask for typed text in the private chat, wherever the button was pressed; the
    question has Cancel only."""
    turn.start(state, private=True)
    turn.say_privately(question, [steps.nav_row(turn, state.FLOW, back=False)])
