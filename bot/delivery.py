"""Delivering the outbox: render in the recipient's language, send within limits, stamp.

One job per notification. It claims the row for a short lease (a second copy of
the job finds it held or stamped and does nothing; the same queue message handed
out again because its worker died resumes the claim at once), renders it, waits for the
rate limiter, sends it and stamps it delivered. Flood control and a busy chat
put the job back with a delay instead of blocking a worker thread.

A message out is never sent again because the database did not take its stamp:
the sent message's id is noted in Redis at once (a later attempt finds it there
and only stamps), and the stamp is retried until the database answers. While the
database is away, jobs come back a few seconds later, quietly: one log line when
the outage begins, one when it ends.
"""

import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

import redis
from sqlalchemy import bindparam
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot import lengths
from bot.buttons import keyboard
from bot.chat import Button, Keyboard
from bot.i18n import text_for
from bot.telegram_api import ApiError, BotApi, FloodWait, Priority, RateLimiter
from models import GroupChat, Notification, User
from models.db import unreachable
from workflows.meetings import sessions
from workflows.platform import outbox, values
from workflows.platform.queue import (
    DELIVERY_QUEUE,
    JobContext,
    current_holder,
    enqueue,
    holder_gone,
    job,
)
from workflows.platform.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

#: Waits shorter than this are slept through; longer ones go back to the queue.
SLEEP_AT_MOST_MS = 1500
#: A notice holds a turn of the limiter only this far ahead: holding turns further
#: ahead would make an answer to a person wait behind them.
HOLD_AT_MOST_MS = 100
#: Telegram's longest message text.
MESSAGE_LIMIT = 4096
#: How long a sender keeps trying to stamp what it sent, within the job's time limit;
#: past that, the note in Redis keeps the next attempt from sending it again.
STAMP_PATIENCE_S = 90.0
#: While the database is away, a job comes back after this long (spread out).
OUTAGE_RETRY_MS = (2_000, 5_000)


class SentMarks:
    """Which notifications are out, by their Telegram message id, noted in Redis the
    moment they are sent: the note outlives a stamp the database could not take."""

    KEEP_S = 86_400

    def __init__(self, client: redis.Redis, *, namespace: str) -> None:
        self.client = client
        self.namespace = namespace

    def _key(self, notification_id: int) -> str:
        return f"{self.namespace}:{notification_id}"

    def get(self, notification_id: int) -> int | None:
        value: bytes | None = self.client.get(self._key(notification_id))  # type: ignore[assignment]
        return None if value is None else int(value)

    def note(self, notification_id: int, message_id: int) -> None:
        try:
            self.client.set(self._key(notification_id), message_id, ex=self.KEEP_S)
        except redis.RedisError as error:
            log.warning("notification %s sent; not noted in Redis (%s)", notification_id, error)


@dataclass
class Delivery:
    uow: UnitOfWork
    api: BotApi
    limiter: RateLimiter | None
    lease: timedelta = timedelta(seconds=20)
    marks: SentMarks | None = None


_USER_LANGUAGE = select(col(User.language)).where(col(User.id) == bindparam("id"))
_GROUP_LANGUAGE = select(col(GroupChat.language)).where(col(GroupChat.id) == bindparam("id"))


def recipient_language(session: Session, chat_id: int) -> str:
    # Read as values, not objects: a worker asks this for every notification.
    connection = session.connection()
    language = connection.execute(_USER_LANGUAGE, {"id": chat_id}).scalar()
    if language is None:
        language = connection.execute(_GROUP_LANGUAGE, {"id": chat_id}).scalar()
    return cast(str, language) if language is not None else "en"


def render(session: Session, row: Notification) -> tuple[str, Keyboard]:
    language = recipient_language(session, row.chat_id)
    if language != sessions.BOTH_LANGUAGES:
        return render_in(language, row)
    # A group that reads both working languages (Art. 3) gets one post with both.
    english, english_buttons = render_in("en", row)
    arabic, arabic_buttons = render_in("ar", row)
    text = f"{english}\n\n{arabic}"
    if len(text) > MESSAGE_LIMIT:
        return english, english_buttons
    buttons = [
        [
            Button(en.text if en.text == ar.text else f"{en.text} · {ar.text}", en.data)
            for en, ar in zip(en_line, ar_line, strict=True)
        ]
        for en_line, ar_line in zip(english_buttons, arabic_buttons, strict=True)
    ]
    return text, buttons


