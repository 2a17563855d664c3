"""Delivering the outbox: render in the recipient's language, send within limits, stamp.

One job per notification. It claims the row for a short lease (a second copy of
the job finds it held or stamped and does nothing; the same queue message handed
out again because its worker died resumes the claim at once), renders it, waits for the
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
from workflows.queue import (
    DELIVERY_QUEUE,
    JobContext,
    current_holder,
    enqueue,
    holder_gone,
    job,
)
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


@dataclass(frozen=True)
class Outgoing:
    """A notification rendered for its recipient, ready for the Bot API."""

    chat_id: int
    text: str
    buttons: Keyboard
    file: tuple[str, str] | None = None
    #: For an edit: the Telegram message that gets the new text.
    edit_message_id: int | None = None


class NotYet(Exception):
    """The message to edit is not out yet; the edit waits for it."""


class Gone(Exception):
    """The message to edit was never delivered; the edit has nothing to change."""


def prepare(session: Session, notification_id: int) -> Outgoing:
    row = session.get(Notification, notification_id)
    assert row is not None
    text, buttons = render(session, row)
    edit_message_id = None
    if row.edit_of is not None:
        target = session.get(Notification, row.edit_of)
        if target is None or target.failed_at is not None:
            raise Gone()
        if target.telegram_message_id is None:
            raise NotYet()
        edit_message_id = target.telegram_message_id
    file = (row.file_id, row.file_kind or "document") if row.file_id else None
    return Outgoing(row.chat_id, text, buttons, file, edit_message_id)


def deliver(delivery: Delivery, notification_id: int, *, holder: str | None = None) -> str:
    """Deliver one notification; returns what happened, for logs and tests.

    ``holder`` names the queue message this runs for (``message@worker``)."""
    uow = delivery.uow
    broker = uow.broker
    if not outbox.claim(
        uow.db,
        notification_id,
        now=uow.clock.now(),
        lease=delivery.lease,
        holder=holder,
        orphaned=lambda previous: broker is not None and holder_gone(broker, previous),
    ):
        return "skipped"
    try:
        with uow.db.reading() as session:
            outgoing = prepare(session, notification_id)
    except NotYet:
        return _later(delivery, notification_id, 2_000, "waiting for the message to edit")
    except Gone:
        outbox.release(uow.db, notification_id, error="nothing to edit", failed_at=uow.clock.now())
        return "failed"
    except Exception as error:
        # A text that cannot be rendered never will be: give it up, loudly.
        log.exception("notification %s cannot be rendered", notification_id)
        outbox.release(uow.db, notification_id, error=repr(error), failed_at=uow.clock.now())
        return "failed"
    try:
        wait_ms = _wait_for_turn(delivery, outgoing.chat_id)
        if wait_ms:
            return _later(delivery, notification_id, wait_ms, "rate limit")
        message_id = send(delivery.api, outgoing)
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


def _wait_for_turn(delivery: Delivery, chat_id: int) -> int:
    """Sleep through short waits of the shared rate limiter; return a longer wait in ms."""
    if delivery.limiter is None:
        return 0
    for _ in range(5):
        wait_ms = delivery.limiter.acquire(chat_id)
        if wait_ms == 0:
            return 0
        if wait_ms > SLEEP_AT_MOST_MS:
            return wait_ms
        time.sleep(wait_ms / 1000)
    return SLEEP_AT_MOST_MS


def send(api: BotApi, outgoing: Outgoing) -> int:
    if outgoing.edit_message_id is not None:
        return api.edit_message(
            outgoing.chat_id, outgoing.edit_message_id, outgoing.text, outgoing.buttons
        )
    if outgoing.file is not None:
        return api.send_file(outgoing.chat_id, outgoing.file[0], outgoing.file[1], outgoing.text)
    return api.send_message(outgoing.chat_id, outgoing.text, outgoing.buttons)


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
    delivery: Delivery = JobContext.get("delivery")
    broker = delivery.uow.broker
    holder = current_holder(broker) if broker is not None else None
    outcome = deliver(delivery, notification_id, holder=holder)
    log.debug("notification %s %s", notification_id, outcome)
