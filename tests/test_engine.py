"""The conversation engine without Telegram: events in, replies out."""

import dataclasses
import enum
import itertools
import json
import logging
from pathlib import Path
from typing import ClassVar

import pytest

from bot import chat
from bot.chat import Button, ChatEvent, Document, Reply, Toast
from bot.conversations import FALLBACK, ROUTERS
from bot.conversations.start import Item, Menu, PickLanguage
from bot.engine import Engine, FlowState, Router, Turn
from models import Conversation, ProcessedUpdate, User
from models.db import Database
from tests.conftest import POSTGRES_URL
from tests.wire import statements, traced
from workflows.charter.roles import Role
from workflows.platform import people, unit_of_work
from workflows.platform.settings import Settings
from workflows.platform.unit_of_work import UnitOfWork

_ids = itertools.count(1)
#: Two copies of an update answered at once: on SQLite the second writer waits for the
#: first instead.
needs_postgresql = pytest.mark.skipif(
    not POSTGRES_URL, reason="concurrent writers: set MAJLIS_TEST_DATABASE_URL"
)


def event(user_id: int = 501, *, language: str | None = "en", **fields: object) -> ChatEvent:
    return ChatEvent(
        update_id=next(_ids),
        user_id=user_id,
        first_name="Amina",
        chat_id=int(fields.pop("chat_id", user_id)),  # type: ignore[call-overload]
        language_code=language,
        **fields,  # type: ignore[arg-type]
    )


@pytest.fixture
def engine(uow: UnitOfWork) -> Engine:
    return Engine(uow, ROUTERS, fallback=FALLBACK)


def texts(outgoing: list[Reply | Toast]) -> str:
    return "\n".join(item.text for item in outgoing)


def buttons(outgoing: list[Reply | Toast]) -> list[str]:
    return [
        b.text for item in outgoing if isinstance(item, Reply) for row in item.buttons for b in row
    ]


def test_first_start_greets_in_the_clients_language_and_offers_both(engine: Engine) -> None:
    replies = engine.handle(event(language="ar", text="/start"))
    assert "أهلًا بك في مجلس" in texts(replies)
    assert buttons(replies) == ["English", "العربية"]


def test_picking_a_language_is_stored_and_the_menu_follows_in_it(
    engine: Engine, uow: UnitOfWork
) -> None:
    engine.handle(event(text="/start"))
    replies = engine.handle(
        event(callback_data=PickLanguage("ar").pack(), callback_id="q1", message_id=1)
    )
    assert replies[0].edit if isinstance(replies[0], Reply) else False
    assert "العربية" in replies[0].text
    assert "عن الجمعية" in buttons(replies)
    with uow.db.session() as session:
        user = session.get(User, 501)
        assert user is not None and user.language == "ar" and user.language_chosen


def test_a_known_user_who_renamed_themselves_is_greeted_and_kept_by_the_new_name(
    engine: Engine, uow: UnitOfWork
) -> None:
    """The user is read with their update's record as a row and met as if loaded: what
    the turn changes in them is written with it."""
    engine.handle(event(text="/start"))
    renamed = dataclasses.replace(event(text="/start"), first_name="Amina B.", username="amina_b")
    assert "Amina B." in texts(engine.handle(renamed))
    with uow.db.session() as session:
        user = session.get(User, 501)
        assert user is not None and (user.first_name, user.username) == ("Amina B.", "amina_b")
        assert user.language == "en" and not user.language_chosen


