"""Deadlines, reminders and escalations as rows with a due time.

A workflow calls :func:`schedule` in its unit of work; the scheduler tick runs
:func:`run_due`, which claims each due row, calls the handler registered for its
kind in a unit of work of its own, and stamps it done. A row is done once: a
restart neither loses nor repeats it.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from models import DueItem, bulk
from models.db import unreachable
from workflows.platform import outbox

log = logging.getLogger(__name__)

Handler = Callable[[Session, dict[str, Any], datetime], None]
_HANDLERS: dict[str, Handler] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that acts on due rows of ``kind``."""

    def register(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn

    return register


def schedule(
    session: Session, *, kind: str, due_at: datetime, dedupe_key: str, **args: Any
) -> DueItem | None:
    """Make ``kind`` due at ``due_at`` once; None if ``dedupe_key`` is already scheduled."""
    existing = session.exec(select(DueItem).where(DueItem.dedupe_key == dedupe_key)).first()
    if existing is not None:
        return None
    item = DueItem(kind=kind, args=args, due_at=due_at, dedupe_key=dedupe_key)
    session.add(item)
    session.flush()
    return item


@dataclass(frozen=True, kw_only=True)
class Due:
    """One row of a batch, as :func:`schedule` takes it."""

    kind: str
    due_at: datetime
    dedupe_key: str
    args: dict[str, Any] = field(default_factory=dict)


def schedule_many(session: Session, items: Sequence[Due]) -> list[int | None]:
    """:func:`schedule` for a batch: one read of the keys already scheduled and one
    multi-row insert per slice, whatever the batch's size. Returns the new rows' ids
    in ``items``' order, None where the key was already scheduled (or came earlier
    in the batch)."""
    used: set[str] = set()
    for part in outbox.slices([item.dedupe_key for item in items]):
        used.update(
            session.exec(
                select(DueItem.dedupe_key).where(bulk.among(session, col(DueItem.dedupe_key), part))
            )
        )
    fresh: dict[str, dict[str, Any]] = {}
    for item in items:
        if item.dedupe_key not in used and item.dedupe_key not in fresh:
            fresh[item.dedupe_key] = {
                "kind": item.kind,
                "args": item.args,
                "due_at": item.due_at,
                "dedupe_key": item.dedupe_key,
            }
    written: dict[str, int] = {
        key: row_id
        for row_id, key in bulk.insert_many(
            session, DueItem, list(fresh.values()), DueItem.id, DueItem.dedupe_key
        )
    }
    ids: list[int | None] = []
    for item in items:
        # The first item of a key gets its row; a repeat of it, like a key already
        # scheduled, gets None.
        ids.append(written.pop(item.dedupe_key, None))
    return ids


def cancel(session: Session, *, dedupe_prefix: str, now: datetime) -> int:
    """Cancel the pending rows whose key starts with ``dedupe_prefix``."""
    result = session.execute(
        update(DueItem)
        .where(
            col(DueItem.dedupe_key).startswith(dedupe_prefix),
            col(DueItem.done_at).is_(None),
            col(DueItem.cancelled_at).is_(None),
        )
        .values(cancelled_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def run_due(
    unit_of_work: Callable[[], Any],
    *,
    now: datetime,
    lease: timedelta = timedelta(minutes=5),
    limit: int = 200,
) -> int:
    """Act on what is due at ``now``. Returns how many rows were done."""
    with unit_of_work() as session:
        due = list(
            session.exec(
                select(DueItem.id)
                .where(
                    col(DueItem.due_at) <= now,
                    col(DueItem.done_at).is_(None),
                    col(DueItem.cancelled_at).is_(None),
                    or_(col(DueItem.claimed_until).is_(None), col(DueItem.claimed_until) < now),
                )
                .order_by(col(DueItem.due_at))
                .limit(limit)
            )
        )
    done = 0
    for item_id in due:
        with unit_of_work() as session:
            claimed = session.execute(
                update(DueItem)
                .where(
                    col(DueItem.id) == item_id,
                    col(DueItem.done_at).is_(None),
                    col(DueItem.cancelled_at).is_(None),
                    or_(col(DueItem.claimed_until).is_(None), col(DueItem.claimed_until) < now),
                )
                .values(claimed_until=now + lease, attempts=DueItem.attempts + 1)
            )
        if not claimed.rowcount:
            continue
        try:
            with unit_of_work() as session:
                item = session.get(DueItem, item_id)
                assert item is not None
                handler = _HANDLERS.get(item.kind)
                if handler is None:
                    raise LookupError(f"no handler for due items of kind {item.kind!r}")
                handler(session, dict(item.args), now)
                item.done_at = now
                item.claimed_until = None
                session.add(item)
            done += 1
        except Exception as exc:
            if unreachable(exc):
                raise  # not the item's fault; the next tick takes it up again
            log.exception("due item %s failed", item_id)
            with unit_of_work() as session:
                session.execute(
                    update(DueItem)
                    .where(col(DueItem.id) == item_id)
                    .values(last_error=repr(exc)[:500])
                )
    return done
