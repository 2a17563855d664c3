"""The outbox: notifications reach people in their language, once, whatever happens."""

import asyncio

import pytest
from sqlmodel import select

from models import Notification
from sandbox.client import SandboxUser
from tests.e2e.conftest import Majlis
from workflows.platform import outbox
from workflows.platform.queue import DELIVERY_QUEUE, enqueue
from workflows.platform.unit_of_work import UnitOfWork

pytestmark = pytest.mark.e2e


async def arabic_user(majlis: Majlis, name: str = "مريم") -> SandboxUser:
    user = await majlis.client.create_user(name, language_code="ar")
    await user.send("/start")
    await user.wait_for("أهلًا بك في مجلس")
    return user


def owe(uow: UnitOfWork, chat_id: int, key: str = "Welcome back, {name}.", **args: object) -> int:
    with uow.begin() as session:
        row = outbox.notify(session, chat_id=chat_id, key=key, args={"name": "Secretariat", **args})
        assert row is not None and row.id is not None
        return row.id


async def delivered(majlis: Majlis, notification_id: int, timeout: float = 15) -> Notification:
    for _ in range(int(timeout * 10)):
        row = outbox.load(majlis.platform.db, notification_id)
        if row is not None and row.delivered_at is not None:
            return row
        await asyncio.sleep(0.1)
    raise AssertionError(f"notification {notification_id} not delivered: {row}")


async def test_notification_arrives_in_the_recipients_language(majlis: Majlis) -> None:
    user = await arabic_user(majlis)
    notification_id = owe(majlis.platform.uow, user.id)
    message = await user.wait_for("أهلًا بعودتك", timeout=15)
    assert "Secretariat" in message["text"]
    row = await delivered(majlis, notification_id)
    assert row.telegram_message_id == message["message_id"]


async def test_a_stamped_notification_is_never_sent_again(majlis: Majlis) -> None:
    user = await arabic_user(majlis)
    notification_id = owe(majlis.platform.uow, user.id)
    await delivered(majlis, notification_id)
    for _ in range(3):
        enqueue(
            majlis.platform.broker, outbox.DELIVERY_JOB, notification_id, queue_name=DELIVERY_QUEUE
        )
    await asyncio.sleep(1.5)
    transcript = await user.transcript()
    assert sum("أهلًا بعودتك" in (m.get("text") or "") for m in transcript) == 1


async def test_the_sweep_hands_over_what_a_crash_left_behind(majlis: Majlis) -> None:
    user = await arabic_user(majlis)
    # Committed but never handed to the queue, as after a crash right after commit.
    offline = UnitOfWork(db=majlis.platform.db, settings=majlis.settings, broker=None)
    notification_id = owe(offline, user.id)
    assert outbox.load(majlis.platform.db, notification_id).enqueued_at is None  # type: ignore[union-attr]
    await user.wait_for("أهلًا بعودتك", timeout=20)
    await delivered(majlis, notification_id)


async def test_several_notifications_to_one_chat_all_arrive_in_order(majlis: Majlis) -> None:
    user = await arabic_user(majlis)
    ids = [owe(majlis.platform.uow, user.id, name=f"#{n}") for n in range(3)]
    for notification_id in ids:
        await delivered(majlis, notification_id, timeout=20)
    texts = [m.get("text") or "" for m in await user.transcript() if m["from_bot"]]
    numbered = [t for t in texts if "أهلًا بعودتك" in t]
    assert len(numbered) == 3


async def test_a_user_who_blocked_the_bot_is_not_retried(majlis: Majlis) -> None:
    user = await arabic_user(majlis)
    await majlis.client.request("POST", f"/users/{user.id}/block")
    notification_id = owe(majlis.platform.uow, user.id)
    for _ in range(100):
        row = outbox.load(majlis.platform.db, notification_id)
        if row is not None and row.failed_at is not None:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("delivery to a blocked user was not given up")
    assert row.delivered_at is None
    with majlis.platform.db.session() as session:
        pending = session.exec(select(Notification).where(Notification.id == notification_id)).one()
        assert pending.attempts == 1


async def test_a_notification_that_cannot_be_rendered_is_given_up_not_stuck(majlis: Majlis) -> None:
    user = await arabic_user(majlis)
    with majlis.platform.uow.begin() as session:
        # "{name}" is missing from the arguments: no retry will ever render it.
        row = outbox.notify(session, chat_id=user.id, key="Welcome back, {name}.", args={})
        assert row is not None and row.id is not None
        notification_id = row.id
    for _ in range(100):
        stored = outbox.load(majlis.platform.db, notification_id)
        if stored is not None and stored.failed_at is not None:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("an unrenderable notification was left claimed")
    assert stored.delivered_at is None and stored.claimed_until is None
    assert "KeyError" in (stored.last_error or "")
