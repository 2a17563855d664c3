"""The conversation engine: one update in, replies out, in one unit of work.

Conversations register their commands, buttons and form steps on a
:class:`Router`; the :class:`Engine` finds the handler for an event, runs it in a
transaction that also records the update as handled (so a repeated
``update_id`` changes nothing), and returns what to send.
"""

import html
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import Connection, any_, bindparam, event, insert, select, update
from sqlalchemy import Engine as SAEngine
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col

from bot import chat, lengths
from bot.callbacks import Callback, ForgedCallback, parse
from bot.chain import Chain, Found, Read
from bot.chat import ChatEvent, Keyboard, Outgoing, Reply, Toast
from bot.i18n import N_, Text, text_for
from bot.reasons import sentence_for
from models import Conversation, ProcessedUpdate, User
from models.bulk import table_of
from models.columns import utcnow
from models.db import Direct, unreachable
from workflows import decisions
from workflows.charter.errors import IllegalTransition, MajlisError, NotAllowed
from workflows.charter.roles import Role
from workflows.platform import people
from workflows.platform.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

PROCESSED = table_of(ProcessedUpdate)
# Built once: a statement made anew for each update costs more to build and to find in
# the compiled cache than to run.
SEEN = select(PROCESSED.c.replies, PROCESSED.c.replies_sent).where(
    PROCESSED.c.update_id == bindparam("update_id")
)
USER = sa_inspect(User)
#: The user's columns, and the attributes each fills. Reading them configures the
#: mappers, which :func:`_as_loaded` needs before any query through the ORM.
USER_COLUMNS = [(attribute.key, attribute.columns[0]) for attribute in USER.column_attrs]
#: A known user's columns, with their update's record when it was seen (None columns
#: when not). Read as a row, not through the ORM (:func:`_as_loaded`): its query and
#: loading cost a turn more than the statement.
USER_AND_SEEN = (
    select(
        *(column.label(f"user_{key}") for key, column in USER_COLUMNS),
        PROCESSED.c.update_id,
        PROCESSED.c.replies,
        PROCESSED.c.replies_sent,
    )
    .outerjoin(PROCESSED, PROCESSED.c.update_id == bindparam("update_id"))
    .where(col(User.id) == bindparam("user_id"))
)
RECORD = insert(PROCESSED)
#: A known user's columns with the records of those of ``update_ids`` seen already: a
#: row per record, or one row with None columns when none was (:class:`Chain`).
USER_AND_SEEN_AHEAD = (
    select(
        *(column.label(f"user_{key}") for key, column in USER_COLUMNS),
        PROCESSED.c.update_id,
        PROCESSED.c.replies,
        PROCESSED.c.replies_sent,
    )
    .outerjoin(
        PROCESSED,
        PROCESSED.c.update_id
        == any_(bindparam("update_ids", type_=postgresql.ARRAY(PROCESSED.c.update_id.type))),
    )
    .where(col(User.id) == bindparam("user_id"))
)
#: Several records in one statement (:class:`Chain`), on PostgreSQL: one another handler
#: wrote first is left as it is and not returned.
RECORDS = (
    postgresql.insert(PROCESSED)
    .on_conflict_do_nothing(index_elements=[PROCESSED.c.update_id])
    .returning(PROCESSED.c.update_id)
)
SENT_SOME = (
    update(PROCESSED)
    .where(PROCESSED.c.update_id.in_(bindparam("update_ids", expanding=True)))
    .values(replies_sent=bindparam("count"))
)
SENT_ALL = SENT_SOME.values(replies=None)
#: On PostgreSQL the ids go as one array (``= ANY``): an expanding ``IN`` is rendered
#: anew at every execution, a placeholder per id, which for the stamps of a busy
#: moment (dozens of updates at once) cost more than the rest of the stamp.
PG_SENT_SOME = (
    update(PROCESSED)
    .where(
        PROCESSED.c.update_id
        == any_(bindparam("update_ids", type_=postgresql.ARRAY(PROCESSED.c.update_id.type)))
    )
    .values(replies_sent=bindparam("count"))
)
PG_SENT_ALL = PG_SENT_SOME.values(replies=None)

