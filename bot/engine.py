"""The conversation engine: one update in, replies out, in one unit of work.

Conversations register their commands, buttons and form steps on a
:class:`Router`; the :class:`Engine` finds the handler for an event, runs it in a
transaction that also records the update as handled (so a repeated
``update_id`` changes nothing), and returns what to send.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.callbacks import Callback, ForgedCallback, parse
from bot.chat import ChatEvent, Keyboard, Outgoing, Reply, Toast
from bot.i18n import N_, Text, text_for
from models import Conversation, ProcessedUpdate, User
from models.columns import utcnow
from workflows import people
from workflows.charter.errors import IllegalTransition, MajlisError, NotAllowed
from workflows.charter.roles import Role
from workflows.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

SOMETHING_WENT_WRONG = N_(
    "Something went wrong on our side and nothing was changed. Please try again in a moment."
)


@dataclass
class Turn:
    """One update being handled: who, in which language, and what to answer."""

    event: ChatEvent
    session: Session
    user: User
    roles: set[Role]
    uow: UnitOfWork
    out: list[Outgoing] = field(default_factory=list)

    @property
    def t(self) -> Text:
        return text_for(self.user.language)

    def say(self, text: str, buttons: Keyboard | None = None) -> None:
        self.out.append(Reply(text=text, buttons=buttons or []))

    def edit(self, text: str, buttons: Keyboard | None = None) -> None:
        """Replace the message the pressed button was on (a new message otherwise)."""
        self.out.append(
            Reply(text=text, buttons=buttons or [], edit=self.event.message_id is not None)
        )

    def toast(self, text: str, *, alert: bool = False) -> None:
        self.out.append(Toast(text=text, alert=alert))

    # Conversation state: the step of a guided flow, kept in the database.

    @property
    def conversation(self) -> Conversation | None:
        return self.session.get(Conversation, (self.user.id, self.event.chat_id))

    def begin(self, flow: str, step: str, **data: Any) -> Conversation:
        return self._begin_in(self.event.chat_id, flow, step, data)

    def begin_private(self, flow: str, step: str, **data: Any) -> Conversation:
        """Wait for this user's typed input in their private chat, wherever they pressed."""
        return self._begin_in(self.user.id, flow, step, data)

    def _begin_in(self, chat_id: int, flow: str, step: str, data: dict[str, Any]) -> Conversation:
        row = self.session.get(Conversation, (self.user.id, chat_id)) or Conversation(
            user_id=self.user.id, chat_id=chat_id, flow=flow, step=step
        )
        row.flow, row.step, row.data, row.updated_at = flow, step, dict(data), utcnow()
        self.session.add(row)
        return row

    def say_privately(self, text: str, buttons: Keyboard | None = None) -> None:
        """Write to the user in their private chat; from a group, tell them so there."""
        if self.event.chat_id == self.user.id:
            self.say(text, buttons)
            return
        self.out.append(Reply(text=text, buttons=buttons or [], chat_id=self.user.id))
        self.toast(self.t._(WROTE_PRIVATELY))

    def move(self, step: str, **data: Any) -> Conversation:
        row = self.conversation
        if row is None:
            raise LookupError("no conversation to move on")
        row.step = step
        row.data = {**row.data, **data}
        row.updated_at = utcnow()
        self.session.add(row)
        return row

    def finish(self) -> None:
        row = self.conversation
        if row is not None:
            self.session.delete(row)


Handler = Callable[[Turn], None]
ButtonHandler = Callable[[Turn, Any], None]
C = TypeVar("C", bound=Callback)


