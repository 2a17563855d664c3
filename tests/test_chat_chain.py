"""A chat's waiting updates answered in a row by the handler that holds the chat: its
user read once for the turns that write nothing, their records written together, and
never a reply out before its update's record (``bot.chain``)."""

from pathlib import Path

import pytest
from sqlalchemy import text

from bot.chain import Chain
from bot.conversations import FALLBACK, ROUTERS
from bot.conversations.start import PickLanguage
from bot.engine import SOMETHING_WENT_WRONG, Engine
from bot.i18n import text_for
from bot.intake import Handlers
from models import ProcessedUpdate
from tests.conftest import POSTGRES_URL
from tests.test_update_inbox import InThisThread, event, handlers_on, press, rows
from tests.wire import round_trips, statements, traced
from workflows.platform import inbox
from workflows.platform.clock import FrozenClock
from workflows.platform.unit_of_work import UnitOfWork

needs_postgresql = pytest.mark.skipif(
    not POSTGRES_URL, reason="PostgreSQL's protocol and triggers: set MAJLIS_TEST_DATABASE_URL"
)


def recorded(uow: UnitOfWork) -> list[int]:
    """The updates recorded as handled."""
    with uow.db.engine.connect() as connection:
        found = connection.execute(
            text(f"SELECT update_id FROM {ProcessedUpdate.__tablename__}")
        ).scalars()
        return sorted(found)


