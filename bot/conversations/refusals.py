"""Refusals told to the person who pressed or typed: an alert on a button, a
message otherwise, with the sentence of :mod:`bot.reasons`."""

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from bot.engine import RefusalTold, Turn
from bot.reasons import in_words_of, sentence_for
from workflows.charter.errors import NotAllowed


def sentence(turn: Turn, reason: str) -> str:
    return sentence_for(turn.t, reason)


def tell(turn: Turn, refusal: NotAllowed, *, words: str | None = None, otherwise: str = "") -> None:
    """The refusal's reason, as an alert on a button or a message otherwise; with
    ``words``, in that flow's own words where it has them, else ``otherwise``'s."""
    reason = refusal.reason
    if words is not None:
        reason = in_words_of(words, reason) or otherwise or reason
    text = sentence(turn, reason)
    if turn.event.callback_id:
        turn.toast(text, alert=True)
    else:
        turn.say(text)


P = ParamSpec("P")


def explained(
    handler: Callable[Concatenate[Turn, P], None],
) -> Callable[Concatenate[Turn, P], None]:
    """Handlers whose refusals are told with their reason, not the generic sentence.

    The engine rolls a refused turn back whole and records it anew with what was
    said, as for any refusal: no savepoint around every handler, which cost every
    press two round trips to the database."""

    @wraps(handler)
    def run(turn: Turn, *args: P.args, **kwargs: P.kwargs) -> None:
        said = len(turn.out)
        try:
            handler(turn, *args, **kwargs)
        except NotAllowed as refusal:
            del turn.out[said:]
            tell(turn, refusal)
            raise RefusalTold(refusal, list(turn.out)) from refusal

    return run
