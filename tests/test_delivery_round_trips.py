"""What a notification costs in round trips to PostgreSQL, counted on the wire.

An edit of a ballot copy or a tally goes through the outbox for every Confirm of a
named vote, so in a vote in the room a worker delivers one per voter. Each round
trip is a good part of the processor time of a delivery; a BEGIN and a COMMIT (or
ROLLBACK) around a statement that is atomic on its own, or around reads, are two
that buy nothing."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from bot.delivery import Delivery, SentMarks, deliver
from bot.telegram_api import RateLimiter
from models import User
from tests.conftest import POSTGRES_URL
from tests.test_rate_limiter import EditingApi
from tests.wire import Wire, round_trips, statements, traced
from workflows.platform import outbox
from workflows.platform.queue import DELIVERY_QUEUE, make_broker
from workflows.platform.unit_of_work import UnitOfWork

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="PostgreSQL's protocol: set MAJLIS_TEST_DATABASE_URL"
)


@pytest.fixture
def wire(uow: UnitOfWork, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Wire]:
    with traced(uow.db.engine, tmp_path, monkeypatch) as tracing:
        yield tracing


def a_tally_out(uow: UnitOfWork) -> int:
    """A message already delivered (Telegram's 500) that later edits change."""
    with uow.begin() as session:
        session.add(User(id=77, first_name="Amina", language="en"))
        tally = outbox.notify(session, chat_id=77, key="Welcome back, {name}.", args={"name": "0"})
        assert tally is not None and tally.id is not None
        tally.delivered_at, tally.telegram_message_id = uow.clock.now(), 500
        return tally.id


def test_an_edit_is_delivered_in_five_round_trips(
    uow: UnitOfWork, redis_url: str, namespace: str, wire: Wire
) -> None:
    """The claim, the recipient's language, the edit's target, the last look for a
    newer edit once the limiter gave the turn, and the delivered stamp: one round trip
    each, in autocommit."""
    tally_id = a_tally_out(uow)
    with uow.begin() as session:
        edit = outbox.notify(
            session, chat_id=77, key="Welcome back, {name}.", args={"name": "1"}, edit_of=tally_id
        )
        assert edit is not None and edit.id is not None
        edit_id = edit.id
    client = redis.Redis.from_url(redis_url)
    api = EditingApi()
    delivery = Delivery(
        uow=uow,
        api=api,  # type: ignore[arg-type]
        limiter=RateLimiter(client, namespace=f"{namespace}:rate"),
        marks=SentMarks(client, namespace=f"{namespace}:sent"),
    )
    try:
        start = wire.mark()
        assert deliver(delivery, edit_id, holder="m1@w1") == "delivered"
        sent = wire.since(start)
    finally:
        client.close()
    assert api.edits == [(500, "Welcome back, 1.")]
    assert round_trips(sent) == 5, statements(sent)


def test_a_notice_written_is_stamped_as_handed_over_once(
    uow: UnitOfWork, redis_url: str, namespace: str, wire: Wire
) -> None:
    """In the transaction that writes it, not again once the queue has it: BEGIN, the
    notice, its stamp, COMMIT."""
    broker = make_broker(redis_url, namespace=namespace)
    queued = UnitOfWork(db=uow.db, settings=uow.settings, broker=broker, clock=uow.clock)
    with queued.begin() as session:
        session.add(User(id=77, first_name="Amina", language="en"))
    try:
        start = wire.mark()
        with queued.begin() as session:
            row = outbox.notify(
                session, chat_id=77, key="Welcome back, {name}.", args={"name": "A"}
            )
            assert row is not None
        sent = wire.since(start)
        assert broker.client.llen(f"{namespace}:{DELIVERY_QUEUE}") == 1
        stored = outbox.load(uow.db, row.id or 0)
        assert stored is not None and stored.enqueued_at is not None  # handed over
    finally:
        broker.flush_all()
        broker.close()
    assert round_trips(sent) == 4, statements(sent)