@needs_postgresql
def test_a_chats_waiting_starts_cost_their_turns_one_read_and_one_record_in_all(
    uow: UnitOfWork, clock: FrozenClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five ``/start`` of a known user waiting, counted on the wire of the pool (the
    chat's lock connection, opened before, is not traced): the user read with the five
    updates' records, the five records written in one statement before any reply goes
    out, four stamps (the fifth goes with the rows' deletion and the look for more).
    Each turn read the user and wrote its record on its own before: 15 round trips."""
    handlers, sender = handlers_on(uow)
    inbox.store(uow.db, rows(event(1, 7, "/start")), now=clock.now())
    handlers.handle_chat(7)  # meets the user
    inbox.store(uow.db, rows(*(event(i, 7, "/start") for i in range(2, 7))), now=clock.now())
    with traced(uow.db.engine, tmp_path, monkeypatch) as wire:
        start = wire.mark()
        handlers.handle_chat(7)
        sent = wire.since(start)
    assert len(sender.messenger.sent) == 6 and not inbox.waiting_for(uow.db, 7)
    assert recorded(uow) == [1, 2, 3, 4, 5, 6]
    assert round_trips(sent) == 7, statements(sent)


def test_a_turn_that_writes_takes_the_records_before_it_and_the_next_turn_reads_its_user_again(
    uow: UnitOfWork, clock: FrozenClock
) -> None:
    """A ``/start``, the press that picks Arabic (it writes the user), and a ``/start``
    again, waiting together: the second welcome is in Arabic, every update is recorded,
    and handed over again the batch sends nothing twice."""
    handlers, sender = handlers_on(uow)
    inbox.store(uow.db, rows(event(1, 7, "/start")), now=clock.now())
    handlers.handle_chat(7)  # meets the user, who has not chosen a language yet
    batch = [event(2, 7, "/start"), press(3, PickLanguage("ar").pack()), event(4, 7, "/start")]
    inbox.store(uow.db, rows(*batch), now=clock.now())
    handlers.handle_chat(7)
    said = [said for _, said in sender.messenger.sent]
    arabic = text_for("ar")
    assert said[-1] == arabic._("Welcome back, {name}.", name="Amina")
    assert arabic._("Language set: {language}.", language="العربية") in said
    assert recorded(uow) == [1, 2, 3, 4]
    assert not inbox.waiting_for(uow.db, 7)

    inbox.store(uow.db, rows(*batch), now=clock.now())
    handlers.handle_chat(7)
    assert [said for _, said in sender.messenger.sent] == said


def three_starts_waiting(
    uow: UnitOfWork, clock: FrozenClock, action: str
) -> tuple[Handlers, InThisThread]:
    """The handlers of a chat whose user was met (update 1), three ``/start`` waiting
    (2, 3, 4), and a trigger doing ``action`` (PL/pgSQL) as update 3's record is
    written."""
    handlers, sender = handlers_on(uow)
    inbox.store(uow.db, rows(event(1, 7, "/start")), now=clock.now())
    handlers.handle_chat(7)
    with uow.db.engine.begin() as connection:
        connection.execute(
            text(
                "CREATE FUNCTION refuse_record() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN {action}; RETURN NEW; END $$"
            )
        )
        connection.execute(
            text(
                f"CREATE TRIGGER refuse BEFORE INSERT ON {ProcessedUpdate.__tablename__} "
                "FOR EACH ROW WHEN (NEW.update_id = 3) "
                "EXECUTE FUNCTION refuse_record()"
            )
        )
    inbox.store(uow.db, rows(*(event(i, 7, "/start") for i in (2, 3, 4))), now=clock.now())
    return handlers, sender


@needs_postgresql
def test_an_update_whose_record_is_refused_is_told_so_and_the_others_are_answered(
    uow: UnitOfWork, clock: FrozenClock
) -> None:
    """The database refuses one of the records kept back (a trigger here): the others
    are written and answered in order, and that update is told something went wrong,
    as a turn that fails is; no row is left to block the chat."""
    handlers, sender = three_starts_waiting(uow, clock, "RAISE EXCEPTION 'refused'")
    handlers.handle_chat(7)
    welcome, *said = [said for _, said in sender.messenger.sent]
    assert said == [welcome, text_for("en")._(SOMETHING_WENT_WRONG), welcome]
    assert recorded(uow) == [1, 2, 4] and not inbox.waiting_for(uow.db, 7)


@needs_postgresql
def test_updates_whose_records_cannot_be_written_send_nothing_and_wait_in_the_inbox(
    uow: UnitOfWork, clock: FrozenClock
) -> None:
    """The server drops the connection as the records kept back are written (a trigger
    ends its own session): none of those updates is answered, their rows stay, and the
    next handler of the chat answers each once."""
    handlers, sender = three_starts_waiting(
        uow, clock, "PERFORM pg_terminate_backend(pg_backend_pid())"
    )
    handlers.handle_chat(7)
    assert len(sender.messenger.sent) == 1
    assert recorded(uow) == [1]
    assert [row.update_id for row in inbox.Chat(uow.db, 7).waiting()] == [2, 3, 4]

    with uow.db.engine.begin() as connection:
        connection.execute(text(f"DROP TRIGGER refuse ON {ProcessedUpdate.__tablename__}"))
    handlers.handle_chat(7)
    said = [said for _, said in sender.messenger.sent]
    assert said == said[:1] * 4
    assert recorded(uow) == [1, 2, 3, 4] and not inbox.waiting_for(uow.db, 7)


@needs_postgresql
def test_an_update_recorded_first_by_another_handler_is_answered_by_it_alone(
    uow: UnitOfWork, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While this handler answered three ``/start``, another (one that held the chat
    before, and lost it) recorded the second: its reply is that handler's to send, and
    goes out from here neither; the others do, and every row leaves the inbox."""
    handlers, sender = handlers_on(uow)
    inbox.store(uow.db, rows(event(1, 7, "/start")), now=clock.now())
    handlers.handle_chat(7)
    record_chain = Engine.record_chain

    def the_other_first(engine: Engine, chain: Chain) -> None:
        with uow.db.engine.begin() as connection:
            connection.execute(
                text(
                    f"INSERT INTO {ProcessedUpdate.__tablename__} "
                    "(update_id, processed_at, replies_sent) VALUES (3, now(), 0)"
                )
            )
        record_chain(engine, chain)

    monkeypatch.setattr(Engine, "record_chain", the_other_first)
    inbox.store(uow.db, rows(*(event(i, 7, "/start") for i in (2, 3, 4))), now=clock.now())
    handlers.handle_chat(7)
    assert len(sender.messenger.sent) == 3
    assert recorded(uow) == [1, 2, 3, 4] and not inbox.waiting_for(uow.db, 7)


@needs_postgresql
def test_a_menu_costs_its_turn_three_round_trips_and_writes_only_its_record(
    uow: UnitOfWork, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``/menu`` of a known user, counted on the wire: the user read with the update's
    record, the roles read, the record written, each in autocommit. The roles were read
    in the turn's transaction, which cost a ``BEGIN`` and a ``COMMIT`` more."""
    engine = Engine(uow, ROUTERS, fallback=FALLBACK)
    engine.answer(event(1, 7, "/start"))  # meets the user
    with traced(uow.db.engine, tmp_path, monkeypatch) as wire:
        start = wire.mark()
        owed = engine.answer(event(2, 7, "/menu"))
        sent = wire.since(start)
    assert [item.text for item in owed.items] == [
        text_for("en")._("Main menu. What would you like to do?")
    ]
    assert not [said for said in statements(sent) if "BEGIN" in said]
    assert round_trips(sent) == 3, statements(sent)
    assert recorded(uow) == [1, 2]