def copy_recorded_first(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> None:
    """Another copy of the update being answered records it, on a connection of its
    own, while this one runs its handler."""
    dispatch = engine._dispatch

    def and_a_copy_records_it(turn: Turn) -> object:
        refusal = dispatch(turn)
        with engine.uow.db.session() as other:
            other.add(ProcessedUpdate(update_id=turn.event.update_id))
        return refusal

    monkeypatch.setattr(engine, "_dispatch", and_a_copy_records_it)


@needs_postgresql
def test_a_start_that_another_copy_recorded_first_says_nothing(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A /start writes nothing but its record (alone, in autocommit): a copy that
    recorded the update first leaves this one nothing to send."""
    engine.handle(event(text="/start"))
    copy_recorded_first(monkeypatch, engine)
    owed = engine.answer(event(text="/start"))
    assert owed.items == [] and not owed.kept


@needs_postgresql
def test_a_turn_that_another_copy_recorded_first_is_rolled_back_whole(
    engine: Engine, uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A turn that writes (a language picked) records the update in its transaction:
    when a copy recorded it first, nothing of the turn stays."""
    engine.handle(event(text="/start"))
    copy_recorded_first(monkeypatch, engine)
    owed = engine.answer(
        event(callback_data=PickLanguage("ar").pack(), callback_id="q1", message_id=1)
    )
    assert owed.items == [] and not owed.kept
    with uow.db.session() as session:
        user = session.get(User, 501)
        assert user is not None and user.language == "en" and not user.language_chosen


def test_a_turn_that_writes_records_its_update_in_its_own_transaction(
    engine: Engine, uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a turn that wrote nothing has its record written on its own: when a turn
    that wrote fails before its commit, its record goes with the rest."""
    engine.handle(event(text="/start"))
    monkeypatch.setattr(unit_of_work.outbox, "new_in", fail)
    press = event(callback_data=PickLanguage("ar").pack(), callback_id="q1", message_id=1)
    owed = engine.answer(press)
    assert not owed.kept
    with uow.db.session() as session:
        assert session.get(ProcessedUpdate, press.update_id) is None
        user = session.get(User, 501)
        assert user is not None and user.language == "en"


def fail(*_: object) -> list[int]:
    raise RuntimeError("the unit of work fails before its commit")


def test_a_repeated_update_changes_nothing(engine: Engine, uow: UnitOfWork) -> None:
    engine.handle(event(text="/start"))
    press = event(callback_data=PickLanguage("ar").pack(), callback_id="q1", message_id=1)
    first = engine.answer(press)
    assert first.items
    engine.replied(first, len(first.items))
    assert engine.handle(press) == []


def test_a_repeated_update_owes_the_replies_not_yet_sent(engine: Engine, uow: UnitOfWork) -> None:
    engine.handle(event(text="/start"))
    press = event(callback_data=PickLanguage("ar").pack(), callback_id="q1", message_id=1)
    first = engine.answer(press)
    assert len(first.items) >= 3  # the edit, the menu, the answer to the press
    assert engine.handle(press) == first.items  # killed before anything went out
    engine.replied(first, 2)
    again = engine.answer(press)
    assert (again.start, again.items) == (2, first.items[2:])
    engine.replied(again, len(first.items))
    assert engine.handle(press) == []
    with uow.db.session() as session:
        user = session.get(User, 501)
        assert user is not None and user.language == "ar"


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL's protocol: set MAJLIS_TEST_DATABASE_URL")
def test_the_stamps_of_many_updates_are_one_statement_whatever_their_number(
    engine: Engine, uow: UnitOfWork, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replies sent in a busy moment are stamped together: the ids go as one array, so
    that the statement is the same for three updates or a hundred (an ``IN`` list was
    rendered anew, a placeholder per id, at every stamp)."""
    owed = [engine.answer(event(user_id, text="/start")) for user_id in range(601, 704)]
    assert all(one.kept for one in owed)
    with traced(uow.db.engine, tmp_path, monkeypatch) as wire:
        start = wire.mark()
        engine.replied_all([(one, len(one.items)) for one in owed[:3]])
        three = wire.mark()
        engine.replied_all([(one, len(one.items)) for one in owed[3:]])
        sent = [
            statements(wire.between(start, three), width=None),
            statements(wire.since(three), width=None),
        ]
    assert len(sent[0]) == 1 and sent[0] == sent[1], sent
    with uow.db.session() as session:
        for one in owed:
            record = session.get(ProcessedUpdate, one.update_id)
            assert record is not None
            assert (record.replies, record.replies_sent) == (None, len(one.items))


def test_replies_kept_for_later_come_back_as_they_were() -> None:
    items: list[Reply | Toast] = [
        Reply("<b>Hello</b>", [[Button("Yes", "y:1"), Button("No", "n:1")]]),
        Reply("New text", edit=True),
        Reply("To you", chat_id=42),
        Reply("The list", document=Document("list.csv", b"a,b\n\x00\xff", "text/csv")),
        Toast("Done", alert=True),
        Toast(""),
    ]
    assert chat.decode(json.loads(json.dumps(chat.encode(items)))) == items


def test_forged_button_is_refused_politely(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    engine.handle(event(text="/start"))
    replies = engine.handle(event(callback_data="approve:999:admit", callback_id="q", message_id=1))
    assert replies == [
        Toast("This button is no longer valid. Please use the latest message or /menu.", alert=True)
    ]
    assert "forged or outdated button" in caplog.text


def test_a_guest_cannot_reach_staff_items_by_forging_the_menu(engine: Engine) -> None:
    engine.handle(event(text="/start"))
    replies = engine.handle(
        event(callback_data=Menu(Item.PENDING).pack(), callback_id="q", message_id=1)
    )
    assert replies == [Toast("This item is not in your menu.", alert=True)]


def test_menu_depends_on_roles(engine: Engine, uow: UnitOfWork) -> None:
    engine.handle(event(text="/start"))
    guest_menu = buttons(engine.handle(event(text="/menu")))
    assert "Apply for membership" in guest_menu and "Pending approvals" not in guest_menu
    with uow.begin() as session:
        people.grant_role(session, user_id=501, role=Role.SECRETARIAT, actor_id=None)
    staff_menu = buttons(engine.handle(event(text="/menu")))
    assert "Pending approvals" in staff_menu and "Apply for membership" not in staff_menu


def test_the_menus_broadcast_opens_the_broadcast_form(engine: Engine, uow: UnitOfWork) -> None:
    with uow.begin() as session:
        people.grant_role(session, user_id=501, role=Role.SECRETARIAT, actor_id=None)
    replies = engine.handle(
        event(callback_data=Menu(Item.BROADCAST).pack(), callback_id="q", message_id=3)
    )
    assert "New broadcast." in replies[0].text
    assert "Every member's representatives" in buttons(replies)


def test_unknown_text_points_the_way(engine: Engine) -> None:
    engine.handle(event(text="/start"))
    replies = engine.handle(event(text="hello?"))
    assert "I did not understand that" in texts(replies)
    assert "Help" in buttons(replies)


class Asking(FlowState):
    FLOW: ClassVar[str] = "echo"

    class Step(enum.StrEnum):
        CITY = "city"
        COUNTRY = "country"

    step: Step = Step.CITY
    city: str | None = None


def test_conversation_state_is_kept_in_the_database(uow: UnitOfWork) -> None:
    router = Router("echo")

    @router.command("ask")
    def ask(turn: Turn) -> None:
        turn.start(Asking())
        turn.say("What is your city?")

    @router.step(Asking.FLOW, Asking.Step.CITY)
    def city(turn: Turn) -> None:
        state = turn.state(Asking)
        assert state is not None
        state.city, state.step = turn.event.text, Asking.Step.COUNTRY
        turn.save(state)
        turn.say("And your country?")

    @router.step(Asking.FLOW, Asking.Step.COUNTRY)
    def country(turn: Turn) -> None:
        state = turn.state(Asking)
        assert state is not None
        turn.say(f"City: {state.city}, {turn.event.text}")
        turn.finish()

    first = Engine(uow, [router], fallback=lambda turn: turn.say("?"))
    first.handle(event(text="/ask"))
    first.handle(event(text="Fez"))
    with uow.db.session() as session:
        row = session.get(Conversation, (501, 501))
        assert row is not None and (row.step, row.data) == ("country", {"city": "Fez"})
    restarted = Engine(uow, [router], fallback=lambda turn: turn.say("?"))
    assert texts(restarted.handle(event(text="Morocco"))) == "City: Fez, Morocco"
    with uow.db.session() as session:
        assert session.get(Conversation, (501, 501)) is None


def test_a_state_this_version_cannot_read_ends_the_flow_quietly(uow: UnitOfWork) -> None:
    """A row left by an older version, with a step it no longer has, reads as no state."""
    router = Router("echo")
    seen: list[Asking | None] = []

    @router.flow(Asking.FLOW)
    def anything(turn: Turn) -> None:
        seen.append(turn.state(Asking))
        turn.finish()
        turn.say("This form is closed.")

    with uow.begin() as session:
        session.add(User(id=501, language="en", first_name="Amina"))
        session.add(Conversation(user_id=501, chat_id=501, flow="echo", step="gone", data={}))
    engine = Engine(uow, [router], fallback=lambda turn: turn.say("?"))
    assert texts(engine.handle(event(text="Fez"))) == "This form is closed."
    assert seen == [None]


def test_group_commands_stay_short(engine: Engine) -> None:
    replies = engine.handle(
        event(text="/start", chat_id=-100, chat_type="group", chat_title="Council")
    )
    assert texts(replies) == "Hello! Talk to me in a private chat to use Majlis."
    assert engine.handle(event(text="just chatting", chat_id=-100, chat_type="group")) == []


def test_a_refused_step_owes_no_notification(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlmodel import select

    from bot.engine import Router, Turn
    from models import Notification
    from workflows.charter.errors import NotAllowed
    from workflows.platform import outbox

    router = Router("refuse")

    @router.command("try")
    def attempt(turn: Turn) -> None:
        outbox.notify(turn.session, chat_id=turn.user.id, key="Main menu")
        raise NotAllowed("no")

    handed: list[list[int]] = []

    def hand_over(ids: list[int], *, stamped: bool = False) -> None:
        handed.append(ids)

    monkeypatch.setattr(uow, "hand_over", hand_over)
    engine = Engine(uow, [router], fallback=lambda turn: None)
    attempt_update = event(text="/try")
    replies = engine.handle(attempt_update)
    assert texts(replies).startswith("You are not allowed")
    assert handed in ([], [[]])
    with uow.db.session() as session:
        assert session.exec(select(Notification)).all() == []
        # The person is met and the update recorded all the same: a copy of it owes
        # the refusal again until it is out, and changes nothing.
        assert session.get(User, attempt_update.user_id) is not None
    again = engine.handle(attempt_update)
    assert texts(again) == texts(replies)
    with uow.db.session() as session:
        assert session.exec(select(Notification)).all() == []


def test_a_refusal_told_in_the_handlers_own_words_undoes_what_the_handler_wrote(
    uow: UnitOfWork,
) -> None:
    """A handler that tells its refusals itself (``explained``) runs without a savepoint
    of its own: the engine rolls the turn back whole and records it with what was said."""
    from sqlmodel import select

    from bot.conversations.refusals import explained
    from bot.engine import Router, Turn
    from bot.i18n import text_for
    from bot.reasons import sentence_for
    from models import Notification
    from workflows.charter.errors import NotAllowed
    from workflows.platform import outbox

    router = Router("refuse")

    @router.command("try")
    @explained
    def attempt(turn: Turn) -> None:
        outbox.notify(turn.session, chat_id=turn.user.id, key="Main menu")
        turn.say("Counting your vote.")
        raise NotAllowed("closed", reason="procedure.vote_closed")

    engine = Engine(uow, [router], fallback=lambda turn: None)
    attempt_update = event(text="/try")
    replies = engine.handle(attempt_update)
    assert texts(replies) == sentence_for(text_for("en"), "procedure.vote_closed")
    with uow.db.session() as session:
        assert session.exec(select(Notification)).all() == []
        assert session.get(User, attempt_update.user_id) is not None
    # Recorded: a copy of the update owes the same sentence and changes nothing.
    assert texts(engine.handle(attempt_update)) == texts(replies)
    with uow.db.session() as session:
        assert session.exec(select(Notification)).all() == []


def test_an_unreachable_database_is_a_try_again_in_the_users_language_and_one_log_line(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.faults.processes import free_port

    nowhere = Database(f"postgresql://postgres@127.0.0.1:{free_port()}/majlis")
    engine = Engine(UnitOfWork(db=nowhere, settings=settings), ROUTERS, fallback=FALLBACK)
    with caplog.at_level(logging.INFO):
        answers = [engine.handle(event(language=lang, text="/help")) for lang in ("ar", "en", "en")]
    assert texts(answers[0]) == "لا أستطيع الوصول إلى سجلاتي الآن. يُرجى المحاولة مرة أخرى بعد قليل."
    assert texts(answers[1]) == "I cannot reach my records just now. Please try again in a moment."
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        f"database unreachable at {nowhere.outage.where}"
    ]
    nowhere.dispose()