SOMETHING_WENT_WRONG = N_(
    "Something went wrong on our side and nothing was changed. Please try again in a moment."
)
TRY_AGAIN = N_("I cannot reach my records just now. Please try again in a moment.")


class FlowState(BaseModel):
    """A guided flow's typed state: its step and what was entered so far.

    Each flow subclasses it with its name, its steps as a ``StrEnum`` and its
    fields; :meth:`Turn.start`, :meth:`Turn.state` and :meth:`Turn.save` keep it in
    the user's :class:`~models.Conversation` row (the step in its own column, the
    rest as JSON), so a flow survives restarts and mypy checks what it reads.
    """

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    #: The flow's name, stored in the row and used to route typed input.
    FLOW: ClassVar[str]
    step: StrEnum

    def data(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"step"})


S = TypeVar("S", bound=FlowState)


@dataclass(frozen=True)
class Owed:
    """The replies an update owes, from position ``start`` of those its turn made;
    ``kept`` when they are in the database, to be stamped as they go out."""

    update_id: int
    items: list[Outgoing]
    start: int = 0
    kept: bool = True


class HandledElsewhere(Exception):
    """Another copy of the same update committed first."""


class RefusalTold(Exception):
    """Raised by a handler that has told its refusal in its own words
    (``bot.conversations.refusals.explained``): the turn is rolled back whole, as for
    any refusal, and recorded anew with ``replies``, what it said."""

    def __init__(self, refusal: NotAllowed, replies: list[Outgoing]) -> None:
        super().__init__(refusal)
        self.refusal = refusal
        self.replies = replies


