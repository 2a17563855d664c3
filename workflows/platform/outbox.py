"""The transactional outbox: notifications written with the change that causes them.

A use case calls :func:`notify` inside its unit of work; after commit the new rows
are handed to the queue (:func:`hand_over`); the scheduler's sweep hands over any
row left behind by a crash between commit and enqueue. Delivery claims a row for
a short lease, sends it, and stamps it delivered: a stamped row is never sent
again, whatever the queue repeats.
"""

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, bindparam, inspect, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models import Notification, bulk
from models.db import Database
from workflows.platform import values
from workflows.platform.buttons import Cell, encode

log = logging.getLogger(__name__)

#: The job that renders and sends one notification; registered by the bot layer.
DELIVERY_JOB = "deliver_notification"
NEW_ROWS = "majlis.new_notifications"
#: Ids of the rows a batch wrote without the ORM (:func:`notify_many`).
NEW_IDS = "majlis.new_notification_ids"


def notify(
    session: Session,
    *,
    chat_id: int,
    key: str,
    args: dict[str, Any] | None = None,
    plural_key: str | None = None,
    buttons: Sequence[Sequence[Cell]] | None = None,
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
    row = _row(
        Owed(
            chat_id=chat_id,
            key=key,
            args=args,
            plural_key=plural_key,
            buttons=buttons,
            dedupe_key=dedupe_key,
            prompt_id=prompt_id,
            edit_of=edit_of,
            file=file,
            follows=follows,
        )
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


@dataclass(frozen=True, kw_only=True)
class Owed:
    """One notification of a batch, as :func:`notify` takes it."""

    chat_id: int
    key: str
    args: dict[str, Any] | None = None
    plural_key: str | None = None
    buttons: Sequence[Sequence[Cell]] | None = None
    dedupe_key: str | None = None
    prompt_id: int | None = None
    edit_of: int | None = None
    file: tuple[str, str] | None = None
    follows: int | None = None


#: Rows per statement when a batch is read or written in slices: far below the
#: bound parameters SQLite and PostgreSQL take in one statement.
SLICE = 500


def slices(items: Sequence[Any], size: int = SLICE) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def notify_many(session: Session, owed: Sequence[Owed]) -> list[int | None]:
    """:func:`notify` for a batch, in a constant number of statements per slice rather
    than per row: one read of the dedupe keys already used, one multi-row insert.
    Returns the new rows' ids in ``owed``'s order, None where :func:`notify` would
    have returned None.
    """
    keys = [item.dedupe_key for item in owed if item.dedupe_key is not None]
    used: set[str] = set()
    for part in slices(keys):
        used.update(
            key
            for key in session.exec(
                select(Notification.dedupe_key).where(
                    bulk.among(session, col(Notification.dedupe_key), part)
                )
            )
            if key is not None
        )
    fresh: list[tuple[int, dict[str, Any]]] = []
    for index, item in enumerate(owed):
        if item.dedupe_key is not None:
            if item.dedupe_key in used:
                continue
            used.add(item.dedupe_key)
        fresh.append((index, _values(item)))
    ids: list[int | None] = [None] * len(owed)
    if not fresh:
        return ids
    try:
        # A concurrent writer took one of the keys since they were read: each row then
        # goes its own way, as notify() takes it.
        with session.begin_nested():
            written = bulk.insert_many(
                session,
                Notification,
                [row for _, row in fresh],
                Notification.id,
                Notification.dedupe_key,
            )
    except IntegrityError:
        rows = [_notify_one(session, item) for item in owed]
        return [row.id if row is not None else None for row in rows]
    by_key = {key: row_id for row_id, key in written if key is not None}
    # Rows without a key are told apart by order: ids rise in the order of the rows of
    # one INSERT (SQLite writes them one after another; PostgreSQL draws its sequence
    # row by row), as SQLAlchemy's own bulk inserts assume.
    unkeyed = iter(sorted(row_id for row_id, key in written if key is None))
    for index, row in fresh:
        key = row["dedupe_key"]
        ids[index] = by_key[key] if key is not None else next(unkeyed)
    session.info.setdefault(NEW_IDS, []).extend(i for i in ids if i is not None)
    return ids


def _notify_one(session: Session, item: Owed) -> Notification | None:
    return notify(
        session,
        chat_id=item.chat_id,
        key=item.key,
        args=item.args,
        plural_key=item.plural_key,
        buttons=item.buttons,
        dedupe_key=item.dedupe_key,
        prompt_id=item.prompt_id,
        edit_of=item.edit_of,
        file=item.file,
        follows=item.follows,
    )


def _row(item: Owed) -> Notification:
    return Notification(**_values(item))


def _values(item: Owed) -> dict[str, Any]:
    return {
        "chat_id": item.chat_id,
        "key": item.key,
        "plural_key": item.plural_key,
        "args": values.encode(item.args or {}),
        "buttons": encode(item.buttons),
        "dedupe_key": item.dedupe_key,
        "prompt_id": item.prompt_id,
        "edit_of": item.edit_of,
        "file_id": item.file[0] if item.file else None,
        "file_kind": item.file[1] if item.file else None,
        "follows": item.follows,
    }


def new_in(session: Session) -> list[int]:
    """Ids of the notifications this unit of work wrote and kept: a row written in a
    savepoint that was rolled back (a refused step) is no longer persistent, and a
    batch's row no longer found."""
    kept = [
        row.id
        for row in session.info.get(NEW_ROWS, [])
        if row.id is not None and inspect(row).persistent
    ]
    batched: list[int] = session.info.get(NEW_IDS, [])
    for part in slices(batched):
        kept.extend(
            row_id
            for row_id in session.exec(
                select(Notification.id).where(bulk.among(session, col(Notification.id), part))
            )
            if row_id is not None
        )
    return sorted(kept)


def stamp_enqueued(db: Database, ids: list[int], now: datetime) -> None:
    if not ids:
        return
    with db.session() as session:
        session.execute(
            update(Notification)
            .where(bulk.among(session, col(Notification.id), ids))
            .values(enqueued_at=now)
        )


def stamp_enqueued_in(session: Session, ids: list[int], now: datetime) -> None:
    """:func:`stamp_enqueued` inside the unit of work that wrote the rows."""
    for part in slices(ids):
        session.execute(
            update(Notification)
            .where(bulk.among(session, col(Notification.id), part))
            .values(enqueued_at=now)
        )


def unstamp_enqueued(db: Database, ids: list[int]) -> None:
    """Undo the hand-over stamp of rows the queue may not have got (it was
    unreachable): the next sweep hands them over."""
    with db.session() as session:
        for part in slices(ids):
            session.execute(
                update(Notification)
                .where(
                    bulk.among(session, col(Notification.id), part),
                    col(Notification.delivered_at).is_(None),
                )
                .values(enqueued_at=None)
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


def take(
    db: Database,
    notification_id: int,
    *,
    now: datetime,
    lease: timedelta,
    holder: str | None = None,
    orphaned: Callable[[str], bool] = lambda _holder: False,
) -> Row[Any] | None:
    """Take the row for ``lease``, returning it (its columns, as the claim left them) so
    that the sender need not read it again; None when delivered, failed or held by
    another sender.

    ``holder`` names the queue message that sends it, as ``message@worker``. The queue
    hands the same message out again only when its worker has stopped heart-beating;
    that message may then resume its own claim at once, if ``orphaned`` confirms the
    worker that held it is gone, instead of waiting for the lease to end. Another
    message for the same row (a duplicate hand-over) still finds it held.
    """
    # Each statement is atomic on its own: the claim, and the resumption, whose
    # condition names the holder it takes over from.
    with db.alone() as connection:
        taken = _take(connection, notification_id, UNHELD, now=now, lease=lease, holder=holder)
        if taken is not None or holder is None:
            return taken
        previous = connection.execute(HELD_BY, {"row_id": notification_id}).scalar()
        if previous is None or _message(previous) != _message(holder) or previous == holder:
            return None
        if not orphaned(previous):
            return None
        taken = _take(
            connection,
            notification_id,
            HELD_BY_PREVIOUS,
            now=now,
            lease=lease,
            holder=holder,
            previous=previous,
        )
        if taken is not None:
            log.warning(
                "notification %s resumed from %s, whose worker died", notification_id, previous
            )
        return taken


def _message(holder: str) -> str:
    return holder.partition("@")[0]


OUTBOX = cast(Table, inspect(Notification).local_table)
# The claim's statements, built once (a worker runs them for every notification): taken
# when unheld, or (resumed) when held by the given previous holder.
_CLAIM = (
    update(OUTBOX)
    .where(
        OUTBOX.c.id == bindparam("row_id"),
        OUTBOX.c.delivered_at.is_(None),
        OUTBOX.c.failed_at.is_(None),
    )
    .values(
        claimed_until=bindparam("until"),
        claimed_by=bindparam("holder"),
        attempts=OUTBOX.c.attempts + 1,
    )
    .returning(*OUTBOX.c)
)
UNHELD = _CLAIM.where(
    or_(OUTBOX.c.claimed_until.is_(None), OUTBOX.c.claimed_until < bindparam("now"))
)
HELD_BY_PREVIOUS = _CLAIM.where(OUTBOX.c.claimed_by == bindparam("previous"))
HELD_BY = select(OUTBOX.c.claimed_by).where(OUTBOX.c.id == bindparam("row_id"))


def _take(
    connection: Connection,
    notification_id: int,
    statement: Any,
    *,
    now: datetime,
    lease: timedelta,
    holder: str | None,
    previous: str | None = None,
) -> Row[Any] | None:
    params = {"row_id": notification_id, "until": now + lease, "holder": holder, "now": now}
    if previous is not None:
        params["previous"] = previous
    return connection.execute(statement, params).first()


def load(db: Database, notification_id: int) -> Notification | None:
    with db.reading() as session:
        return session.get(Notification, notification_id)


_DELIVERED = (
    update(OUTBOX)
    .where(OUTBOX.c.id == bindparam("row_id"))
    .values(
        delivered_at=bindparam("now"),
        telegram_message_id=bindparam("message_id"),
        claimed_until=None,
        claimed_by=None,
    )
)


def mark_delivered(
    db: Database, notification_id: int, *, now: datetime, telegram_message_id: int | None
) -> None:
    with db.alone() as connection:
        connection.execute(
            _DELIVERED, {"row_id": notification_id, "now": now, "message_id": telegram_message_id}
        )


def release(db: Database, notification_id: int, *, error: str, failed_at: datetime | None) -> None:
    """Give the row back after a failed attempt; ``failed_at`` gives it up for good."""
    with db.session() as session:
        session.execute(
            update(Notification)
            .where(col(Notification.id) == notification_id)
            .values(
                claimed_until=None, claimed_by=None, last_error=error[:500], failed_at=failed_at
            )
        )
