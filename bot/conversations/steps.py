"""What the guided forms share.

Back and Cancel as one typed callback (:class:`StepNav`) whose press is routed to
the flow that registered for it (:func:`navigates`), the one Back and Cancel of
every form; the earlier answer offered again when a step is revisited, so nothing
typed is lost; and typed reasons asked for in the private chat, even when the
button was pressed in a group, kept in a typed state (:class:`Typed`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from bot.callbacks import Callback
from bot.chat import Button, Keyboard
from bot.conversations.forms import BACK, CANCEL, Nav, clean_line
from bot.engine import FlowState, Router, Turn, too_late
from bot.i18n import Html
from models import Conversation
from workflows.charter.errors import IllegalTransition
from workflows.platform.values import N_

router = Router("steps")

Navigator = Callable[[Turn, Nav], None]
_NAVIGATORS: dict[str, Navigator] = {}
_KEEPERS: dict[str, Callable[[Turn, str], None]] = {}
S = TypeVar("S", bound=FlowState)


class Typing(StrEnum):
    """The one step of a flow that waits for one typed text."""

    TEXT = "text"


class Typed(FlowState):
    """A flow that waits for one typed text (a reason, a question); subclasses add what
    the text is for."""

    step: Typing = Typing.TEXT


@dataclass(frozen=True)
class StepNav(Callback, prefix="step", formerly=("nav", "fnav", "mnav")):
    flow: str
    action: Nav


@dataclass(frozen=True)
class Keep(Callback, prefix="keep"):
    """Keep the answer already given at this step of ``flow``."""

    flow: str
    step: str


def navigates(flow: str) -> Callable[[Navigator], Navigator]:
    """Register what Back and Cancel do in ``flow``."""

    def register(fn: Navigator) -> Navigator:
        _NAVIGATORS[flow] = fn
        return fn

    return register


def keeps(flow: str) -> Callable[[Callable[[Turn, str], None]], Callable[[Turn, str], None]]:
    """Register what keeping an earlier answer at a step of ``flow`` does."""

    def register(fn: Callable[[Turn, str], None]) -> Callable[[Turn, str], None]:
        _KEEPERS[flow] = fn
        return fn

    return register


def nav_row(turn: Turn, flow: str, *, back: bool = True) -> list[Button]:
    row = []
    if back:
        row.append(Button(turn.t._(BACK), StepNav(flow, Nav.BACK).pack()))
    row.append(Button(turn.t._(CANCEL), StepNav(flow, Nav.CANCEL).pack()))
    return row


def with_nav(turn: Turn, flow: str, rows: Keyboard | None = None, *, back: bool = True) -> Keyboard:
    return [*(rows or []), nav_row(turn, flow, back=back)]


def keep_row(turn: Turn, flow: str, step: str, answer: str | None) -> Keyboard:
    """A button that keeps the earlier answer when a step is asked again."""
    if not answer:
        return []
    shown = answer if len(answer) <= 40 else f"{answer[:39]}…"
    # A button's label is plain text, not HTML: nothing to escape.
    return [[Button(turn.t._(KEEP, answer=Html(shown)), Keep(flow, step).pack())]]


def name_for(turn: Turn, name_en: str, name_ar: str) -> str:
    """A member's or nominee's name as the reader knows it: Arabic for Arabic readers."""
    return name_ar if turn.t.language == "ar" and name_ar else name_en


def at(turn: Turn, flow: str) -> Conversation | None:
    """The user's conversation in this chat if it is at ``flow``; else a word and None.

    For a flow without a typed state yet; :func:`state_at` reads a typed one."""
    conversation = turn.conversation
    if conversation is None or conversation.flow != flow:
        turn.say(turn.t._(CLOSED))
        return None
    return conversation


def state_at(turn: Turn, kind: type[S]) -> S | None:
    """The user's state in ``kind``'s flow in this chat; else a word and None."""
    state = turn.state(kind)
    if state is None:
        turn.say(turn.t._(CLOSED))
    return state


@router.button(StepNav)
def navigate(turn: Turn, press: StepNav) -> None:
    conversation = turn.conversation
    handler = _NAVIGATORS.get(press.flow)
    if handler is None or conversation is None or conversation.flow != press.flow:
        turn.toast(turn.t._(CLOSED), alert=True)
        return
    handler(turn, press.action)


@router.button(Keep)
def keep(turn: Turn, press: Keep) -> None:
    conversation = turn.conversation
    handler = _KEEPERS.get(press.flow)
    if (
        handler is None
        or conversation is None
        or (conversation.flow, conversation.step) != (press.flow, press.step)
    ):
        turn.toast(turn.t._(OTHER_STEP), alert=True)
        return
    handler(turn, press.step)


def privately(turn: Turn, state: Typed, question: str) -> None:
    """Ask for one typed text in the private chat, wherever the button was pressed."""
    turn.start(state, private=True)
    turn.say_privately(question, [nav_row(turn, state.FLOW, back=False)])


def cancel_typing(turn: Turn, _: Nav) -> None:
    """Back or Cancel while a reason is being typed: nothing is sent."""
    turn.finish()
    turn.edit(turn.t._(NOTHING_SENT))


def settle(turn: Turn, decide: Callable[[], object]) -> bool:
    """Run the decision a typed reason completes; if someone decided first, say so.

    The typing is over either way: a stale decision leaves the conversation
    closed instead of refusing every further message.
    """
    turn.finish()
    try:
        with turn.session.begin_nested():
            decide()
    except IllegalTransition as stale:
        turn.say(too_late(turn, stale))
        return False
    return True


def typed(turn: Turn, flow: str, *, maximum: int = 1000, back: bool = True) -> str | None:
    """The typed text, tidied; or None, with a word and the step's Back and Cancel."""
    value = clean_line(turn.event.text, minimum=2, maximum=maximum)
    if value is None:
        turn.say(
            turn.t._(TEXT_LENGTH, maximum=maximum) if turn.event.text else turn.t._(TYPE_IT),
            with_nav(turn, flow, back=back),
        )
    return value


KEEP = N_("Keep: {answer}")
CLOSED = N_("This form is closed; nothing was changed. Send /menu for the main menu.")
OTHER_STEP = N_("This button belongs to another step of the form.")
NOTHING_SENT = N_("Cancelled; nothing was sent.")
TEXT_LENGTH = N_("Please type between 2 and {maximum} characters.")
TYPE_IT = N_("Please type your answer as a text message.")
