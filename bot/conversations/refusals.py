"""Refusals told to the person who pressed or typed: an alert on a button, a
message otherwise, with the sentence of :mod:`bot.reasons`."""

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from bot.engine import Turn
from bot.reasons import sentence_for
from workflows.charter.errors import NotAllowed


def sentence(turn: Turn, reason: str) -> str:
    return sentence_for(turn.t, reason)


def tell(turn: Turn, refusal: NotAllowed) -> None:
    """The refusal's reason, as an alert on a button or a message otherwise."""
    text = sentence(turn, refusal.reason)
    if turn.event.callback_id:
        turn.toast(text, alert=True)
    else:
        turn.say(text)


P = ParamSpec("P")


def explained(
    handler: Callable[Concatenate[Turn, P], None],
) -> Callable[Concatenate[Turn, P], None]:
    """Handlers whose refusals are told with their reason, not the generic sentence."""

    @wraps(handler)
    def run(turn: Turn, *args: P.args, **kwargs: P.kwargs) -> None:
        said = len(turn.out)
        try:
            with turn.session.begin_nested():
                handler(turn, *args, **kwargs)
        except NotAllowed as refusal:
            del turn.out[said:]
            tell(turn, refusal)

    return run