class Router:
    """One feature's commands, buttons and form steps."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.commands: dict[str, tuple[Handler, bool]] = {}
        self.buttons: dict[type[Callback], ButtonHandler] = {}
        self.steps: dict[tuple[str, str], Handler] = {}
        self.flows: dict[str, Handler] = {}

    def command(self, *names: str, in_groups: bool = False) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            for name in names:
                self.commands[name] = (fn, in_groups)
            return fn

        return register

    def button(
        self, kind: type[C]
    ) -> Callable[[Callable[[Turn, C], None]], Callable[[Turn, C], None]]:
        def register(fn: Callable[[Turn, C], None]) -> Callable[[Turn, C], None]:
            self.buttons[kind] = fn
            return fn

        return register

    def step(self, flow: str, *steps: str) -> Callable[[Handler], Handler]:
        """Typed input (text, a document) while the user is at ``steps`` of ``flow``."""

        def register(fn: Handler) -> Handler:
            for step in steps:
                self.steps[(flow, step)] = fn
            return fn

        return register

    def flow(self, flow: str) -> Callable[[Handler], Handler]:
        """Fallback for input at a step of ``flow`` with no handler of its own."""

        def register(fn: Handler) -> Handler:
            self.flows[flow] = fn
            return fn

        return register


class Engine:
    def __init__(self, uow: UnitOfWork, routers: list[Router], *, fallback: Handler) -> None:
        self.uow = uow
        self.fallback = fallback
        self.commands: dict[str, tuple[Handler, bool]] = {}
        self.buttons: dict[type[Callback], ButtonHandler] = {}
        self.steps: dict[tuple[str, str], Handler] = {}
        self.flows: dict[str, Handler] = {}
        for router in routers:
            for name in ("commands", "buttons", "steps", "flows"):
                table, mine = getattr(self, name), getattr(router, name)
                clash = set(table) & set(mine)
                if clash:
                    raise ValueError(f"router {router.name} registers {clash} twice")
                table.update(mine)

    @property
    def command_names(self) -> list[str]:
        return sorted(self.commands)

    def handle(self, event: ChatEvent) -> list[Outgoing]:
        try:
            with self.uow.begin() as session:
                if not self._first_time(session, event.update_id):
                    log.info("update %s seen before; ignored", event.update_id)
                    return []
                user, _ = people.meet_user(
                    session,
                    user_id=event.user_id,
                    first_name=event.first_name,
                    username=event.username,
                    language_code=event.language_code,
                )
                if not event.is_private:
                    people.meet_group(session, chat_id=event.chat_id, title=event.chat_title)
                turn = Turn(
                    event=event,
                    session=session,
                    user=user,
                    roles=people.roles_of(session, user.id),
                    uow=self.uow,
                )
                self._dispatch(turn)
                return turn.out
        except Exception:
            log.exception("update %s failed", event.update_id)
            return [
                Reply(
                    text=text_for(people.language_from_telegram(event.language_code))._(
                        SOMETHING_WENT_WRONG
                    )
                )
            ]

    def _first_time(self, session: Session, update_id: int) -> bool:
        if session.get(ProcessedUpdate, update_id) is not None:
            return False
        try:
            with session.begin_nested():
                session.add(ProcessedUpdate(update_id=update_id))
        except IntegrityError:
            return False
        return True

    def _dispatch(self, turn: Turn) -> None:
        event = turn.event
        try:
            with turn.session.begin_nested():
                if event.callback_data is not None:
                    self._press(turn, event.callback_data)
                elif event.command is not None:
                    self._command(turn, event.command)
                else:
                    self._input(turn)
        except NotAllowed as refusal:
            log.warning("refused user %s: %s", turn.user.id, refusal)
            # The reason's own sentence, wherever the refusal was raised; the
            # conversations' module imports this one, hence the late import.
            from bot.conversations.refusals import sentence_for

            said = sentence_for(turn.t, refusal.reason)
            turn.out = [Toast(said, alert=True)] if event.callback_id else [Reply(said)]
        except IllegalTransition as stale:
            log.warning("stale action by user %s: %s", turn.user.id, stale)
            message = turn.t._(ALREADY_HANDLED)
            turn.out = [Toast(message, alert=True)] if event.callback_id else [Reply(message)]
        except MajlisError as error:
            log.warning("refused user %s: %s", turn.user.id, error)
            turn.out = [Reply(turn.t._(REFUSED))]

    def _press(self, turn: Turn, data: str) -> None:
        try:
            callback = parse(data)
        except ForgedCallback:
            log.warning("forged or outdated button from user %s: %r", turn.user.id, data)
            turn.toast(turn.t._(STALE_BUTTON), alert=True)
            return
        handler = self.buttons.get(type(callback))
        if handler is None:
            log.warning("button without a handler from user %s: %r", turn.user.id, data)
            turn.toast(turn.t._(STALE_BUTTON), alert=True)
            return
        handler(turn, callback)

    def _command(self, turn: Turn, name: str) -> None:
        entry = self.commands.get(name)
        if entry is None:
            if turn.event.is_private:
                turn.say(turn.t._(UNKNOWN_COMMAND))
            return
        handler, in_groups = entry
        if not turn.event.is_private and not in_groups:
            turn.say(turn.t._(PRIVATE_ONLY))
            return
        handler(turn)

    def _input(self, turn: Turn) -> None:
        conversation = turn.conversation
        if conversation is not None:
            handler = self.steps.get((conversation.flow, conversation.step)) or self.flows.get(
                conversation.flow
            )
            if handler is not None:
                handler(turn)
                return
        if turn.event.is_private:
            self.fallback(turn)


WROTE_PRIVATELY = N_("I have written to you in our private chat.")
REFUSED = N_("You are not allowed to do this. If you think you should be, ask the Secretariat.")
ALREADY_HANDLED = N_("This has already been dealt with; nothing was changed.")
STALE_BUTTON = N_("This button is no longer valid. Please use the latest message or /menu.")
UNKNOWN_COMMAND = N_("I do not know this command. Send /help to see what I can do.")
PRIVATE_ONLY = N_("Please use this command in a private chat with me.")