def render_in(language: str, row: Notification) -> tuple[str, Keyboard]:
    t = text_for(language)
    text = t.key(row.key, row.plural_key, **values.decode(row.args))
    return text, keyboard(t, row.buttons)


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
    """The message to edit, or the one to follow, is not out yet; this one waits for it."""


class Gone(Exception):
    """The message to edit was never delivered; the edit has nothing to change."""


class Superseded(Exception):
    """A newer edit of the same message exists: sending this one, late, would put an
    older text back (a vote after the close's result, an old tally)."""


def prepare(session: Session, notification_id: int) -> Outgoing:
    row = session.get(Notification, notification_id)
    assert row is not None
    return prepare_row(session, row)


def prepare_row(session: Session, row: Notification) -> Outgoing:
    """:func:`prepare` for a row already read (the one the claim returned)."""
    text, buttons = render(session, row)
    edit_message_id = None
    if row.follows is not None:
        first = session.get(Notification, row.follows)
        # A document Telegram refused for good does not hold the text back forever.
        if first is not None and first.delivered_at is None and first.failed_at is None:
            raise NotYet()
    if row.edit_of is not None:
        # The target's two columns and whether a newer edit exists, in one statement
        # (every edit of a ballot copy or a tally comes this way).
        target = (
            session.connection()
            .execute(_EDIT_TARGET, {"target": row.edit_of, "id": row.id})
            .one_or_none()
        )
        if target is None or target.failed_at is not None:
            raise Gone()
        if target.telegram_message_id is None:
            raise NotYet()
        if target.newer:
            raise Superseded()
        edit_message_id = target.telegram_message_id
    file = (row.file_id, row.file_kind or "document") if row.file_id else None
    return Outgoing(row.chat_id, text, buttons, file, edit_message_id)


_Edit = aliased(Notification)
#: A newer edit of the same message than notification ``:id``, of target ``:target``.
_NEWER_EDIT = (
    select(col(_Edit.id))
    .where(col(_Edit.edit_of) == bindparam("target"), col(_Edit.id) > bindparam("id"))
    .limit(1)
)
_EDIT_TARGET = select(
    col(Notification.failed_at),
    col(Notification.telegram_message_id),
    _NEWER_EDIT.exists().label("newer"),
).where(col(Notification.id) == bindparam("target"))
_SUPERSEDED = select(
    select(col(_Edit.id))
    .where(
        col(_Edit.edit_of) == col(Notification.edit_of),
        col(_Edit.id) > col(Notification.id),
    )
    .exists()
).where(col(Notification.id) == bindparam("id"), col(Notification.edit_of).is_not(None))


def superseded(delivery: Delivery, notification_id: int) -> bool:
    """Whether a newer edit of the same message came while this one waited its turn."""
    with delivery.uow.db.reading() as session:
        return bool(session.connection().execute(_SUPERSEDED, {"id": notification_id}).scalar())


