"""A worker killed in the middle of a broadcast: every recipient gets it once.

The broadcast's copies are outbox rows written in bulk when it starts; the kill
lands while a third of them are out. Nothing is lost, and nothing is sent twice
but the one copy per sending thread that Telegram may have taken in the last
milliseconds before the kill (README, "The one message that can come twice").
"""

import asyncio
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from models import Member, Notification, Representation
from tests.e2e.conftest import plain
from tests.faults.conftest import Deployment
from tests.faults.test_workers import (
    VICTIM_THREADS,
    all_delivered,
    delivered_count,
    in_flight,
    recipients,
    rows,
    until,
)
from workflows import broadcasts, people
from workflows.charter.roles import Role

pytestmark = pytest.mark.faults

PEOPLE = 150
TEXT = "Conference of mayors in Fez"


async def test_a_worker_killed_mid_broadcast_loses_and_repeats_nothing(
    deployment: Deployment,
) -> None:
    uow = deployment.unit_of_work()
    victim = deployment.worker("--threads", str(VICTIM_THREADS), name="victim")
    # A scheduler candidate: the progress and the report are due items.
    survivor = deployment.worker(name="survivor")
    await asyncio.to_thread(victim.start)
    await asyncio.to_thread(survivor.start)
    secretary, *users = await recipients(deployment, PEOPLE + 1)
    with uow.begin() as session:
        for person in (secretary, *users):
            people.meet_user(
                session, user_id=person.id, first_name="Mayor", username=None, language_code="en"
            )
        people.grant_role(session, user_id=secretary.id, role=Role.SECRETARIAT, actor_id=None)
        for n, user in enumerate(users):
            member = Member(
                category="full", name_en=f"City {n}", name_ar=f"مدينة {n}", country="MA"
            )
            session.add(member)
            session.flush()
            assert member.id is not None
            session.add(Representation(member_id=member.id, user_id=user.id))
        now = datetime.now(UTC)
        broadcast = broadcasts.create(
            session,
            sender_id=secretary.id,
            segments=[broadcasts.ALL],
            text_en=f"<b>{TEXT}</b>",
            text_ar="",
            other_language=True,
            file=None,
            due_at=now,
            time_zone="UTC",
            now=now,
        )
        broadcast_id = broadcast.id
    assert broadcast.people == PEOPLE

    def copy_ids() -> list[int]:
        with uow.db.reading() as session:
            return [
                row_id
                for row_id in session.exec(
                    select(Notification.id).where(Notification.broadcast_id == broadcast_id)
                )
                if row_id is not None
            ]

    await until(lambda: len(copy_ids()) == PEOPLE, timeout=60, what="the broadcast started")
    ids = copy_ids()
    await until(lambda: delivered_count(uow, ids) >= PEOPLE // 3, timeout=60, what="a third out")
    await asyncio.to_thread(victim.kill)
    killed_at = datetime.now(UTC)
    last_seq_at_kill = deployment.sandbox.world.last_seq
    held = in_flight(uow, ids, killed_at)
    unstamped = {row_id for row_id, row in rows(uow, ids).items() if row.delivered_at is None}

    await all_delivered(uow, ids)
    await secretary.wait_for("report", timeout=120, after=0)
    await asyncio.sleep(2)  # a duplicate would be out by now
    transcripts = await asyncio.gather(*(user.transcript() for user in users))
    copies = {
        user.id: [int(m["seq"]) for m in transcript if TEXT in plain(m.get("text"))]
        for user, transcript in zip(users, transcripts, strict=True)
    }
    assert all(copies.values()), [user_id for user_id, seqs in copies.items() if not seqs]
    with uow.db.reading() as session:
        row_of = {
            chat_id: row_id
            for row_id, chat_id in session.exec(
                select(Notification.id, Notification.chat_id).where(col(Notification.id).in_(ids))
            )
        }
    twice = {user_id: seqs for user_id, seqs in copies.items() if len(seqs) > 1}
    straddling = {
        user_id: seqs
        for user_id, seqs in twice.items()
        if len(seqs) == 2
        and seqs[0] <= last_seq_at_kill < seqs[1]
        and row_of[user_id] in held
        and row_of[user_id] in unstamped
    }
    print(f"\n{len(held)} in flight at the kill; {len(straddling)} sent twice across it")
    assert twice == straddling, twice
    assert len(straddling) <= VICTIM_THREADS
    report = await secretary.wait_for("report", timeout=5, after=0)
    assert f"Delivered: {PEOPLE}" in plain(report["text"])
