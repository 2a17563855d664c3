"""Messages kept up to date: a live tally, an attendance board, a count of support.

Telegram allows a group twenty messages a minute, edits included. A change does
not edit at once: it asks for one refresh at the end of the current window
(``EVERY``), shared by every change in that window, so a burst of five hundred
ballots costs one edit. The refresh writes the edit through the outbox; an edit
still waiting to be sent is rewritten in place rather than queued behind, so at
most one waits per message and it always carries the latest text.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models import DueItem, Notification
from workflows.platform import outbox, schedule, values
from workflows.platform.buttons import Cell, encode

#: One edit per live message per window: at most 12 a minute, leaving room in a
#: group's 20 for ballots, reminders and results.
EVERY = timedelta(seconds=5)


#: Whether a window's refresh is already asked for: every change asks, built once.
_SCHEDULED = select(DueItem.id).where(DueItem.dedupe_key == bindparam("key"))


def refresh_soon(session: Session, kind: str, subject_id: int, *, now: datetime) -> None:
    """Have the due-item handler for ``kind`` refresh ``subject_id`` at the window's end."""
    window = EVERY.total_seconds()
    slot = int(now.timestamp() // window) + 1
    key = f"live:{kind}:{subject_id}:{slot}"
    if session.exec(_SCHEDULED, params={"key": key}).first() is not None:
        return
    try:
        # Concurrent changes race for the same window; one row wins, the rest share it.
        with session.begin_nested():
            schedule.schedule(
                session,
                kind=kind,
                due_at=datetime.fromtimestamp(slot * window, UTC),
                dedupe_key=key,
                subject_id=subject_id,
            )
    except IntegrityError:
        pass


def edit(
    session: Session,
    *,
    target_id: int,
    key: str,
    args: dict[str, Any],
    buttons: Sequence[Sequence[Cell]],
    now: datetime,
    target: Notification | None = None,
) -> None:
    """Give the message of notification ``target_id`` a new text and buttons;
    ``target``, that notification if already loaded."""
    if target is None or target.id != target_id:
        target = session.get(Notification, target_id)
    if target is None:
        return
    waiting = session.execute(
        update(Notification)
        .where(
            col(Notification.edit_of) == target_id,
            col(Notification.delivered_at).is_(None),
            col(Notification.failed_at).is_(None),
            or_(col(Notification.claimed_until).is_(None), col(Notification.claimed_until) < now),
        )
        .values(key=key, args=values.encode(args), buttons=encode(buttons))
    )
    if waiting.rowcount:  # type: ignore[attr-defined]
        return
    outbox.notify(
        session, chat_id=target.chat_id, key=key, args=args, buttons=buttons, edit_of=target_id
    )
