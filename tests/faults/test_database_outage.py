"""PostgreSQL stopped for a while in the middle of a bulk notification, and started
again: no fee notice is lost or sent twice, people who write meanwhile are told to
try again in a moment, and the logs say so in a few lines rather than a traceback
per attempt."""

import asyncio
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from bot.engine import TRY_AGAIN
from bot.i18n import text_for
from models import Member, Notification, Representation, User
from sandbox.client import SandboxUser, message_text
from tests.faults.conftest import Deployment
from tests.faults.processes import PrivatePostgres, wait_until
from tests.faults.test_bot_crash import at_most
from workflows.charter.money import Money
from workflows.charter.roles import Role
from workflows.fees import periods

pytestmark = pytest.mark.faults

MEMBERS = 300
OUTAGE_SECONDS = 16
#: A log line an operator would read as being about the database, or part of a traceback.
ABOUT_THE_DATABASE = re.compile(
    r"database|postgres|psycopg|sqlalchemy|operationalerror|connection|traceback|^\s+File ",
    re.IGNORECASE,
)


def city(index: int) -> str:
    return f"Madina-{index:03d}"


async def test_a_database_outage_mid_delivery_loses_no_notice_and_sends_none_twice(
    deployment: Deployment, private_postgres: PrivatePostgres
) -> None:
    deployment.database_url = private_postgres.url
    bot, worker = deployment.bot(), deployment.worker("--threads", "4")
    await asyncio.gather(asyncio.to_thread(bot.start), asyncio.to_thread(worker.start))
    uow = deployment.unit_of_work()
    clerk = await deployment.person("Clerk", "en", (Role.SECRETARIAT,), uow)
    mayors: list[SandboxUser] = await at_most(
        20,
        [
            lambda i=i: deployment.client.create_user(f"Mayor {i}", language_code="en")
            for i in range(MEMBERS)
        ],
    )
    await at_most(20, [lambda m=m: m.send("/start") for m in mayors])

    def all_met() -> bool:
        with uow.db.reading() as session:
            ids = [m.id for m in mayors]
            return session.exec(
                select(func.count()).select_from(User).where(col(User.id).in_(ids))
            ).one() == len(ids)

    await asyncio.to_thread(wait_until, all_met, timeout=120, what="every mayor met")
    now = uow.clock.now()
    with uow.begin() as session:
        for index, mayor in enumerate(mayors):
            member = Member(category="full", name_en=city(index), name_ar="مدينة", country="MA")
            session.add(member)
            session.flush()
            assert member.id is not None
            session.add(Representation(member_id=member.id, user_id=mayor.id))
    with uow.begin() as session:
        opener = session.get(User, clerk.id)
        assert opener is not None
        periods.open_period(
            session,
            periods.PeriodTerms(
                starts_on=now.date(),
                ends_on=now.date() + timedelta(days=729),
                fee=Money(Decimal(1500), "USD"),
                due_on=now.date() + timedelta(days=60),
            ),
            opener,
            now=now,
        )

    def delivered() -> int:
        with uow.db.reading() as session:
            return int(
                session.exec(
                    select(func.count())
                    .select_from(Notification)
                    .where(col(Notification.delivered_at).is_not(None))
                ).one()
            )

    # Mid-delivery (Telegram takes about 30 a second), the database goes away.
    await asyncio.to_thread(wait_until, lambda: delivered() >= 40, timeout=120, what="delivery")
    marks = {p.log: p.log.stat().st_size for p in (bot, worker)}
    await asyncio.to_thread(private_postgres.stop)
    uow.db.dispose()
    writers = mayors[:5]
    try_again = text_for("en")._(TRY_AGAIN)
    for writer in writers:
        await writer.send("/help")
    for writer in writers:
        await writer.wait_for(try_again, timeout=30)
    await asyncio.sleep(OUTAGE_SECONDS)
    await asyncio.to_thread(private_postgres.start)

    total = MEMBERS + 1  # a notice per member, and the Secretariat's summary
    await asyncio.to_thread(
        wait_until, lambda: delivered() == total, timeout=300, what="every notice delivered"
    )
    for writer in writers:
        await writer.send("/help")
        await writer.wait_for("/help — this help", timeout=60)

    transcripts = await at_most(20, [lambda m=m: m.transcript() for m in mayors])
    counts = {
        index: sum(1 for m in transcript if m["from_bot"] and city(index) in message_text(m))
        for index, transcript in enumerate(transcripts)
    }
    missing = [city(i) for i, count in counts.items() if count == 0]
    twice = [city(i) for i, count in counts.items() if count > 1]
    assert not missing, f"{len(missing)} of {MEMBERS} members never got their notice"
    assert not twice, f"{len(twice)} of {MEMBERS} members got their notice twice: {twice[:5]}"

    for process in (bot, worker):
        lines = process.output(since=marks[process.log]).splitlines()
        about = [line for line in lines if ABOUT_THE_DATABASE.search(line)]
        assert len(about) < 20, f"{process.log.name}: {len(about)} lines on the outage:\n" + (
            "\n".join(about[:40])
        )
