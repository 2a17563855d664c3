"""Refusals: the one error tree every layer catches, and verdicts not yet raised.

Every error carries ``reason``, a stable key the bot translates into a sentence
in the user's language (English or Arabic, Art. 3). Messages are for logs and
developers; users see the translated reason.
"""

from dataclasses import dataclass
from enum import StrEnum


class MajlisError(Exception):
    """Root of every refusal Majlis gives on purpose.

    Anything else that escapes a handler is a bug; anything under this root is
    an answer the user must be told about.
    """

    default_reason = "majlis_error"

    def __init__(self, message: str = "", *, reason: str | None = None) -> None:
        self.reason = reason or self.default_reason
        super().__init__(message or self.reason)


class NotAllowed(MajlisError):
    """This actor may not do this (a missing role, not the owner, a full body)."""

    default_reason = "not_allowed"


class IllegalTransition(MajlisError):
    """The event cannot happen in this state, whoever asks.

    Raised by a state machine; ``machine``, ``state`` and ``event`` say exactly
    which step was refused so the audit log and the user message can name it.
    ``subject``, the id of the record when it is known, lets the user be told who
    took the step that made theirs impossible.
    """

    default_reason = "illegal_transition"

    def __init__(
        self, *, machine: str, state: str | None, event: str, subject: object = None
    ) -> None:
        self.machine = machine
        self.state = state
        self.event = event
        self.subject = subject
        where = "before it exists" if state is None else f"in state {state!r}"
        super().__init__(f"{machine}: event {event!r} is not possible {where}")


class AmountProblem(StrEnum):
    """Why a typed amount of money was refused (see ``money.parse_amount``)."""

    NOT_A_NUMBER = "not_a_number"
    NEGATIVE = "negative"
    ZERO = "zero"
    ABSURD = "absurd"
    # A single "." or "," followed by three digits in a currency with three
    # minor digits (KWD, BHD, ...): 1.500 could be 1500 or one and a half.
    AMBIGUOUS = "ambiguous"
    TOO_PRECISE = "too_precise"
    CURRENCY_MISMATCH = "currency_mismatch"


class InvalidAmount(MajlisError):
    """A typed or reported amount of money that cannot be accepted (Art. 18)."""

    default_reason = AmountProblem.NOT_A_NUMBER.value

    def __init__(self, *, reason: AmountProblem, text: str = "") -> None:
        self.problem = reason
        self.text = text
        super().__init__(f"amount refused ({reason.value}): {text!r}", reason=reason.value)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer to a "may this happen?" question, with the rule that decided it.

    Truthy when allowed, so it reads naturally in an ``if``; ``require()``
    turns a refusal into ``NotAllowed`` carrying the same reason key.
    """

    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed

    def require(self) -> None:
        if not self.allowed:
            raise NotAllowed(self.reason, reason=self.reason)