def deliver(delivery: Delivery, notification_id: int, *, holder: str | None = None) -> str:
    """Deliver one notification; returns what happened, for logs and tests.

    ``holder`` names the queue message this runs for (``message@worker``)."""
    uow = delivery.uow
    broker = uow.broker
    claimed = outbox.take(
        uow.db,
        notification_id,
        now=uow.clock.now(),
        lease=delivery.lease,
        holder=holder,
        orphaned=lambda previous: broker is not None and holder_gone(broker, previous),
    )
    if claimed is None:
        return "skipped"
    try:
        with uow.db.reading() as session:
            # The claimed row's columns, read as the row (attribute for attribute).
            outgoing = prepare_row(session, cast(Notification, claimed))
    except NotYet:
        return _later(delivery, notification_id, 2_000, "waiting for an earlier message")
    except Gone:
        outbox.release(uow.db, notification_id, error="nothing to edit", failed_at=uow.clock.now())
        return "failed"
    except Superseded:
        outbox.mark_delivered(
            uow.db, notification_id, now=uow.clock.now(), telegram_message_id=None
        )
        return "superseded"
    except Exception as error:
        if unreachable(error):
            raise
        # A text that cannot be rendered never will be: give it up, loudly.
        log.exception("notification %s cannot be rendered", notification_id)
        outbox.release(uow.db, notification_id, error=repr(error), failed_at=uow.clock.now())
        return "failed"
    already = delivery.marks.get(notification_id) if delivery.marks is not None else None
    if already is not None:
        log.info("notification %s was sent before its stamp failed; stamping it", notification_id)
        _stamp(delivery, notification_id, already)
        return "delivered"
    try:
        wait_ms = _wait_for_turn(delivery, outgoing.chat_id)
        if wait_ms:
            return _later(delivery, notification_id, wait_ms, "rate limit")
        # A group's edits wait up to seconds for their turn: a newer one written (or
        # sent by another worker) meanwhile makes this one stale, and sending it
        # would put the older text back.
        if outgoing.edit_message_id is not None and superseded(delivery, notification_id):
            outbox.mark_delivered(
                uow.db, notification_id, now=uow.clock.now(), telegram_message_id=None
            )
            return "superseded"
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
    if delivery.marks is not None:
        delivery.marks.note(notification_id, message_id)
    _stamp(delivery, notification_id, message_id)
    return "delivered"


def _stamp(delivery: Delivery, notification_id: int, message_id: int) -> None:
    """Stamp a sent notification, waiting for the database if it is away."""
    db = delivery.uow.db
    deadline = time.monotonic() + STAMP_PATIENCE_S
    while True:
        try:
            outbox.mark_delivered(
                db, notification_id, now=delivery.uow.clock.now(), telegram_message_id=message_id
            )
            db.outage.over()
            return
        except Exception as error:
            if not unreachable(error):
                raise
            db.outage.began(error)
            if time.monotonic() > deadline:
                log.warning(
                    "notification %s sent; its stamp waits for the database", notification_id
                )
                return
            time.sleep(1.0)


def _wait_for_turn(delivery: Delivery, chat_id: int) -> int:
    """Sleep until a turn of the shared rate limiter comes; return a longer wait in ms.

    A notice asks for a turn that comes soon; while the budget is taken (by other
    notices, or by answers to people, which go first) it sleeps until its turn would
    be near and asks again, so that the first sender free takes the next turn."""
    if delivery.limiter is None:
        return 0
    for _ in range(20):
        turn = delivery.limiter.reserve(
            chat_id, priority=Priority.BULK, patience_ms=HOLD_AT_MOST_MS
        )
        if turn.reserved:
            if turn.wait_ms:
                time.sleep(turn.wait_ms / 1000)
            return 0
        if turn.wait_ms > SLEEP_AT_MOST_MS:
            return turn.wait_ms
        time.sleep(max(turn.wait_ms - HOLD_AT_MOST_MS, 1) / 1000)
    return SLEEP_AT_MOST_MS


def send(api: BotApi, outgoing: Outgoing) -> int:
    """One message per notification (later edits need its id): shortened to fit."""
    if outgoing.edit_message_id is not None:
        return api.edit_message(
            outgoing.chat_id,
            outgoing.edit_message_id,
            lengths.shorten(outgoing.text, lengths.TEXT),
            outgoing.buttons,
        )
    if outgoing.file is not None:
        caption = lengths.shorten(outgoing.text, lengths.CAPTION)
        return api.send_file(outgoing.chat_id, outgoing.file[0], outgoing.file[1], caption)
    return api.send_message(
        outgoing.chat_id, lengths.shorten(outgoing.text, lengths.TEXT), outgoing.buttons
    )


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
    try:
        outcome = deliver(delivery, notification_id, holder=holder)
    except Exception as error:
        if not unreachable(error) or broker is None:
            raise
        # Not a failure of this notification: try again shortly, without a traceback
        # per attempt or using up its retries.
        delivery.uow.db.outage.began(error)
        enqueue(
            broker,
            outbox.DELIVERY_JOB,
            notification_id,
            queue_name=DELIVERY_QUEUE,
            delay_ms=random.randint(*OUTAGE_RETRY_MS),
        )
        return
    delivery.uow.db.outage.over()
    log.debug("notification %s %s", notification_id, outcome)
