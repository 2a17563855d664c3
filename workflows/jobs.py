"""The scheduler's periodic work, run by the workers."""

import logging
from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import col

from models import ProcessedUpdate
from models.db import unreachable
from workflows.fees import reminders
from workflows.meetings import amendments, motions, sessions, tallies
from workflows.membership import applications
from workflows.outreach import broadcasts
from workflows.platform import inbox, outbox, prompts, schedule
from workflows.platform.queue import JobContext, job
from workflows.platform.unit_of_work import UnitOfWork

# Due items of meetings and votes (closes, reminders, live tallies), of prompts
# and applications, and of fees (reminders, grace periods) have their handlers
# registered when these are imported; a worker started alone needs them.
HANDLER_MODULES = (
    broadcasts,
    amendments,
    sessions,
    motions,
    tallies,
    applications,
    prompts,
    reminders,
)

log = logging.getLogger(__name__)

#: Telegram gives up redelivering an update after a day; a week of ids is ample.
KEEP_UPDATE_IDS = timedelta(days=7)


def sweep_outbox(uow: UnitOfWork, *, resend_after: timedelta | None = None) -> int:
    """Hand over again the notifications a crash or an outage left behind: those not
    handed over, or handed over longer than ``resend_after`` ago (by default the
    setting), and held by no sender."""
    now = uow.clock.now()
    if resend_after is None:
        resend_after = timedelta(seconds=uow.settings.outbox_resend_after)
    ids = outbox.stale(uow.db, now=now, resend_after=resend_after)
    uow.hand_over(ids)
    return len(ids)


def sweep_inbox(
    uow: UnitOfWork, *, resend_after: timedelta = inbox.RESEND_AFTER, regardless: bool = False
) -> int:
    """Hand over again the chats whose updates wait too long and have no job waiting:
    the bot died between keeping them and handing them over, or their handler died.
    With ``regardless`` (Redis lost its queues) every one. Returns how many."""
    chats = inbox.stale_chats(uow.db, now=uow.clock.now(), resend_after=resend_after)
    if not chats or uow.broker is None:
        return 0
    try:
        if regardless:
            inbox.hand_over(uow.broker, chats)
            return len(chats)
        return len(inbox.hand_over_left(uow.broker, chats))
    except Exception as error:
        # Stamped as handed over all the same: the next sweep after the resend delay.
        log.warning("queue unavailable (%s); %d chats wait for the next sweep", error, len(chats))
        return 0


def prune_updates(uow: UnitOfWork) -> None:
    with uow.begin() as session:
        cutoff = uow.clock.now() - KEEP_UPDATE_IDS
        session.execute(delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < cutoff))


def tick_once(uow: UnitOfWork) -> dict[str, int]:
    """One scheduler tick: due items, then the outbox and inbox sweeps."""
    done = schedule.run_due(uow.begin, now=uow.clock.now())
    swept = sweep_outbox(uow)
    chats = sweep_inbox(uow)
    return {"due": done, "swept": swept, "chats": chats}


#: A tick older than a few seconds is dropped: the next one does its work.
@job(max_retries=0, time_limit=120_000, max_age=10_000)
def scheduler_tick() -> None:
    uow: UnitOfWork = JobContext.get("uow")
    try:
        result = tick_once(uow)
    except Exception as error:
        if not unreachable(error):
            raise
        # The next tick tries again in a second; the outage is told once.
        uow.db.outage.began(error)
        return
    uow.db.outage.over()
    if result["due"] or result["swept"] or result["chats"]:
        log.info(
            "tick: %(due)d due items done, %(swept)d notifications and %(chats)d chats' "
            "updates handed over",
            result,
        )


@job(max_retries=0)
def prune() -> None:
    uow: UnitOfWork = JobContext.get("uow")
    try:
        prune_updates(uow)
    except Exception as error:
        if not unreachable(error):
            raise
        uow.db.outage.began(error)
