"""The buttons one meetings page shows to open another module's form or page.

The meetings home shows New session, Seats and a session's Texts buttons, the
motions list shows New motion; the forms and the seats page handle them. Kept
here, below all of them, so that the pages do not import the forms they open.
"""

from dataclasses import dataclass

from bot.callbacks import Callback


@dataclass(frozen=True)
class NewSession(Callback, prefix="mnew"):
    """Open the Secretariat's form for a new session."""


@dataclass(frozen=True)
class TextsFor(Callback, prefix="mtxt"):
    """Write or rewrite a session's title and agenda in one language."""

    meeting_id: int
    language: str


@dataclass(frozen=True)
class NewMotion(Callback, prefix="mnm"):
    """Open the Secretariat's form for a motion at this session."""

    meeting_id: int


@dataclass(frozen=True)
class SeatsHome(Callback, prefix="seats"):
    """The seats on the boards, for the Secretariat."""
