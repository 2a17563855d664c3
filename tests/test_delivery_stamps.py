"""A notification that went out is not sent again because its stamp did not reach
the database; an outage is told in one line when it begins and one when it ends."""

import logging
from typing import Any

import pytest
import redis
from sqlalchemy.exc import OperationalError

from bot.delivery import Delivery, SentMarks, deliver
from models import Notification, User
from workflows.platform import outbox
from workflows.platform.clock import FrozenClock
from workflows.platform.unit_of_work import UnitOfWork


class CountingApi:
    """The Bot API as far as delivery sees it, counting what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    def send_message(self, chat_id: int, text: str, buttons: Any = None) -> int:
        self.sent.append((chat_id, text))
        return 1000 + len(self.sent)


def gone() -> OperationalError:
    return OperationalError(
        "UPDATE notifications",
        {},
        Exception("server closed the connection unexpectedly"),
        connection_invalidated=True,
    )


@pytest.fixture
def delivery(uow: UnitOfWork, redis_url: str, namespace: str) -> Delivery:
    return Delivery(
        uow=uow,
        api=CountingApi(),  # type: ignore[arg-type]
        limiter=None,
        marks=SentMarks(redis.Redis.from_url(redis_url), namespace=f"{namespace}:sent"),
    )


def owed(uow: UnitOfWork) -> int:
    with uow.begin() as session:
        session.add(User(id=77, first_name="Amina", language="en"))
        row = outbox.notify(session, chat_id=77, key="Welcome back, {name}.", args={"name": "A"})
        assert row is not None and row.id is not None
        return row.id


def test_a_sent_notification_whose_stamp_failed_is_stamped_not_sent_again(
    delivery: Delivery, uow: UnitOfWork, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    notification_id = owed(uow)
    stamp = outbox.mark_delivered

    def lost(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the stamp was lost")

    monkeypatch.setattr(outbox, "mark_delivered", lost)
    with pytest.raises(RuntimeError):
        deliver(delivery, notification_id)
    monkeypatch.setattr(outbox, "mark_delivered", stamp)
    clock.advance(seconds=60)  # the first sender's lease is over: the job comes again

    assert deliver(delivery, notification_id) == "delivered"
    api: CountingApi = delivery.api  # type: ignore[assignment]
    assert len(api.sent) == 1
    with uow.db.reading() as session:
        row = session.get(Notification, notification_id)
        assert row is not None and row.telegram_message_id == 1001


def test_a_stamp_waits_for_the_database_and_the_outage_is_told_in_two_lines(
    delivery: Delivery,
    uow: UnitOfWork,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    notification_id = owed(uow)
    stamp = outbox.mark_delivered
    failures = iter(range(3))

    def away_for_a_while(*args: Any, **kwargs: Any) -> None:
        if next(failures, None) is not None:
            raise gone()
        stamp(*args, **kwargs)

    monkeypatch.setattr(outbox, "mark_delivered", away_for_a_while)
    with caplog.at_level(logging.INFO):
        assert deliver(delivery, notification_id) == "delivered"
    api: CountingApi = delivery.api  # type: ignore[assignment]
    assert len(api.sent) == 1
    told = [r.getMessage() for r in caplog.records if r.name == "models.db"]
    assert len(told) == 2
    assert told[0].startswith("database unreachable") and "closed the connection" in told[0]
    assert told[1].startswith("database answers again")
