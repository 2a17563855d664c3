"""A choice pressed in one of the meetings forms: one button type, ``Pick``.

The session form, the form for a session's texts and the motion form show their
choices as ``Pick(step, value)``; a press goes to the form the user is in
(registered with :func:`chooses`), which checks the step and the value. A press
when the user is in none of them belongs to another step.
"""

from collections.abc import Callable
from dataclasses import dataclass

from bot.callbacks import Callback
from bot.conversations.refusals import explained
from bot.engine import Router, Turn
from workflows.platform.values import N_

router = Router("meeting_choices")

Chooser = Callable[[Turn, "Pick"], None]
_CHOOSERS: dict[str, Chooser] = {}


@dataclass(frozen=True)
class Pick(Callback, prefix="mform"):
    step: str
    value: str


def chooses(flow: str) -> Callable[[Chooser], Chooser]:
    """Register what a ``Pick`` pressed in ``flow`` does."""

    def register(fn: Chooser) -> Chooser:
        _CHOOSERS[flow] = fn
        return fn

    return register


@router.button(Pick)
@explained
def pick(turn: Turn, press: Pick) -> None:
    conversation = turn.conversation
    chooser = _CHOOSERS.get(conversation.flow) if conversation is not None else None
    if chooser is None:
        turn.toast(turn.t._(OTHER_STEP), alert=True)
        return
    chooser(turn, press)


OTHER_STEP = N_("This button belongs to another step of the form.")
