"""Delivering the outbox: render in the recipient's language, send within limits, stamp.

One job per notification. It claims the row for a short lease (a second copy of
the job finds it held or stamped and does nothing), renders it, waits for the
rate limiter, sends it and stamps it delivered. Flood control and a busy chat
put the job back with a delay instead of blocking a worker thread.
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from bot.chat import Button, Keyboard
from bot.i18n import text_for
from bot.telegram_api import ApiError, BotApi, FloodWait, RateLimiter
from models import GroupChat, Notification, User
from workflows import outbox, values
from workflows.queue import DELIVERY_QUEUE, JobContext, enqueue, job
from workflows.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

#: Waits shorter than this are slept through; longer ones go back to the queue.
SLEEP_AT_MOST_MS = 1500


@dataclass
class Delivery:
    uow: UnitOfWork
    api: BotApi
    limiter: RateLimiter | None
    lease: timedelta = timedelta(seconds=20)


def recipient_language(session: Session, chat_id: int) -> str:
    user = session.get(User, chat_id)
    if user is not None:
        return user.language
    group = session.get(GroupChat, chat_id)
    return group.language if group is not None else "en"


def render(session: Session, row: Notification) -> tuple[str, Keyboard]:
    t = text_for(recipient_language(session, row.chat_id))
    text = t.key(row.key, row.plural_key, **values.decode(row.args))
    buttons = [
        [
            Button(t.key(cell["key"]) if "key" in cell else cell["text"], cell["data"])
            for cell in line
        ]
        for line in row.buttons
    ]
    return text, buttons


def deliver(delivery: Delivery, notification_id: int) -> str:
    """Deliver one notification; returns what happened, for logs and tests."""
    uow = delivery.uow
    if not outbox.claim(uow.db, notification_id, now=uow.clock.now(), lease=delivery.lease):
        return "skipped"
    with uow.db.session() as session:
        row = session.get(Notification, notification_id)
        assert row is not None
        chat_id, file_id, file_kind = row.chat_id, row.file_id, row.file_kind
        text, buttons = render(session, row)
        target_message_id: int | None = None
        if row.edit_of is not None:
            target = session.get(Notification, row.edit_of)
            if target is None or target.failed_at is not None:
                outbox.release(
                    uow.db, notification_id, error="nothing to edit", failed_at=uow.clock.now()
                )
                return "failed"
            if target.telegram_message_id is None:
                # The message to edit is not out yet; it will be soon.
                return _later(delivery, notification_id, 2_000, "waiting for the message to edit")
            target_message_id = target.telegram_message_id
    if delivery.limiter is not None:
        for _ in range(5):
            wait_ms = delivery.limiter.acquire(chat_id)
            if wait_ms == 0:
                break
            if wait_ms > SLEEP_AT_MOST_MS:
                return _later(delivery, notification_id, wait_ms, "rate limit")
            time.sleep(wait_ms / 1000)
        else:
            return _later(delivery, notification_id, SLEEP_AT_MOST_MS, "rate limit")
    try:
        if target_message_id is not None:
            message_id = delivery.api.edit_message(chat_id, target_message_id, text, buttons)
        elif file_id is not None:
            message_id = delivery.api.send_file(chat_id, file_id, file_kind or "document", text)
        else:
            message_id = delivery.api.send_message(chat_id, text, buttons)
    except FloodWait as flood:
        return _later(delivery, notification_id, int(flood.seconds * 1000), "flood control")
    except ApiError as error:
        failed = uow.clock.now() if error.permanent else None
        outbox.release(uow.db, notification_id, error=str(error), failed_at=failed)
        if failed is not None:
            log.warning("notification %s undeliverable: %s", notification_id, error)
            return "failed"
        raise
    except Exception as error:
        outbox.release(uow.db, notification_id, error=repr(error), failed_at=None)
        raise
    outbox.mark_delivered(
        uow.db, notification_id, now=uow.clock.now(), telegram_message_id=message_id
    )
    return "delivered"


def _later(delivery: Delivery, notification_id: int, delay_ms: int, why: str) -> str:
    outbox.release(delivery.uow.db, notification_id, error=why, failed_at=None)
    if delivery.uow.broker is not None:
        enqueue(
            delivery.uow.broker,
            outbox.DELIVERY_JOB,
            notification_id,
            queue_name=DELIVERY_QUEUE,
            delay_ms=delay_ms,
        )
        outbox.stamp_enqueued(delivery.uow.db, [notification_id], delivery.uow.clock.now())
    return "postponed"


@job(
    name=outbox.DELIVERY_JOB,
    queue_name=DELIVERY_QUEUE,
    max_retries=20,
    min_backoff=1_000,
    max_backoff=600_000,
    time_limit=120_000,
)
def deliver_notification(notification_id: int) -> None:
    outcome = deliver(JobContext.get("delivery"), notification_id)
    log.debug("notification %s %s", notification_id, outcome)