class _Refused(Exception):
    """A handler refused (``error``): its turn's transaction is rolled back whole;
    ``replies``, what to say instead of the refusal's own sentence."""

    def __init__(
        self,
        error: MajlisError,
        *,
        keep_replies: bool,
        replies: list[Outgoing] | None = None,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.keep_replies = keep_replies
        self.replies = replies


def owed_for(event: ChatEvent, out: list[Outgoing]) -> list[Outgoing]:
    """What to send, in order, each text fitted to Telegram's limits (``bot.lengths``):
    a button press is answered exactly once (its first toast, or a silent answer at
    the end); other updates have nothing to answer."""
    replies: list[Outgoing] = [
        page for item in out if isinstance(item, Reply) for page in lengths.fit(item)
    ]
    if event.callback_id is None:
        return replies
    toast = next((item for item in out if isinstance(item, Toast)), None)
    if toast is None:
        return [*replies, Toast(text="")]
    kept: list[Outgoing] = []
    for item in out:
        if isinstance(item, Reply):
            kept.extend(lengths.fit(item))
        elif item is toast:
            kept.append(Toast(text=lengths.shorten_plain(item.text), alert=item.alert))
    return kept


@dataclass
class Turn:
    """One update being handled: who, in which language, and what to answer."""

    event: ChatEvent
    session: Session
    user: User
    uow: UnitOfWork
    out: list[Outgoing] = field(default_factory=list)
    #: False when the replies show what must never be stored (a secret ballot's
    #: choice): they are sent but not kept, so a crash before they are out loses them.
    keep_replies: bool = True
    _roles: set[Role] | None = field(default=None, repr=False)

    @property
    def roles(self) -> set[Role]:
        """The user's roles, read when first asked for: most turns (a /start, a typed
        answer) never ask, and save the statement. On PostgreSQL, asked before the turn
        has read or written anything, they are read in autocommit: a turn that reads
        nothing else (a menu, /help) then writes only its record, with no BEGIN and
        COMMIT (and in a chain of them, with the others: ``bot.chain``). At READ
        COMMITTED a statement in the transaction reads a snapshot of its own too."""
        if self._roles is None:
            session = self.session
            if (
                self.uow.db.is_sqlite
                or session.info.get(_BEGAN)
                or session.new
                or session.dirty
                or session.deleted
            ):
                self._roles = people.roles_of(session, self.user.id)
            else:
                with self.uow.db.reading() as reader:
                    self._roles = people.roles_of(reader, self.user.id)
        return self._roles

    @roles.setter
    def roles(self, roles: set[Role]) -> None:
        self._roles = roles

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

    def start(self, state: FlowState, *, private: bool = False) -> None:
        """Begin ``state``'s flow here, or, with ``private``, in the user's private chat
        (their typed input is awaited there, wherever they pressed)."""
        chat_id = self.user.id if private else self.event.chat_id
        row = self.session.get(Conversation, (self.user.id, chat_id)) or Conversation(
            user_id=self.user.id, chat_id=chat_id, flow=state.FLOW, step=state.step.value
        )
        row.flow, row.step, row.data = state.FLOW, state.step.value, state.data()
        row.updated_at = utcnow()
        self.session.add(row)

    def state(self, kind: type[S]) -> S | None:
        """The typed state of the flow the user is in here, if it is ``kind``'s."""
        row = self.conversation
        if row is None or row.flow != kind.FLOW:
            return None
        try:
            return kind.model_validate({**row.data, "step": row.step})
        except ValidationError:
            log.warning("dropping unreadable %s state of user %s", row.flow, self.user.id)
            return None

    def save(self, state: FlowState) -> None:
        """Write ``state`` back to the flow the user is in here."""
        row = self.conversation
        if row is None or row.flow != state.FLOW:
            raise LookupError(f"no {state.FLOW} conversation to save")
        row.step, row.data, row.updated_at = state.step.value, state.data(), utcnow()
        self.session.add(row)

    def say_privately(self, text: str, buttons: Keyboard | None = None) -> None:
        """Write to the user in their private chat; from a group, tell them so there."""
        if self.event.chat_id == self.user.id:
            self.say(text, buttons)
            return
        self.out.append(Reply(text=text, buttons=buttons or [], chat_id=self.user.id))
        self.toast(self.t._(WROTE_PRIVATELY))

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


#: The first row of a statement run with its parameters, or None.
FirstRow = Callable[[Any, dict[str, Any]], Found | None]


def _user_and_seen(first: FirstRow, event: ChatEvent) -> tuple[Found | None, Found | None]:
    """The user of ``event`` when known (:data:`USER_AND_SEEN`), and its update's record
    when it was seen (with ``replies`` and ``replies_sent``)."""
    found = first(USER_AND_SEEN, {"user_id": event.user_id, "update_id": event.update_id})
    if found is None:
        return None, first(SEEN, {"update_id": event.update_id})
    return found, found if found["update_id"] is not None else None


def _first_through(connection: Connection) -> FirstRow:
    """:data:`FirstRow` through SQLAlchemy's execution of the statement."""

    def first(statement: Any, parameters: dict[str, Any]) -> Found | None:
        row = connection.execute(statement, parameters).first()
        return None if row is None else row._mapping

    return first


class _Direct:
    """The statements of every turn on PostgreSQL (:func:`_user_and_seen`'s, and the
    record written alone) run on psycopg's connection itself
    (:class:`models.db.Direct`)."""

    def __init__(self, engine: SAEngine) -> None:
        self.statements = {
            statement: Direct(statement, engine)
            for statement in (USER_AND_SEEN, SEEN, USER_AND_SEEN_AHEAD)
        }
        self.record = Direct(RECORD, engine)

    def first_on(self, connection: Connection) -> FirstRow:
        def first(statement: Any, parameters: dict[str, Any]) -> Found | None:
            return next(iter(self.statements[statement].rows(connection, parameters)), None)

        return first


#: Set in a session's info once it has used a connection (:meth:`Engine._record`).
_BEGAN = "majlis.began"


@event.listens_for(Session, "after_begin")
def _began(session: Session, _transaction: Any, _connection: Any) -> None:
    session.info[_BEGAN] = True


def _as_loaded(session: Session, row: Found) -> User:
    """The user of ``row`` (:data:`USER_AND_SEEN`) in ``session`` as if the ORM had loaded
    them: persistent, so that what a handler changes is written at the flush. The
    session holds its objects weakly: the caller keeps the user."""
    user = USER.class_manager.new_instance()
    for key, _ in USER_COLUMNS:
        user.__dict__[key] = row[f"user_{key}"]
    make_transient_to_detached(user)
    session.add(user)
    return user


class Engine:
    def __init__(
        self,
        uow: UnitOfWork,
        routers: list[Router],
        *,
        fallback: Handler,
        files: Callable[[ChatEvent], ChatEvent] | None = None,
    ) -> None:
        self.uow = uow
        self.fallback = fallback
        self._direct = None if uow.db.is_sqlite else _Direct(uow.db.engine)
        #: Fetches a sent file and says what its bytes are (``bot.uploads``); without
        #: it every file stays unchecked, and forms refuse it.
        self.files = files
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
        """The replies ``event`` still owes (all of them the first time)."""
        return self.answer(event).items

    def answer(self, event: ChatEvent, chain: Chain | None = None) -> "Owed":
        """Handle ``event`` once: its turn and the replies it owes are committed together,
        so a bot that dies before they are out sends them when the update comes again.
        With ``chain``, one of a chat's updates answered in order: its record may be kept
        back until :meth:`record_chain` (:class:`Chain`)."""
        if self._direct is None:
            chain = None  # on SQLite a turn reads and records in one transaction of its own
        try:
            if event.file is not None and event.is_private and self.files is not None:
                # Before the transaction: no database connection waits on Telegram.
                event = self.files(event)
            try:
                owed = self._answer(event, chain)
            except _Refused as refused:
                owed = self._answer_refused(event, refused, chain)
        except HandledElsewhere:
            log.info("update %s handled by another copy of the bot", event.update_id)
            return Owed(event.update_id, [], kept=False)
        except Exception as error:
            if unreachable(error):
                self.uow.db.outage.began(error)
                return self.went_wrong(event, TRY_AGAIN)
            log.exception("update %s failed", event.update_id)
            return self.went_wrong(event)
        self.uow.db.outage.over()
        return owed

    def _answer(self, event: ChatEvent, chain: Chain | None = None) -> "Owed":
        # The user and the update's record in one statement (the user is then met
        # without reading them again); the record itself is read and written as a row,
        # not an object: the ORM's identity map and flush would cost more than the
        # statements.
        if self._direct is None:
            with self.uow.begin() as session:
                found, seen = _user_and_seen(_first_through(session.connection()), event)
                if seen is not None:
                    return self._still_owed(event.update_id, seen["replies"], seen["replies_sent"])
                return self._handle(session, event, found)
        # On PostgreSQL read in autocommit: a turn that writes nothing but its record
        # then costs two statements (a /start; a menu three, with its roles), without a
        # BEGIN and a COMMIT, and in a chain fewer (:class:`Chain`).
        if chain is not None:
            found, seen = self._read_ahead(chain, event)
        else:
            with self.uow.db.alone() as connection:
                found, seen = _user_and_seen(self._direct.first_on(connection), event)
        if seen is not None:
            return self._still_owed(event.update_id, seen["replies"], seen["replies_sent"])
        return self._in_transaction(
            chain, lambda session: self._handle(session, event, found, alone=True, chain=chain)
        )

    def _in_transaction(self, chain: Chain | None, turn: Callable[[Session], "Owed"]) -> "Owed":
        """``turn`` run in a transaction; with ``chain``, told what it wrote."""
        if chain is None:
            with self.uow.begin() as session:
                return turn(session)
        try:
            with self.uow.begin() as session:
                try:
                    owed = turn(session)
                finally:
                    if session.info.get(_BEGAN):
                        chain.forget_read()  # it began its transaction: it may have written
        except BaseException:
            chain.rolled_back()
            raise
        chain.committed()
        return owed

    def _read_ahead(self, chain: Chain, event: ChatEvent) -> tuple[Found | None, Found | None]:
        """:func:`_user_and_seen` through ``chain``: read with the records of the updates
        ahead, and again only after a turn that began its transaction."""
        assert self._direct is not None
        read = chain.read
        if read is None or read.user_id != event.user_id or event.update_id not in read.update_ids:
            update_ids = [event.update_id, *(i for i in chain.ahead if i > event.update_id)]
            with self.uow.db.alone() as connection:
                rows = self._direct.statements[USER_AND_SEEN_AHEAD].rows(
                    connection, {"user_id": event.user_id, "update_ids": update_ids}
                )
                if not rows:
                    # Never met: the turn writes them, and the next turn reads them again.
                    return None, self._direct.first_on(connection)(
                        SEEN, {"update_id": event.update_id}
                    )
            seen: dict[int, Found] = {
                row["update_id"]: row for row in rows if row["update_id"] is not None
            }
            read = chain.read = Read(event.user_id, rows[0], frozenset(update_ids), seen)
        return read.user, read.seen.get(event.update_id)

    def record_chain(self, chain: Chain) -> None:
        """Write the records ``chain`` kept back, in one statement: before any reply of
        theirs goes out. Those written first by another handler are then in
        ``chain.elsewhere``. When the database refuses one, the others are written one
        by one, and the update refused is in ``chain.failed`` (:meth:`went_wrong`).
        Raises when the database cannot be reached: none of those left is written."""
        try:
            self._write_kept_back(chain, list(chain.pending))
        except Exception as error:
            if unreachable(error):
                raise
            for values in list(chain.pending):
                try:
                    self._write_kept_back(chain, [values])
                except Exception as one:
                    if unreachable(one):
                        raise
                    log.exception("update %s failed", values["update_id"])
                    chain.failed.add(values["update_id"])
                    chain.pending.remove(values)

    def _write_kept_back(self, chain: Chain, records: list[dict[str, Any]]) -> None:
        if not records:
            return
        with self.uow.db.alone() as connection:
            returned = set(connection.execute(RECORDS, records).scalars())
        chain.written([values["update_id"] for values in records], returned)

    def went_wrong(self, event: ChatEvent, message: str = SOMETHING_WENT_WRONG) -> "Owed":
        """What ``event`` owes when its turn failed: ``message``, kept nowhere."""
        language = people.language_from_telegram(event.language_code)
        reply = Reply(text=text_for(language)._(message))
        return Owed(event.update_id, owed_for(event, [reply]), kept=False)

    def _handle(
        self,
        session: Session,
        event: ChatEvent,
        found: Found | None,
        *,
        alone: bool = False,
        chain: Chain | None = None,
    ) -> "Owed":
        """Run ``event``'s handler and record the turn (:meth:`_record`); ``found``, the user
        when known."""
        known = None if found is None else _as_loaded(session, found)
        turn = self._turn(session, event, known)
        refusal = self._dispatch(turn)
        if isinstance(refusal, RefusalTold):
            raise _Refused(refusal.refusal, keep_replies=turn.keep_replies, replies=refusal.replies)
        if refusal is not None:
            # Out of the transaction, which rolls back whole: nothing the handler
            # wrote before refusing stays.
            raise _Refused(refusal, keep_replies=turn.keep_replies)
        return self._record(session, turn, alone=alone, chain=chain)

    def _answer_refused(
        self, event: ChatEvent, refused: "_Refused", chain: Chain | None = None
    ) -> "Owed":
        """The refusal told, and the update recorded, in a transaction of their own after
        the turn's was rolled back: refusals are rare, and a savepoint around every
        handler cost each turn two statements more."""

        def told(session: Session) -> Owed:
            turn = self._turn(session, event)
            turn.keep_replies = refused.keep_replies
            if refused.replies is not None:
                turn.out = refused.replies
            else:
                turn.out = self._refusal_replies(turn, refused.error)
            return self._record(session, turn, chain=chain)

        return self._in_transaction(chain, told)

    def _turn(self, session: Session, event: ChatEvent, known: User | None = None) -> Turn:
        """The turn of ``event``, its user (and group) met in ``session``; ``known``, the
        user when read already."""
        user, _ = people.meet_user(
            session,
            user_id=event.user_id,
            first_name=event.first_name,
            username=event.username,
            language_code=event.language_code,
            known=known,
        )
        if not event.is_private:
            people.meet_group(session, chat_id=event.chat_id, title=event.chat_title)
        return Turn(event=event, session=session, user=user, uow=self.uow)

    def _record(
        self, session: Session, turn: Turn, *, alone: bool = False, chain: Chain | None = None
    ) -> "Owed":
        """``turn``'s update recorded as handled, with the replies it owes when they may be
        kept. With ``alone``, when the turn has used no connection of ``session`` (it read
        and wrote nothing), the record is written on its own in autocommit: it is then
        the whole of the turn, and atomic by itself; with ``chain`` too, it is kept back
        (:class:`Chain`), unless the update is a press. Written, it takes with it those
        ``chain`` kept back."""
        event = turn.event
        items = owed_for(event, turn.out)
        kept = bool(items) and turn.keep_replies
        session.flush()
        values = {
            "update_id": event.update_id,
            "processed_at": utcnow(),
            "replies": chat.encode(items) if kept else None,
            "replies_sent": 0,
        }
        # Recorded last, so that a concurrent copy of this update (a webhook
        # retried while we work) waits here on the key and is rolled back whole.
        try:
            if alone and self._direct is not None and not session.info.get(_BEGAN):
                if chain is not None and event.callback_id is None:
                    chain.pending.append(values)
                elif chain is not None and chain.pending:
                    with self.uow.db.alone() as connection:
                        self._with_kept_back(connection, chain, values, chain.written)
                else:
                    with self.uow.db.alone() as connection:
                        self._direct.record.rows(connection, values)
            elif chain is not None and chain.pending:
                self._with_kept_back(session.connection(), chain, values, chain.staged)
            else:
                session.connection().execute(RECORD, values)
        except IntegrityError:
            raise HandledElsewhere() from None
        return Owed(event.update_id, items, kept=kept)

    @staticmethod
    def _with_kept_back(
        connection: Connection,
        chain: Chain,
        values: dict[str, Any],
        written: Callable[[list[int], set[int]], None],
    ) -> None:
        """Write ``values`` and the records ``chain`` kept back in one statement, and tell
        ``written`` which of those were written; raise :class:`HandledElsewhere` when
        ``values``' update was written first elsewhere."""
        kept_back = chain.pending_ids
        returned = set(connection.execute(RECORDS, [*chain.pending, values]).scalars())
        written(kept_back, returned)
        if values["update_id"] not in returned:
            raise HandledElsewhere()

    def _still_owed(self, update_id: int, replies: list[Any] | None, sent: int) -> "Owed":
        if not replies:
            log.info("update %s seen before; ignored", update_id)
            return Owed(update_id, [], kept=False)
        items = chat.decode(replies)
        log.info(
            "update %s seen before; sending the %d replies it still owes",
            update_id,
            len(items) - sent,
        )
        return Owed(update_id, items[sent:], start=sent)

    def replied(self, owed: "Owed", count: int) -> None:
        """Stamp the first ``count`` replies of ``owed``'s update as out; once all are,
        forget them (a document can be large)."""
        self.replied_all([(owed, count)])

    def replied_all(self, stamps: Sequence[tuple["Owed", int]]) -> None:
        """:meth:`replied` for several updates at once, in one transaction: the stamps of
        replies that went out while the last were written (one statement for all
        stamped alike)."""
        alike: dict[tuple[int, bool], list[int]] = {}
        for owed, count in stamps:
            done = count >= owed.start + len(owed.items)
            alike.setdefault((count, done), []).append(owed.update_id)
        db = self.uow.db
        sent_all, sent_some = (SENT_ALL, SENT_SOME) if db.is_sqlite else (PG_SENT_ALL, PG_SENT_SOME)
        try:
            if len(alike) == 1 and not db.is_sqlite:
                # One statement, atomic on its own: on PostgreSQL in autocommit, without
                # the round trips of a BEGIN and a COMMIT around it.
                ((count, done), update_ids), *_ = alike.items()
                with db.alone() as connection:
                    connection.execute(
                        sent_all if done else sent_some, {"update_ids": update_ids, "count": count}
                    )
                return
            with db.engine.begin() as connection:
                for (count, done), update_ids in alike.items():
                    connection.execute(
                        sent_all if done else sent_some, {"update_ids": update_ids, "count": count}
                    )
        except Exception as error:
            # Sent but not stamped: a redelivery of this update would send it again,
            # which is rarer and kinder than not answering at all.
            if not unreachable(error):
                raise
            self.uow.db.outage.began(error)

    def _dispatch(self, turn: Turn) -> MajlisError | RefusalTold | None:
        """Run the event's handler; the refusal it raised, if it did."""
        event = turn.event
        try:
            if event.callback_data is not None:
                self._press(turn, event.callback_data)
            elif event.command is not None:
                self._command(turn, event.command)
            else:
                self._input(turn)
        except RefusalTold as told:
            log.warning("refused user %s: %s", turn.user.id, told.refusal)
            return told
        except NotAllowed as refusal:
            log.warning("refused user %s: %s", turn.user.id, refusal)
            return refusal
        except IllegalTransition as stale:
            log.warning("stale action by user %s: %s", turn.user.id, stale)
            return stale
        except MajlisError as error:
            log.warning("refused user %s: %s", turn.user.id, error)
            return error
        return None

    def _refusal_replies(self, turn: Turn, error: MajlisError) -> list[Outgoing]:
        event = turn.event
        if isinstance(error, NotAllowed):
            # The reason's own sentence, wherever the refusal was raised.
            said = sentence_for(turn.t, error.reason)
            return [Toast(said, alert=True)] if event.callback_id else [Reply(said)]
        if isinstance(error, IllegalTransition):
            message = too_late(turn, error)
            return (
                [Toast(toast_text(message), alert=True)] if event.callback_id else [Reply(message)]
            )
        return [Reply(turn.t._(REFUSED))]

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


def too_late(turn: Turn, stale: IllegalTransition) -> str:
    """What someone whose decision came too late is told: who took the step first and
    what they did, in their language."""
    try:
        first = decisions.first_to_act(turn.session, stale, turn.roles)
    except SQLAlchemyError:
        # Saying who was first is a courtesy; the refusal itself must still be told.
        log.exception("could not tell user %s who acted first", turn.user.id)
        first = None
    if first is None:
        return turn.t._(ALREADY_HANDLED)
    return turn.t._(ACTED_FIRST, outcome=first)


WROTE_PRIVATELY = N_("I have written to you in our private chat.")
REFUSED = N_("You are not allowed to do this. If you think you should be, ask the Secretariat.")
ALREADY_HANDLED = N_("This has already been dealt with; nothing was changed.")
ACTED_FIRST = N_("This was already decided; nothing was changed.\n{outcome}")
#: Telegram shows at most this many characters in the answer to a button press.
TOAST_LIMIT = 200


def toast_text(text: str) -> str:
    """``text`` as the answer to a button press: plain text, which Telegram does not parse
    as HTML, cut to what it shows."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", text))
    return plain if len(plain) <= TOAST_LIMIT else plain[: TOAST_LIMIT - 1] + "…"


STALE_BUTTON = N_("This button is no longer valid. Please use the latest message or /menu.")
UNKNOWN_COMMAND = N_("I do not know this command. Send /help to see what I can do.")
PRIVATE_ONLY = N_("Please use this command in a private chat with me.")
