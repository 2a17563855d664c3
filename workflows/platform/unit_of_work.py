"""What a use case runs in: one transaction, and the hand-over of what it owes.

The unit of work opens a session, commits it when the block ends, and only then
hands the notifications the block wrote to the queue. A crash in between loses
nothing: the outbox sweep hands them over later.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import dramatiq
from sqlmodel import Session

from models.db import Database
from workflows.platform import outbox
from workflows.platform.clock import Clock, SystemClock
from workflows.platform.queue import DELIVERY_QUEUE, enqueue_many
from workflows.platform.settings import Settings

log = logging.getLogger(__name__)

#: Where a unit of work's session carries the settings it runs under.
SETTINGS = "majlis.settings"


class UnitOfWork:
    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        broker: dramatiq.Broker | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.broker = broker
        self.clock: Clock = clock or SystemClock()

    @contextmanager
    def begin(self) -> Iterator[Session]:
        with self.db.session() as session:
            # Due-item handlers get the session only; policies come from here.
            session.info[SETTINGS] = self.settings
            yield session
            session.flush()
            owed = outbox.new_in(session)
            if owed and self.broker is not None:
                # Stamped as handed over in the transaction that writes them: a sweep
                # running between the commit and the hand-over's end (seconds, for a
                # thousand notices) would otherwise hand every row over a second time.
                outbox.stamp_enqueued_in(session, owed, self.clock.now())
        self.hand_over(owed, stamped=True)

    def hand_over(self, ids: list[int], *, stamped: bool = False) -> None:
        """Enqueue delivery of ``ids``; a failure here is left to the sweep. ``stamped``:
        the rows were stamped as handed over in the transaction that wrote them, so a
        transaction of three round trips to stamp them again is saved."""
        if not ids or self.broker is None:
            return
        try:
            enqueue_many(
                self.broker,
                outbox.DELIVERY_JOB,
                [(notification_id,) for notification_id in ids],
                queue_name=DELIVERY_QUEUE,
            )
        except Exception:
            log.warning("queue unavailable; %d notifications wait for the sweep", len(ids))
            self._unstamp(ids)
            return
        if stamped:
            return
        try:
            outbox.stamp_enqueued(self.db, ids, self.clock.now())
        except Exception:
            # The sweep's rows keep their old stamp: handed over again after the delay.
            log.warning("%d notifications handed over but not stamped", len(ids))

    def _unstamp(self, ids: list[int]) -> None:
        """Rows the queue may not have got are the sweep's at its next tick, not after
        the resend delay; if the database cannot be reached either, after the delay."""
        try:
            outbox.unstamp_enqueued(self.db, ids)
        except Exception:
            log.warning("database unavailable; %d notifications wait for the resend", len(ids))
