"""The transactional outbox: notifications written with the change that causes them.

A use case calls :func:`notify` inside its unit of work; after commit the new rows
are handed to the queue (:func:`hand_over`); the scheduler's sweep hands over any
row left behind by a crash between commit and enqueue. Delivery claims a row for
a short lease, sends it, and stamps it delivered: a stamped row is never sent
again, whatever the queue repeats.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import inspect, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models import Notification
from models.db import Database
from workflows import values

#: The job that renders and sends one notification; registered by the bot layer.
DELIVERY_JOB = "deliver_notification"
NEW_ROWS = "majlis.new_notifications"


def notify(
    session: Session,
    *,
    chat_id: int,
    key: str,
    args: dict[str, Any] | None = None,
    plural_key: str | None = None,
    buttons: list[list[dict[str, str]]] | None = None,
    dedupe_key: str | None = None,
    prompt_id: int | None = None,
    edit_of: int | None = None,
    file: tuple[str, str] | None = None,
    follows: int | None = None,
) -> Notification | None:
    """Owe ``chat_id`` the message ``key``; None if ``dedupe_key`` was already used.

    ``edit_of`` makes it a new text for an earlier notification's message;
    ``file`` is a document or photo at Telegram, (file_id, "document" or "photo"),
    sent with the text, which must then be short, as its caption; ``follows`` is a
    notification that must be delivered first (the document a prompt refers to).
    """
    row = Notification(
        chat_id=chat_id,
        key=key,
        plural_key=plural_key,
        args=values.encode(args or {}),
        buttons=buttons or [],
        dedupe_key=dedupe_key,
        prompt_id=prompt_id,
        edit_of=edit_of,
        file_id=file[0] if file else None,
        file_kind=file[1] if file else None,
        follows=follows,
    )
    if dedupe_key is not None:
        if session.exec(
            select(Notification.id).where(Notification.dedupe_key == dedupe_key)
        ).first():
            return None
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            return None
    else:
        session.add(row)
        session.flush()
    session.info.setdefault(NEW_ROWS, []).append(row)
    return row


def new_in(session: Session) -> list[int]:
    """Ids of the notifications this unit of work wrote and kept: a row written in a
    savepoint that was rolled back (a refused step) is no longer persistent."""
    return [
        row.id
        for row in session.info.get(NEW_ROWS, [])
        if row.id is not None and inspect(row).persistent
    ]


def stamp_enqueued(db: Database, ids: list[int], now: datetime) -> None:
    if not ids:
        return
    with db.session() as session:
        session.execute(
            update(Notification).where(col(Notification.id).in_(ids)).values(enqueued_at=now)
        )


def stale(db: Database, *, now: datetime, resend_after: timedelta, limit: int = 500) -> list[int]:
    """Undelivered rows never handed over, or handed over too long ago."""
    with db.reading() as session:
        query = (
            select(Notification.id)
            .where(
                col(Notification.delivered_at).is_(None),
                col(Notification.failed_at).is_(None),
                or_(
                    col(Notification.enqueued_at).is_(None),
                    col(Notification.enqueued_at) < now - resend_after,
                ),
                or_(
                    col(Notification.claimed_until).is_(None),
                    col(Notification.claimed_until) < now,
                ),
            )
            .order_by(col(Notification.id))
            .limit(limit)
        )
        return [row_id for row_id in session.exec(query) if row_id is not None]


def claim(db: Database, notification_id: int, *, now: datetime, lease: timedelta) -> bool:
    """Take the row for ``lease``; False when delivered, failed or held by another sender."""
    with db.session() as session:
        result = session.execute(
            update(Notification)
            .where(
                col(Notification.id) == notification_id,
                col(Notification.delivered_at).is_(None),
                col(Notification.failed_at).is_(None),
                or_(
                    col(Notification.claimed_until).is_(None),
                    col(Notification.claimed_until) < now,
                ),
            )
            .values(claimed_until=now + lease, attempts=Notification.attempts + 1)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def load(db: Database, notification_id: int) -> Notification | None:
    with db.reading() as session:
        return session.get(Notification, notification_id)


def mark_delivered(
    db: Database, notification_id: int, *, now: datetime, telegram_message_id: int | None
) -> None:
    with db.session() as session:
        session.execute(
            update(Notification)
            .where(col(Notification.id) == notification_id)
            .values(delivered_at=now, telegram_message_id=telegram_message_id, claimed_until=None)
        )


def release(db: Database, notification_id: int, *, error: str, failed_at: datetime | None) -> None:
    """Give the row back after a failed attempt; ``failed_at`` gives it up for good."""
    with db.session() as session:
        session.execute(
            update(Notification)
            .where(col(Notification.id) == notification_id)
            .values(claimed_until=None, last_error=error[:500], failed_at=failed_at)
        )
